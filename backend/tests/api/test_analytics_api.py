"""Devices, sessions, timeline, insights, anomalies and battery trends over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.services.ingestion import ingest_file
from tests.pods import with_sessions

ENDPOINTS = [
    "/api/v1/devices",
    "/api/v1/devices/7a3f55e1",
    "/api/v1/sessions",
    "/api/v1/sessions/timeline",
    "/api/v1/insights",
    "/api/v1/anomalies",
    "/api/v1/battery/trends",
]


@pytest.fixture
def api(
    client: TestClient, admin_headers: dict[str, str], settings: Settings, sample_csv: Path
) -> TestClient:
    """A client authenticated as admin, the field sample ingested into the app's store."""
    ingest_file(client.app.state.store, sample_csv, settings)  # type: ignore[attr-defined]
    client.headers.update(admin_headers)
    return client


@pytest.fixture
def frame(sample_csv: Path) -> pd.DataFrame:
    """The field sample with an independent pandas session number per row (``run``)."""
    return with_sessions(pd.read_csv(sample_csv, parse_dates=["timestamp"]), 120)


def get_ok(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_sessions_page_with_total(api: TestClient, frame: pd.DataFrame) -> None:
    body = get_ok(api, "/api/v1/sessions", limit=10)
    assert (body["total"], body["limit"], body["offset"], len(body["sessions"])) == (100, 10, 0, 10)
    starts = [s["start_ts"] for s in body["sessions"]]
    assert starts == sorted(starts, reverse=True)
    assert starts[0] == frame.groupby("run")["timestamp"].min().max().isoformat().replace(
        "+00:00", "Z"
    )
    tail = get_ok(api, "/api/v1/sessions", limit=1000, offset=97)
    assert len(tail["sessions"]) == 3


def test_sessions_filter_by_device_and_dates(api: TestClient, frame: pd.DataFrame) -> None:
    assert get_ok(api, "/api/v1/sessions", device_id="9f8c2a7d")["total"] == 43
    starts = frame.groupby("run")["timestamp"].min()
    want = int(((starts >= "2025-07-07T00:00Z") & (starts < "2025-07-13T12:00Z")).sum())
    body = get_ok(api, "/api/v1/sessions", start_date="2025-07-07", end_date="2025-07-13T12:00:00Z")
    assert body["total"] == want


BAD_PARAMETERS = [
    ({"start_date": "last tuesday"}, "start_date"),
    ({"end_date": "2025-02-30"}, "end_date"),
    ({"start_date": "2025-07-10", "end_date": "2025-07-01"}, "end_date"),
    ({"limit": -1}, "limit"),
    ({"limit": 1001}, "limit"),
    ({"offset": -5}, "offset"),
]


def test_bad_parameters_are_422_naming_them(api: TestClient) -> None:
    for params, field in BAD_PARAMETERS:
        response = api.get("/api/v1/sessions", params=params)
        assert response.status_code == 422, params
        assert field in response.json()["detail"], params


def test_unknown_device_is_404(api: TestClient) -> None:
    for path in ENDPOINTS[2:]:
        response = api.get(path, params={"device_id": ["7a3f55e1", "ffffffff"]})
        assert response.status_code == 404, path
        assert response.json()["field"] == "device_id"
        assert "ffffffff" in response.json()["detail"]
    assert api.get("/api/v1/devices/ffffffff").status_code == 404


def test_devices_list_first_last_seen_and_position(api: TestClient, frame: pd.DataFrame) -> None:
    body = get_ok(api, "/api/v1/devices")
    own = frame[~frame["second_pod"]].sort_values(["device_id", "timestamp"])
    last = own.groupby("device_id").tail(1).set_index("device_id")
    drilling = frame[frame["current_amp"] > 4.5].groupby("device_id").size() * 30 / 3600
    assert body["total"] == 3
    for device in body["devices"]:
        row = last.loc[device["device_id"]]
        assert pd.Timestamp(device["last_seen"]) == row["timestamp"]
        assert (device["last_battery"], device["last_lat"]) == (
            row["battery_level"],
            row["gps_lat"],
        )
        assert device["drilling_hours"] == pytest.approx(drilling[device["device_id"]])
    one = get_ok(api, "/api/v1/devices/9f8c2a7d")
    assert (one["sessions"], one["samples"]) == (43, int((frame["device_id"] == "9f8c2a7d").sum()))


def test_insights_report_the_field_sample_figures(api: TestClient) -> None:
    body = get_ok(api, "/api/v1/insights")
    assert body["sessions"] == 100  # 98 + 2 of a second pod under 9f8c2a7d
    assert round(body["drilling_hours"], 2) == 19.21
    assert round(body["tagged_pct"], 2) == 40.00
    assert body["anomalies"]["short_sessions"] == 0
    assert body["anomalies"]["missing_gps_samples"] == 0
    assert body["anomalies"]["low_battery_samples"] == 0
    assert {s["state"] for s in body["states"]} == {"OFF", "STANDBY", "SPIN", "DRILL"}
    assert body["locations"]["total"] == 100
    capped = get_ok(api, "/api/v1/insights", max_locations=5, device_id="b4e1d9c2")
    assert (capped["sessions"], len(capped["locations"]["points"]) <= 5) == (26, True)


def test_timeline_and_anomalies(api: TestClient, frame: pd.DataFrame) -> None:
    timeline = get_ok(api, "/api/v1/sessions/timeline", device_id=["7a3f55e1", "b4e1d9c2"])
    assert sum(e["sessions"] for e in timeline["entries"]) == 31 + 26
    anomalies = get_ok(api, "/api/v1/anomalies", kind="short_session", limit=5)
    assert (anomalies["total"], anomalies["items"], anomalies["limit"]) == (0, [], 5)
    assert api.get("/api/v1/anomalies", params={"kind": "bogus"}).status_code == 422


def test_battery_trends_stay_within_max_points(api: TestClient) -> None:
    body = get_ok(api, "/api/v1/battery/trends", period="hour", max_points=30)
    assert len(body["points"]) <= 30
    assert sum(p["samples"] for p in body["points"]) == 3900
    response = api.get("/api/v1/battery/trends", params={"period": "minute"})
    assert response.status_code == 422
    assert "period" in response.json()["detail"]


def test_analytics_require_a_token(client: TestClient) -> None:
    for path in ENDPOINTS:
        assert client.get(path).status_code == 401, path


def test_viewer_may_read_analytics(api: TestClient) -> None:
    created = api.post(
        "/api/v1/users", json={"username": "vera", "role": "viewer", "password": "viewer-pass-1"}
    )
    assert created.status_code == 201, created.text
    token = api.post(
        "/api/v1/auth/token", data={"username": "vera", "password": "viewer-pass-1"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for path in ENDPOINTS:
        assert api.get(path, headers=headers).status_code == 200, path


def test_openapi_documents_typed_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = {
        "/api/v1/sessions": "SessionPage",
        "/api/v1/devices": "DeviceList",
        "/api/v1/insights": "Insights",
        "/api/v1/anomalies": "AnomalyPage",
        "/api/v1/battery/trends": "BatteryTrends",
        "/api/v1/sessions/timeline": "Timeline",
    }
    for path, name in schemas.items():
        ok = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"].endswith(name), path


def test_empty_store_answers_with_zeros(client: TestClient, admin_headers: dict[str, str]) -> None:
    client.headers.update(admin_headers)
    assert get_ok(client, "/api/v1/sessions")["total"] == 0
    assert get_ok(client, "/api/v1/devices")["devices"] == []
    insights = get_ok(client, "/api/v1/insights")
    assert (insights["sessions"], insights["drilling_hours"], insights["tagged_pct"]) == (0, 0, 0)
    assert get_ok(client, "/api/v1/battery/trends")["points"] == []
