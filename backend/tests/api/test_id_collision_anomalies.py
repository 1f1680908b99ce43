"""A second pod under one device_id, reported by /api/v1/anomalies as kind id_collision."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.services.ingestion import ingest_file

COLLIDED = "9f8c2a7d"


def ingest(client: TestClient, csv: Path, settings: Settings, headers: dict[str, str]) -> None:
    ingest_file(client.app.state.store, csv, settings)  # type: ignore[attr-defined]
    client.headers.update(headers)


def get_ok(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def stamp(moment: pd.Timestamp) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def api(
    client: TestClient, admin_headers: dict[str, str], settings: Settings, sample_csv: Path
) -> TestClient:
    """A client authenticated as admin, the field sample ingested into the app's store."""
    ingest(client, sample_csv, settings, admin_headers)
    return client


@pytest.fixture
def expected(sample_csv: Path) -> list[dict[str, Any]]:
    """Independently in pandas: per session (rows <= 120 s apart), rows whose counter is
    more than 100 from the session's median counter belong to a second pod."""
    df = pd.read_csv(sample_csv, parse_dates=["timestamp"])
    df = df.sort_values(["device_id", "timestamp"]).reset_index(drop=True)
    step = df.groupby("device_id")["timestamp"].diff().dt.total_seconds()
    df["run"] = (step.isna() | (step > 120)).cumsum()
    df["intruder"] = (df["seq"] - df.groupby("run")["seq"].transform("median")).abs() > 100
    episodes = []
    for _, rows in df[df["run"].isin(df.loc[df["intruder"], "run"])].groupby("run"):
        pod, own = rows[rows["intruder"]], rows[~rows["intruder"]]
        lat = own["gps_lat"].median()
        dx = (pod["gps_lon"].median() - own["gps_lon"].median()) * math.cos(math.radians(lat))
        episodes.append(
            {
                "device_id": rows["device_id"].iloc[0],
                "session_start": stamp(pod["timestamp"].min()),  # the second pod's session
                "start_ts": stamp(pod["timestamp"].min()),
                "end_ts": stamp(pod["timestamp"].max()),
                "intruder_rows": len(pod),
                "intruder_seq": (pod["seq"].min(), pod["seq"].max()),
                "own_seq": (own["seq"].min(), own["seq"].max()),
                "batteries": (pod["battery_level"].median(), own["battery_level"].median()),
                "distance_m": 111_320 * math.hypot(pod["gps_lat"].median() - lat, dx),
            }
        )
    return episodes


def observed(item: dict[str, Any]) -> dict[str, Any]:
    found = item["collision"]
    return {
        "device_id": item["device_id"],
        "session_start": item["start_ts"],
        "start_ts": found["start_ts"],
        "end_ts": found["end_ts"],
        "intruder_rows": found["intruder_rows"],
        "intruder_seq": (found["intruder_seq_from"], found["intruder_seq_to"]),
        "own_seq": (found["own_seq_from"], found["own_seq_to"]),
        "batteries": (found["intruder_battery"], found["own_battery"]),
        "distance_m": pytest.approx(found["distance_m"], rel=1e-6),
    }


def test_the_field_samples_two_episodes_are_id_collisions(
    api: TestClient, expected: list[dict[str, Any]]
) -> None:
    body = get_ok(api, "/api/v1/anomalies", kind="id_collision", sort="start_ts", order="asc")
    assert (body["total"], body["counts"]["id_collision_sessions"]) == (2, 2)
    assert [observed(item) for item in body["items"]] == expected
    windows = [(e["start_ts"][:16], e["end_ts"][:16]) for e in expected]
    assert windows == [
        ("2025-07-21T23:26", "2025-07-21T23:36"),
        ("2025-07-26T13:32", "2025-07-26T13:42"),
    ]
    assert [round(e["distance_m"] / 1000) for e in expected] == [33, 21]


def test_only_the_collided_device_has_id_collisions(api: TestClient) -> None:
    every = get_ok(api, "/api/v1/anomalies", limit=1000)["items"]
    assert [(i["kind"], i["device_id"]) for i in every] == [("id_collision", COLLIDED)] * 2
    assert all(i["collision"] is not None for i in every)
    for device in ("7a3f55e1", "b4e1d9c2"):
        body = get_ok(api, "/api/v1/anomalies", device_id=device)
        assert (body["total"], body["counts"]["id_collision_sessions"]) == (0, 0), device


def test_scope_sort_and_pages_hold_for_id_collisions(
    api: TestClient, expected: list[dict[str, Any]]
) -> None:
    day = get_ok(api, "/api/v1/anomalies", start_date="2025-07-26", end_date="2025-07-26")
    assert [i["collision"]["start_ts"][:16] for i in day["items"]] == ["2025-07-26T13:32"]
    assert day["counts"]["id_collision_sessions"] == 1
    mine = get_ok(api, "/api/v1/anomalies", device_id=COLLIDED, end_date="2025-07-22")
    assert [i["collision"]["start_ts"][:16] for i in mine["items"]] == ["2025-07-21T23:26"]
    second = get_ok(api, "/api/v1/anomalies", kind="id_collision", limit=1, offset=1)
    assert (second["total"], second["items"][0]["start_ts"][:10]) == (2, "2025-07-21")
    shortest = get_ok(api, "/api/v1/anomalies", sort="duration_s", order="asc", limit=1)
    spans = [pd.Timestamp(e["end_ts"]) - pd.Timestamp(e["start_ts"]) for e in expected]
    assert shortest["items"][0]["duration_s"] == min(spans).total_seconds()
    none = get_ok(api, "/api/v1/anomalies", kind=["short_session", "low_battery"])
    assert (none["total"], none["counts"]["id_collision_sessions"]) == (0, 2)


def test_a_fleet_without_collisions_has_none(
    client: TestClient,
    admin_headers: dict[str, str],
    settings: Settings,
    sample_csv: Path,
    tmp_path: Path,
) -> None:
    others = pd.read_csv(sample_csv, dtype={"device_id": str})
    clean = tmp_path / "clean.csv"
    others[others["device_id"] != COLLIDED].to_csv(clean, index=False)
    ingest(client, clean, settings, admin_headers)
    body = get_ok(client, "/api/v1/anomalies", kind="id_collision")
    assert (body["total"], body["items"], body["counts"]["id_collision_sessions"]) == (0, [], 0)
    assert get_ok(client, "/api/v1/insights")["sessions"] == 98 - 41


def test_openapi_documents_the_collision_evidence(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "id_collision" in schemas["AnomalyKind"]["enum"]
    evidence = schemas["IdCollision"]["properties"]
    assert {"start_ts", "end_ts", "intruder_seq_from", "own_seq_to", "distance_m"} <= set(evidence)
    assert "collision" in schemas["AnomalyItem"]["properties"]
    assert "id_collision_sessions" in schemas["AnomalyPageCounts"]["properties"]
