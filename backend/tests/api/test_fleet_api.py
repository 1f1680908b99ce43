"""Fleet positions, daily activity, sorted sessions and the CSV exports over HTTP."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.services.ingestion import ingest_file
from app.storage.scratch import process_folder, scratch_root_of
from tests.pods import with_sessions


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, env: Path, sample_csv: Path) -> Any:
    """The app with ML switched off (fleet views must work without it), field sample ingested."""
    monkeypatch.setenv("ML_ENABLED", "false")
    from app.core.config import get_settings
    from app.main import create_app

    get_settings.cache_clear()
    settings: Settings = get_settings()
    settings.ensure_directories()
    with TestClient(create_app()) as client:
        ingest_file(client.app.state.store, sample_csv, settings)  # type: ignore[attr-defined]
        token = client.post(
            "/api/v1/auth/token", data={"username": "admin", "password": "admin-test-password-1"}
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.fixture
def frame(sample_csv: Path) -> pd.DataFrame:
    """The field sample with an independent session number per row (each pod's gap > 120 s)."""
    return with_sessions(pd.read_csv(sample_csv, parse_dates=["timestamp"]), 120)


def get_ok(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_positions_are_each_devices_latest_gps_fix(api: TestClient, frame: pd.DataFrame) -> None:
    own = frame[~frame["second_pod"]].sort_values("timestamp")  # not a second pod's position
    fixes = own.dropna(subset=["gps_lat", "gps_lon"]).groupby("device_id").last()
    body = get_ok(api, "/api/v1/fleet/positions")["positions"]
    assert [p["device_id"] for p in body] == sorted(frame["device_id"].unique())
    for p in body:
        assert (p["lat"], p["lon"]) == pytest.approx(
            (fixes.loc[p["device_id"], "gps_lat"], fixes.loc[p["device_id"], "gps_lon"])
        )
        last = frame[frame["device_id"] == p["device_id"]]["timestamp"].max()
        assert p["last_seen"] == last.isoformat().replace("+00:00", "Z")


def test_daily_activity_sums_to_the_sessions_per_day(api: TestClient, frame: pd.DataFrame) -> None:
    runs = frame.groupby("run").agg(
        device=("device_id", "first"),
        day=("timestamp", lambda t: t.min().date().isoformat()),
        drill=("current_amp", lambda a: (a > 4.5).sum() * 30 / 3600),
    )
    body = get_ok(api, "/api/v1/sessions/daily", top=1)
    busiest = runs.groupby("device")["drill"].sum().idxmax()
    assert body["devices"] == [busiest]
    assert body["other_devices"] == 2
    per_day = runs.groupby("day").agg(sessions=("drill", "size"), hours=("drill", "sum"))
    assert [d["day"] for d in body["days"]] == list(per_day.index)
    for day in body["days"]:
        want = per_day.loc[day["day"]]
        assert day["sessions"] == want["sessions"]
        assert day["drilling_hours"] == pytest.approx(want["hours"])
        assert day["hours"][0] + day["other_hours"] == pytest.approx(want["hours"])
    everyone = get_ok(api, "/api/v1/sessions/daily", top=8)
    assert (len(everyone["devices"]), everyone["other_devices"]) == (3, 0)


def test_sessions_sort_by_any_column_with_a_stable_order(
    api: TestClient, frame: pd.DataFrame
) -> None:
    lows = sorted(frame.groupby("run")["battery_level"].min())
    body = get_ok(api, "/api/v1/sessions", sort="battery_min", order="asc", limit=1000)
    assert [s["battery_min"] for s in body["sessions"]] == lows
    down = get_ok(api, "/api/v1/sessions", sort="duration_s", order="desc", limit=5)["sessions"]
    assert [s["duration_s"] for s in down] == sorted((s["duration_s"] for s in down), reverse=True)
    assert api.get("/api/v1/sessions", params={"sort": "password"}).status_code == 422


def test_anomalies_sort_by_duration(api: TestClient) -> None:
    items = get_ok(api, "/api/v1/anomalies", sort="duration_s", order="asc", limit=1000)["items"]
    assert [i["duration_s"] for i in items] == sorted(i["duration_s"] for i in items)


def test_the_sessions_csv_has_every_session_of_the_filter_in_the_lists_order(
    api: TestClient, frame: pd.DataFrame
) -> None:
    response = api.get(
        "/api/v1/export/sessions.csv",
        params={"device_id": "9f8c2a7d", "sort": "start_ts", "order": "asc"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = pd.read_csv(io.StringIO(response.text))
    starts = frame[frame["device_id"] == "9f8c2a7d"].groupby("run")["timestamp"].min()
    assert list(rows["start_utc"]) == [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in sorted(starts)]
    assert set(rows["device_id"]) == {"9f8c2a7d"}
    # DuckDB wrote the file into the scratch folder beside the store, and it is gone
    store_path = api.app.state.store.path  # type: ignore[attr-defined]
    assert [p.name for p in process_folder(scratch_root_of(store_path)).iterdir()] == [".lock"]


def test_the_devices_csv_lists_every_device_with_its_activity_and_no_status_without_ml(
    api: TestClient, frame: pd.DataFrame
) -> None:
    rows = pd.read_csv(io.StringIO(api.get("/api/v1/export/devices.csv").text))
    assert sorted(rows["device_id"]) == sorted(frame["device_id"].unique())
    assert rows["status"].isna().all()
    sessions = frame.groupby("device_id")["run"].nunique()
    assert dict(zip(rows["device_id"], rows["sessions"], strict=True)) == sessions.to_dict()
    one = pd.read_csv(io.StringIO(api.get("/api/v1/export/devices.csv", params={"q": "9F8C"}).text))
    assert list(one["device_id"]) == ["9f8c2a7d"]


def test_fleet_status_without_ml_says_why_and_still_places_every_device(api: TestClient) -> None:
    body = get_ok(api, "/api/v1/fleet/status")
    assert body["ml_available"] is False
    assert "ML_ENABLED" in body["ml_message"]
    assert len(body["devices"]) == 3
    assert all(d["status"] is None and d["lat"] is not None for d in body["devices"])
    assert api.get("/api/v1/export/alerts.csv").status_code == 503


@pytest.mark.parametrize("export", ["devices.csv", "fleet-health.csv"])
def test_the_exports_of_an_empty_fleet_are_a_header_and_no_rows(
    api: TestClient, sample_csv: Path, export: str
) -> None:
    """Found by the contract test: with every row purged, a search used to answer 500."""
    purge = api.post("/api/v1/telemetry/purge", json={"from": "1970-01-01T00:00:00Z"})
    assert purge.status_code == 200, purge.text
    assert purge.json()["rows"] == len(pd.read_csv(sample_csv))
    response = api.get(f"/api/v1/export/{export}", params={"q": "9f8c"})
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("device_id,")
