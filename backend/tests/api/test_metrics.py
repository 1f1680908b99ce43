"""The Prometheus endpoint counts requests and ingested rows as they happen."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

CSV = (
    "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id\n"
    "2025-07-01T09:00:00Z,aa11bb22,1,5.1,52.4,13.2,80,\n"
    "2025-07-01T09:00:30Z,aa11bb22,2,5.3,52.4,13.2,80,\n"
    "2025-07-01T09:01:00Z,aa11bb22,3,150,52.4,13.2,80,\n"
)


def sample(client: TestClient, headers: dict[str, str], name: str, **labels: str) -> float:
    """Current value of one sample, 0 when it has not been recorded yet."""
    text = client.get("/api/v1/metrics", headers=headers).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def test_metrics_need_a_token(client: TestClient) -> None:
    assert client.get("/api/v1/metrics").status_code == 401


def test_each_request_is_counted_under_its_route_template(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    labels = {"method": "GET", "route": "/api/v1/devices/{device_id}", "status": "404"}
    before = sample(client, admin_headers, "drillwatch_http_requests_total", **labels)
    for _ in range(3):
        assert client.get("/api/v1/devices/nope", headers=admin_headers).status_code == 404
    after = sample(client, admin_headers, "drillwatch_http_requests_total", **labels)
    assert after - before == 3


def test_ingested_rows_are_counted_by_outcome(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    name = "drillwatch_ingested_rows_total"
    accepted = sample(client, admin_headers, name, outcome="accepted")
    quarantined = sample(client, admin_headers, name, outcome="quarantined")
    response = client.post(
        "/api/v1/telemetry", content=CSV, headers={**admin_headers, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert sample(client, admin_headers, name, outcome="accepted") - accepted == 2
    assert sample(client, admin_headers, name, outcome="quarantined") - quarantined == 1
