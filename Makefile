# DrillWatch: `make run` to use it, `make test` to check it. Targets read like the README.
# Finished work is kept in stamp files, so running a target twice redoes nothing.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BACKEND := $(ROOT)/backend
FRONTEND := $(ROOT)/frontend
VENV := $(BACKEND)/venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.11 || command -v python3)
DATA_DIR ?= $(ROOT)/public/data
SAMPLE_ARGS ?= --devices 20 --days 30 --seed 7
# Passed to pytest on the SQLite pass (e.g. make test PYTEST_ARGS="-x tests/api").
PYTEST_ARGS ?=
# pytest-xdist worker processes for both passes (0: run in one process); a test file (and
# the browser tests together) stays on one worker, so module fixtures are built once.
PYTEST_WORKERS ?= 2
PYTEST_XDIST := -n $(PYTEST_WORKERS) --dist loadgroup
# Tests that talk to the SQL store, run a second time against PostgreSQL (missing paths are left out).
PG_TESTS ?= tests/db tests/services/test_auth_service.py tests/api/test_auth.py tests/api/test_principal_cache.py \
	tests/api/test_users.py tests/commands/test_accounts.py tests/ml/test_registry_schema.py \
	tests/ml/test_alert_lifecycle.py tests/ml/test_model_manager.py \
	tests/ml/test_predictive_alerts.py tests/api/test_ml_server.py \
	tests/api/test_audit.py tests/api/test_security_server.py tests/api/test_commit_before_response.py \
	tests/notifications tests/backup tests/services/test_archive.py
# SKIP_POSTGRES=1 skips the PostgreSQL pass (for machines without PostgreSQL).
SKIP_POSTGRES ?=
# Prefix of the PostgreSQL pass when `make test` runs it beside the SQLite pass (nice: it takes
# the CPU that pass leaves idle, so it does not stretch its browser tests, the longest chain).
# When the SQLite pass ends, scripts/raise_priority.sh puts it back at normal priority (root
# only): on a machine busy with other work it would otherwise get almost no CPU. Vitest (about
# a minute of CPU) runs at normal priority, since its worker start-up times out when starved.
SIDE ?=

RUN_DEPS := $(VENV)/.stamp-run-deps
DEV_DEPS := $(VENV)/.stamp-dev-deps
NODE_DEPS := $(FRONTEND)/node_modules/.stamp-npm-ci
# openapi-typescript needs TypeScript 5's compiler API (TypeScript 7 has none): its own folder.
OPENAPI_TOOL := $(FRONTEND)/tools/openapi
OPENAPI_DEPS := $(OPENAPI_TOOL)/node_modules/.stamp-npm-ci
API_TYPES := $(FRONTEND)/src/api/schema.d.ts
DIST := $(FRONTEND)/dist/index.html
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig*.json)

.PHONY: help run test test-frontend test-sqlite test-postgres lint format bench install frontend sample-data system-deps postgres clean \
	types types-check

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: $(RUN_DEPS) $(DIST) sample-data ## Install, build, generate a sample fleet if needed, serve on :8000
	@port=$${PORT:-8000}; \
	echo; echo "DrillWatch: http://localhost:$$port  (API docs: http://localhost:$$port/docs)"; \
	if [[ -n "$${ADMIN_PASSWORD:-}" ]] || grep -qs '^ADMIN_PASSWORD=.' $(BACKEND)/.env; then \
		echo "Log in as 'admin' with the password in ADMIN_PASSWORD."; \
	elif [[ -f $(BACKEND)/data/drillwatch.db ]]; then \
		echo "Log in as 'admin' with the password printed at first start."; \
	else \
		echo "Log in as 'admin' with the password generated and printed below (shown once)."; \
	fi; \
	echo "Forgot it? cd backend && venv/bin/drillwatch users set-password admin"; echo
	cd $(BACKEND) && exec $(PY) main.py

test: system-deps $(DEV_DEPS) $(NODE_DEPS) $(DIST) lint ## Install what tests need, lint, run the three suites side by side
	@echo "pytest on SQLite runs with Vitest and, at low priority, pytest on PostgreSQL beside it;"
	@echo "each one's output follows when it ends."
	@$(MAKE) --no-print-directory -j3 --output-sync=target test-sqlite test-frontend test-postgres \
		SIDE="nice -n 19"

test-frontend: ## Vitest (the dashboard's unit and component tests)
	cd $(FRONTEND) && npm test

test-sqlite: ## pytest, every test, SQL store on SQLite (PYTEST_ARGS: extra arguments)
	cd $(BACKEND) && status=0 && \
	env -u TEST_DATABASE_URL $(PY) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS) || status=$$?; \
	if [[ -n "$(SIDE)" ]]; then bash scripts/raise_priority.sh $$PPID; fi; \
	exit $$status

test-postgres: ## pytest, the tests of PG_TESTS, SQL store on a throw-away PostgreSQL
	@if [[ -n "$(SKIP_POSTGRES)" ]]; then echo "SKIP_POSTGRES set: PostgreSQL pass skipped"; exit 0; fi; \
	cd $(BACKEND); \
	tests=$$(for t in $(PG_TESTS); do [[ -e $$t ]] && echo $$t; done || true); \
	if [[ -z "$$tests" ]]; then echo "none of PG_TESTS exists: $(PG_TESTS)" >&2; exit 1; fi; \
	url=$$(bash scripts/start_postgres.sh | sed -n 's/^TEST_DATABASE_URL=//p'); \
	if [[ -z "$$url" ]]; then echo "PostgreSQL did not start" >&2; exit 1; fi; \
	echo "PostgreSQL pass:" $$tests; \
	TEST_DATABASE_URL=$$url $(SIDE) $(PY) -m pytest $(PYTEST_XDIST) -p no:cacheprovider $$tests

