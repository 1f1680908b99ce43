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
from schemathesis.specs.openapi.schemas import OpenApiSchema

from app.core.config import get_settings
from app.main import create_app
from app.simulation import simulate_fleet
from tests.api.contract_hooks import positive_hooks
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
        add_references(live.url, headers)
        yield live, headers


def add_references(url: str, headers: dict[str, str]) -> None:
    """A device group and a channel, for rules and silences to name."""
    group = {"name": "contract-group", "device_ids": []}
    channel = {
        "name": "contract-hook",
        "kind": "webhook",
        "config": {"url": "http://127.0.0.1:9/hook", "format": "json"},
        "secrets": {"signing_secret": "s" * 16},
    }
    for path, body in (("groups", group), ("channels", channel)):
        response = httpx.post(
            f"{url}/api/v1/notifications/{path}", json=body, headers=headers, timeout=60
        )
        assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def api_schema(contract_server: tuple[Live, dict[str, str]]) -> OpenApiSchema:
    """The server's own /openapi.json, sent with the admin token and bounded examples."""
    live, headers = contract_server
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json", timeout=REQUEST_TIMEOUT)
    schema.config.update(base_url=live.url, headers=headers, request_timeout=REQUEST_TIMEOUT)
    # A body over MAX_BODY_BYTES is refused with the documented 413 before it is read: that
    # rejects invalid data as surely as a 422 does.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        with_security_parameters=False,  # the admin token is sent; random keys would shadow it
    )
    return schema


def app_document() -> dict[str, Any]:
    """The app's OpenAPI document, built without a server (settings cache left clean)."""
    try:
        return create_app().openapi()
    finally:
        get_settings.cache_clear()


def operation_cases() -> list[Any]:
    """Every operation the app documents with valid data, and with invalid data too where it
    takes any input."""
    paths = app_document()["paths"]
    cases = []
    for path, item in paths.items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            modes = [GenerationMode.POSITIVE]
            if operation.get("parameters") or operation.get("requestBody"):
                modes.append(GenerationMode.NEGATIVE)
            cases += [pytest.param(label, mode, id=f"{label}-{mode}") for mode in modes]
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


@pytest.mark.parametrize(("label", "mode"), operation_cases())
def test_every_operation_matches_the_document(
    api_schema: OpenApiSchema,
    contract_server: tuple[Live, dict[str, str]],
    label: str,
    mode: GenerationMode,
) -> None:
    """Every check, positive_data_acceptance included; positive cases pass through hooks that
    keep cross-field and stored-row rules (tests/api/contract_hooks.py)."""
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} missing from the served /openapi.json"
    live, headers = contract_server
    hooks = positive_hooks(live.url, headers) if mode is GenerationMode.POSITIVE else None

    @given(case=operation.as_strategy(generation_mode=mode, hooks=hooks))
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
        case.call_and_validate(timeout=REQUEST_TIMEOUT)

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
