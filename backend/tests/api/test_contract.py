"""The OpenAPI document is the truth: schemathesis runs every check on every operation of a
real server (`python main.py`, a small seeded fleet, an admin token) with bounded,
derandomized examples, valid and invalid."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.schemas import OpenApiSchema

from app.main import create_app
from app.simulation import simulate_fleet
from tests.live import Live, admin_headers, live_server

# Generous, so a busy machine slows the run but never fails it.
REQUEST_TIMEOUT = 60.0
MAX_EXAMPLES = 6


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


def operation_cases() -> list[tuple[str, GenerationMode]]:
    """ "METHOD /path" of every operation the app documents, with valid data, and with invalid
    data too where it takes any input."""
    paths = create_app().openapi()["paths"]
    cases = []
    for path, item in paths.items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            cases.append((label, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((label, GenerationMode.NEGATIVE))
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


@pytest.mark.parametrize(("label", "mode"), operation_cases(), ids=lambda v: str(v))
def test_every_operation_matches_the_document(
    api_schema: OpenApiSchema, label: str, mode: GenerationMode
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
        case.call_and_validate(timeout=REQUEST_TIMEOUT)

    try:
        check()
    except Unsatisfiable:
        # e.g. an integer path id: every value schemathesis makes invalid is not sendable
        if mode is not GenerationMode.NEGATIVE:
            raise
        pytest.skip(f"{label}: no invalid request can be generated")
