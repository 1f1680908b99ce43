"""The OpenAPI document is the truth: schemathesis runs every check on every operation of a
real server (`python main.py`, a small seeded fleet, an admin token) with bounded,
derandomized examples, valid and invalid."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from app.core.config import get_settings
from app.main import create_app
from app.simulation import simulate_fleet
from tests.live import Live, admin_headers, live_server

# Generous, so a busy machine slows the run but never fails it.
REQUEST_TIMEOUT = 60.0
MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def contract_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Live, dict[str, str]]]:
    """A server holding a three-device fleet, with an admin token."""
    root = tmp_path_factory.mktemp("contract")
    fleet = simulate_fleet(3, 3, 7, root / "fleet", progress=False)
    database = f"sqlite:///{root / 'drillwatch.db'}"
    # ML on, so /api/ml answers for real; no rate limit, so no case meets another's 429
    unlimited = {"RATE_LIMIT_PER_MINUTE": "0", "ML_RATE_LIMIT_PER_MINUTE": "0"}
    with live_server(root, database, ML_ENABLED="true", **unlimited) as live:
        headers = admin_headers(live.url)
        upload = httpx.post(
            live.url + "/api/v1/telemetry",
            content=fleet.telemetry_csv.read_bytes(),
            headers=headers | {"Content-Type": "text/csv"},
            timeout=REQUEST_TIMEOUT,
        )
        assert upload.status_code == 200, upload.text
        assert upload.json()["accepted"] > 0
        yield live, headers


@pytest.fixture(scope="module")
def api_schema(contract_server: tuple[Live, dict[str, str]]) -> OpenApiSchema:
    """The server's own /openapi.json, sent with the admin token and bounded examples."""
    live, headers = contract_server
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json", timeout=REQUEST_TIMEOUT)
    schema.config.update(base_url=live.url, headers=headers, request_timeout=REQUEST_TIMEOUT)
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        with_security_parameters=False,  # the admin token is sent; random keys would shadow it
    )
    return schema


# Valid by the document but refused with 422, for rules JSON Schema cannot state: one input
# compared with another, or with rows stored now. All other checks still run on these.
BEYOND_THE_SCHEMA = {
    "POST /api/v1/users": "password at most 72 UTF-8 bytes (bcrypt), not characters",
    "PATCH /api/v1/users/{user_id}": "password at most 72 UTF-8 bytes (bcrypt), not characters",
    "POST /api/v1/notifications/rules": "channel_ids must name existing channels",
    "PUT /api/v1/notifications/rules/{rule_id}": "channel_ids must name existing channels",
    "POST /api/v1/notifications/silences": "ends_at must be after starts_at",
    "POST /api/v1/telemetry/purge": "to must be after from",
}
DATE_RANGE = "end_date must not be before start_date"


def app_document() -> dict[str, Any]:
    """The app's OpenAPI document, built without a server (settings cache left clean)."""
    try:
        return create_app().openapi()
    finally:
        get_settings.cache_clear()


def beyond_the_schema(label: str, operation: dict[str, Any]) -> str | None:
    """Why valid-looking input of ``label`` may be refused, if it may."""
    names = {p["name"] for p in operation.get("parameters", [])}
    if {"start_date", "end_date"} <= names:
        return DATE_RANGE
    return BEYOND_THE_SCHEMA.get(label)


def operation_cases() -> list[Any]:
    """Every operation the app documents with valid data, and with invalid data too where it
    takes any input; with the reason, if any, that valid-looking data may be refused."""
    paths = app_document()["paths"]
    cases = []
    for path, item in paths.items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            modes = [GenerationMode.POSITIVE]
            if operation.get("parameters") or operation.get("requestBody"):
                modes.append(GenerationMode.NEGATIVE)
            why = beyond_the_schema(label, operation)
            cases += [pytest.param(label, mode, why, id=f"{label}-{mode}") for mode in modes]
    return cases


def locks_out_the_admin(case: Case) -> bool:
    """Whether ``case`` would disable, delete or re-password the admin the run is signed in as
    (user 1), which would turn every later case into a 401."""
    user = str((case.path_parameters or {}).get("user_id"))
    return (
        case.method in {"PATCH", "DELETE"}
        and case.path.startswith("/api/v1/users/")
        and user == "1"
    )


@pytest.mark.parametrize(("label", "mode", "beyond_schema"), operation_cases())
def test_every_operation_matches_the_document(
    api_schema: OpenApiSchema, label: str, mode: GenerationMode, beyond_schema: str | None
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} missing from the served /openapi.json"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Case) -> None:
        assume(not locks_out_the_admin(case))
        case.call_and_validate(timeout=REQUEST_TIMEOUT, excluded_checks=excluded)

    excluded = [positive_data_acceptance] if beyond_schema else []

    try:
        check()
    except Unsatisfiable:
        # e.g. an integer path id: every value schemathesis makes invalid is not sendable
        if mode is not GenerationMode.NEGATIVE:
            raise
        pytest.skip(f"{label}: no invalid request can be generated")


def test_every_error_answer_is_declared_with_the_error_body() -> None:
    """No FastAPI default 422 body is left; every 4xx/5xx of every operation is ``ErrorBody``."""
    document = app_document()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            errors = {c: r for c, r in operation["responses"].items() if int(c) >= 400}
            assert "503" in errors, (method, path)
            for code, response in errors.items():
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)
            if operation.get("security"):
                assert {"401", "403", "429"} <= errors.keys(), (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in errors, (method, path)
