"""Bad input is a 422 naming the field, never a 500; unexpected errors answer JSON."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.errors import register_error_handlers
from app.core.config import get_settings
from app.main import create_app
from tests.support import ADMIN_PASSWORD, use_env

HUGE = 999_999_999_999_999_999_999  # beyond int64
CSV = (
    "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id\n"
    "2025-07-01T09:20:15Z,pod-1,1,7.3,52.39,13.26,67,\n"
    "2025-07-01T09:20:45Z,pod-1,2,250,52.39,13.26,67,\n"
)
USER = {"username": "someone", "role": "viewer", "password": "a-long-password-1"}

# (method, path, query, the parameter the 422 must name)
BEYOND_BOUNDS: list[tuple[str, str, dict[str, Any], str]] = [
    ("GET", "/api/v1/sessions", {"offset": HUGE}, "offset"),
    ("GET", "/api/v1/sessions", {"offset": 2**53}, "offset"),
    ("GET", "/api/v1/sessions/timeline", {"offset": HUGE}, "offset"),
    ("GET", "/api/v1/devices", {"offset": HUGE}, "offset"),
    ("GET", "/api/v1/anomalies", {"offset": HUGE}, "offset"),
    ("GET", "/api/v1/ingest/history", {"offset": HUGE}, "offset"),
    ("GET", "/api/v1/ingest/quarantine", {"offset": HUGE}, "offset"),
    ("GET", "/api/v1/ingest/quarantine", {"ingest_id": HUGE}, "ingest_id"),
    ("GET", "/api/ml/alerts", {"page": 10**18}, "page"),
    ("GET", "/api/ml/alerts", {"page": 10**6 + 1}, "page"),
    ("GET", f"/api/v1/users/{HUGE}", {}, "user_id"),
    ("GET", f"/api/v1/users/{2**63}", {}, "user_id"),
    ("PATCH", f"/api/v1/users/{HUGE}", {}, "user_id"),
    ("DELETE", f"/api/v1/users/{HUGE}", {}, "user_id"),
    ("DELETE", f"/api/v1/api-keys/{HUGE}", {}, "key_id"),
    ("GET", "/api/v1/users/0", {}, "user_id"),
]

# the largest accepted values work: an empty page, or 404 for an id nobody has
AT_BOUNDS: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/api/v1/sessions", {"offset": 2**53 - 1}, 200),
    ("GET", "/api/v1/ingest/history", {"offset": 2**53 - 1}, 200),
    ("GET", "/api/ml/alerts", {"page": 10**6, "limit": 500}, 200),
    ("GET", f"/api/v1/users/{2**63 - 1}", {}, 404),
    ("DELETE", f"/api/v1/api-keys/{2**63 - 1}", {}, 404),
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One running app for the module, authenticated as admin."""
    with pytest.MonkeyPatch.context() as patch:
        use_env(patch, tmp_path_factory.mktemp("api"))
        with TestClient(create_app()) as client:
            client.app.state.startup_ingest.join(timeout=30)  # type: ignore[attr-defined]
            form = {"username": "admin", "password": ADMIN_PASSWORD}
            token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            yield client
        get_settings.cache_clear()


def send(client: TestClient, method: str, path: str, params: dict[str, Any]) -> Any:
    body = {"role": "operator"} if method == "PATCH" else None
    return client.request(method, path, params=params, json=body)


@pytest.mark.parametrize(("method", "path", "params", "field"), BEYOND_BOUNDS)
def test_numbers_beyond_their_bound_are_422_naming_the_parameter(
    api: TestClient, method: str, path: str, params: dict[str, Any], field: str
) -> None:
    response = send(api, method, path, params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize(("method", "path", "params", "status"), AT_BOUNDS)
def test_numbers_at_their_bound_are_accepted(
    api: TestClient, method: str, path: str, params: dict[str, Any], status: int
) -> None:
    response = send(api, method, path, params)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    "request_args",
    [
        {},  # no body at all
        {"content": b'{"username": ', "headers": {"Content-Type": "application/json"}},
    ],
    ids=["missing", "malformed-json"],
)
def test_a_missing_or_malformed_body_is_named_body(
    api: TestClient, request_args: dict[str, Any]
) -> None:
    response = api.post("/api/v1/users", **request_args)
    assert response.status_code == 422, response.text
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["body"]
    assert body["detail"] == "invalid body"


def test_a_body_field_is_still_named_by_its_path(api: TestClient) -> None:
    response = api.post("/api/v1/users", json={**USER, "role": "king"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["role"]


def test_ingest_and_user_timestamps_are_utc_with_z(api: TestClient) -> None:
    report = api.post("/api/v1/telemetry", content=CSV, headers={"Content-Type": "text/csv"})
    assert report.json()["quarantined"] == 1, report.text
    quarantined = api.get("/api/v1/ingest/quarantine").json()["items"][0]
    history = api.get("/api/v1/ingest/history").json()["items"][0]
    user = api.post("/api/v1/users", json=USER).json()
    stamps = [quarantined["quarantined_at"], history["started_at"], history["finished_at"]]
    stamps.append(user["created_at"])
    assert all(stamp.endswith("Z") for stamp in stamps), stamps


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"start_date": "0001-01-01T00:00:00+01:00"}, "start_date"),
    ],
)
def test_dates_past_the_calendar_are_out_of_range(
    api: TestClient, params: dict[str, str], field: str
) -> None:
    response = api.get("/api/v1/sessions", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    assert "out of range" in body["detail"]
    assert "not a date" not in body["detail"]


def test_the_last_whole_day_is_a_valid_end_date(api: TestClient) -> None:
    response = api.get("/api/v1/sessions", params={"end_date": "9999-12-30"})
    assert response.status_code == 200, response.text


def test_an_unexpected_error_is_a_json_500_logged_with_its_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = FastAPI()
    register_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"secret internals at {tmp_path}")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error; see logs/app.log"}
    assert "secret" not in response.text
    [record] = [r for r in caplog.records if r.name == "drillwatch.api"]
    assert record.levelno == logging.ERROR
    assert "/boom" in record.getMessage()
    assert record.exc_info is not None
    assert "secret internals" in str(record.exc_info[1])


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/sessions", "limit=1&limit=2", "limit"),
        ("/api/v1/audit", "action=auth.login&action=x", "action"),
        ("/api/v1/sessions", "device_id=a&order=asc&order=desc", "order"),
    ],
)
def test_a_single_valued_query_parameter_given_twice_is_refused(
    api: TestClient, path: str, query: str, field: str
) -> None:
    """FastAPI would silently take the last value; found by the contract test."""
    response = api.get(f"{path}?{query}")
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert "2 times" in response.json()["detail"]


def test_list_query_parameters_may_repeat(api: TestClient) -> None:
    response = api.get("/api/v1/sessions?device_id=a&device_id=b")
    assert response.status_code == 404  # both read: neither device is known
    assert "times" not in response.json()["detail"]


@pytest.mark.parametrize("value", ["2047848", "-5", "1.5e9", "1700000000.25"])
def test_audit_times_are_iso_datetimes_never_seconds(api: TestClient, value: str) -> None:
    response = api.get("/api/v1/audit", params={"since": value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "since"
    assert api.get("/api/v1/audit", params={"since": "2025-07-01T00:00:00Z"}).status_code == 200
