"""POST /api/v1/telemetry (CSV and JSON bodies), the ingest history and the quarantine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
ROWS = [
    "2025-07-01T09:20:15Z,pod-1,1,7.3,52.39,13.26,67,F4:12",
    "2025-07-01T09:20:45Z,pod-1,2,5.8,,,67,",
    "2025-07-01T09:21:15Z,pod-1,3,250,52.39,13.26,67,",
]
CSV = "\n".join([HEADER, *ROWS]) + "\n"
Headers = dict[str, str]


@pytest.fixture
def api(client: TestClient, admin_headers: Headers) -> TestClient:
    """A client authenticated as admin, the start-up ingest finished."""
    client.app.state.startup_ingest.join(timeout=30)  # type: ignore[attr-defined]
    client.headers.update(admin_headers)
    return client


def post_csv(client: TestClient, body: str | bytes, **headers: str) -> Any:
    """POST a CSV body; returns the response."""
    return client.post(
        "/api/v1/telemetry", content=body, headers={"Content-Type": "text/csv", **headers}
    )


def test_csv_body_is_ingested_and_reported(api: TestClient) -> None:
    response = post_csv(api, CSV)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["quarantined"]) == (2, 0, 1)
    assert (body["source"], body["devices"]) == ("api:admin", ["pod-1"])
    again = post_csv(api, CSV).json()
    assert (again["accepted"], again["duplicates"], again["quarantined"]) == (0, 2, 1)


def test_json_body_is_ingested_and_bad_items_quarantined(api: TestClient) -> None:
    records = [
        {
            "timestamp": "2025-07-01T09:20:15Z",
            "device_id": "pod-2",
            "seq": 1,
            "current_amp": 7.3,
            "gps_lat": 52.39,
            "gps_lon": 13.26,
            "battery_level": 67,
            "ble_id": "F4:12",
        },
        {
            "timestamp": "2025-07-01T09:20:45Z",
            "device_id": "pod-2",
            "seq": 2,
            "current_amp": 5.8,
            "battery_level": 67,
        },
        {
            "timestamp": "2025-07-01T09:21:15Z",
            "device_id": "pod-2",
            "seq": 3,
            "current_amp": 5.8,
            "battery_level": 120,
        },
    ]
    response = api.post("/api/v1/telemetry", json=records)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["quarantined"]) == (2, 0, 1)
    page = api.get("/api/v1/ingest/quarantine").json()
    assert page["total"] == 1
    item = page["items"][0]
    assert (item["line"], item["reason"]) == (3, "battery_level out of range 0..100: 120")
    assert json.loads(item["raw"]) == records[2]


BAD_BODIES: list[tuple[str, str | bytes, int, str]] = [
    ("text/csv", "", 422, "request body is empty"),
    ("text/csv", "a,b,c\n1,2,3\n", 422, "request body: wrong header"),
    ("text/csv", HEADER + "\n", 422, "request body has no data rows"),
    ("text/csv", b"\xff\xfe" + HEADER.encode() + b"\n", 422, "not UTF-8 text"),
    ("application/json", "[{", 422, "request body is not valid JSON"),
    ("application/json", '{"device_id": "x"}', 422, "must be a JSON array"),
    ("application/json", "[]", 422, "request body has no data rows"),
    ("application/xml", "<x/>", 415, "Content-Type 'application/xml' not supported"),
]


def test_bad_bodies_get_a_4xx_naming_the_problem(api: TestClient) -> None:
    # one app for all cases: starting the app dominates the cost of each case
    for content_type, body, status, problem in BAD_BODIES:
        response = api.post(
            "/api/v1/telemetry", content=body, headers={"Content-Type": content_type}
        )
        assert response.status_code == status, (problem, response.text)
        assert problem in response.json()["detail"], response.text
    assert api.get("/api/v1/ingest/history").json()["total"] == 0


def test_history_lists_ingests_newest_first(api: TestClient) -> None:
    post_csv(api, CSV)
    post_csv(api, "\n".join([HEADER, ROWS[0].replace("pod-1", "pod-9")]) + "\n")
    history = api.get("/api/v1/ingest/history").json()
    assert history["total"] == 2
    counts = [(i["accepted"], i["duplicates"], i["quarantined"]) for i in history["items"]]
    assert counts == [(1, 0, 0), (2, 0, 1)]
    first = history["items"][1]
    assert first["source"] == "api:admin"
    assert first["finished_at"] >= first["started_at"]
    one = api.get("/api/v1/ingest/history", params={"limit": 1, "offset": 1}).json()
    assert [i["ingest_id"] for i in one["items"]] == [first["ingest_id"]]


def test_quarantine_pages_and_filters(api: TestClient) -> None:
    bad = [f"2025-07-01T09:2{i}:00Z,pod-3,{i},500,,,50," for i in range(5)]
    post_csv(api, "\n".join([HEADER, *bad]) + "\n")
    api.post("/api/v1/telemetry", json=[{"device_id": "pod-4"}])
    everything = api.get("/api/v1/ingest/quarantine").json()
    assert everything["total"] == 6
    page = api.get("/api/v1/ingest/quarantine", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 6
    assert len(page["items"]) == 2
    first_ingest = min(i["ingest_id"] for i in everything["items"])
    only = api.get("/api/v1/ingest/quarantine", params={"ingest_id": first_ingest}).json()
    assert [i["line"] for i in only["items"]] == [2, 3, 4, 5, 6]
    assert [i["raw"] for i in only["items"]] == bad
    none = api.get("/api/v1/ingest/quarantine", params={"source": "elsewhere"}).json()
    assert none == {"items": [], "total": 0}


def test_bad_paging_parameters_get_422_naming_them(api: TestClient) -> None:
    for name, value in [("limit", -1), ("limit", 0), ("limit", 5000), ("offset", -5)]:
        response = api.get("/api/v1/ingest/quarantine", params={name: value})
        assert response.status_code == 422, (name, value)
        assert name in response.json()["detail"]


def test_ingest_routes_need_credentials(client: TestClient) -> None:
    assert post_csv(client, CSV).status_code == 401
    assert client.get("/api/v1/ingest/quarantine").status_code == 401
    assert client.get("/api/v1/ingest/history").status_code == 401


def test_pod_key_may_post_telemetry_but_not_read_history(
    client: TestClient, admin_headers: Headers
) -> None:
    created = client.post(
        "/api/v1/api-keys", json={"name": "pod-key", "role": "pod"}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    pod = {"X-API-Key": str(created.json()["key"])}
    response = post_csv(client, CSV, **pod)
    assert response.status_code == 200, response.text
    source = response.json()["source"]
    assert source.startswith("api:")
    assert source.endswith("pod-key")
    assert client.get("/api/v1/ingest/history", headers=pod).status_code == 403