lint: $(DEV_DEPS) $(NODE_DEPS) types-check ## ruff, mypy (strict), stale API types, Biome and tsc
	cd $(BACKEND) && $(PY) -m ruff check app tests bench main.py
	cd $(BACKEND) && $(PY) -m ruff format --check app tests bench main.py
	cd $(BACKEND) && $(PY) -m mypy app
	cd $(FRONTEND) && npx biome ci src
	cd $(FRONTEND) && npx tsc -b

format: $(DEV_DEPS) $(NODE_DEPS) ## Apply ruff's and Biome's fixes and formatting
	cd $(BACKEND) && $(PY) -m ruff check --fix app tests bench main.py
	cd $(BACKEND) && $(PY) -m ruff format app tests bench main.py
	cd $(FRONTEND) && npx biome check --write src

types: $(RUN_DEPS) $(OPENAPI_DEPS) ## Regenerate frontend/src/api/schema.d.ts from the app's OpenAPI
	cd $(BACKEND) && $(PY) scripts/openapi.py > $(OPENAPI_TOOL)/openapi.json
	cd $(OPENAPI_TOOL) && npx openapi-typescript openapi.json -o $(API_TYPES)

types-check: $(RUN_DEPS) $(OPENAPI_DEPS) ## Fail when schema.d.ts differs from the app's OpenAPI
	cd $(BACKEND) && $(PY) scripts/openapi.py > $(OPENAPI_TOOL)/openapi.json
	cd $(OPENAPI_TOOL) && npx openapi-typescript openapi.json -o generated.d.ts
	@diff -u $(API_TYPES) $(OPENAPI_TOOL)/generated.d.ts >/dev/null || { \
		diff -u $(API_TYPES) $(OPENAPI_TOOL)/generated.d.ts | head -40; \
		echo "frontend/src/api/schema.d.ts is stale: run 'make types' and commit it" >&2; exit 1; }

bench: $(DEV_DEPS) ## Benchmarks (1,000 devices x 30 days); figures also in bench-results/
	cd $(BACKEND) && status=0 && for script in bench/*.py; do \
		echo "== $$script"; $(PY) $$script || status=1; done; exit $$status

install: $(RUN_DEPS) ## Create backend/venv and install the backend (the drillwatch command)

frontend: $(DIST) ## Build the dashboard into frontend/dist

postgres: ## Start the throw-away PostgreSQL used by the tests; prints TEST_DATABASE_URL
	bash $(BACKEND)/scripts/start_postgres.sh

clean: ## Remove the virtualenv, node_modules and the frontend build (keeps data)
	rm -rf $(VENV) $(FRONTEND)/node_modules $(OPENAPI_TOOL)/node_modules $(FRONTEND)/dist

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11+ is needed; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_DEPS): $(BACKEND)/requirements.txt $(BACKEND)/pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r $(BACKEND)/requirements.txt -e $(BACKEND)
	touch $@

$(DEV_DEPS): $(BACKEND)/requirements-dev.txt $(RUN_DEPS)
	$(PY) -m pip install --quiet -r $(BACKEND)/requirements-dev.txt -e $(BACKEND)
	touch $@

$(NODE_DEPS): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20 and npm are needed" >&2; exit 1; }
	@if (( $$(npm --version | cut -d. -f1) < 11 )); then \
		echo "npm $$(npm --version) is too old for Vite 8: installing npm 11"; npm install -g npm@11; fi
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

$(OPENAPI_DEPS): $(OPENAPI_TOOL)/package.json $(OPENAPI_TOOL)/package-lock.json
	cd $(OPENAPI_TOOL) && npm ci --no-audit --no-fund
	touch $@

$(DIST): $(NODE_DEPS) $(FRONTEND_SOURCES) $(FRONTEND)/package.json
	cd $(FRONTEND) && npm run build
	touch $@

sample-data: $(RUN_DEPS) ## Generate a sample fleet into public/data when it holds no CSV
	@if [[ -n "$$(find $(DATA_DIR) -maxdepth 1 -iname '*.csv' -print -quit 2>/dev/null)" ]]; then \
		echo "$(DATA_DIR) holds telemetry: no sample fleet generated"; exit 0; fi; \
	mkdir -p $(DATA_DIR) $(BACKEND)/data; \
	tmp=$$(mktemp -d $(BACKEND)/data/.simulate.XXXXXX); chmod 755 "$$tmp"; trap 'rm -rf "$$tmp"' EXIT; \
	echo "Generating a sample fleet ($(SAMPLE_ARGS)) into $(DATA_DIR)"; \
	$(VENV)/bin/drillwatch simulate $(SAMPLE_ARGS) --out $$tmp; \
	mv $$tmp/telemetry.csv $(DATA_DIR)/sample_fleet.csv; \
	rm -rf $(BACKEND)/data/sample_fleet; mv $$tmp $(BACKEND)/data/sample_fleet; \
	echo "Ground truth kept in backend/data/sample_fleet/"

system-deps: ## As root with apt: install Chromium, PostgreSQL and promtool (prometheus) when missing
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing="$$missing postgresql"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	if [[ -z "$$missing" ]]; then exit 0; fi; \
	if [[ "$$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then \
		echo "Installing:$$missing"; apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "warning: missing$$missing (install them, or tests that need them fail)" >&2; fi
