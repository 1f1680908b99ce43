"""Rows at the edge of what ingestion accepts, stored beside a normal fleet, break nothing.

Each extreme (earliest and latest plausible time, seq 0 and 2^32-1 with a full jump,
current, battery and GPS at their bounds, 64-character ids with every allowed
punctuation, no GPS) sits on its own device next to a simulated fleet. Every read
endpoint answers, each extreme id round-trips through every route that takes a device
id, the fleet's own answers equal those of a store without the extremes, and
``drillwatch train`` fits a model.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import BACKEND_DIR, get_settings
from app.main import create_app
from app.services import sessions as session_service
from app.services.ingestion import ingest_file
from app.simulation import simulate_fleet
from tests.ml.service_helpers import isolated, store_of, wait_for
from tests.support import ADMIN_PASSWORD, env_values, use_env

HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
DAYS = 21
LONG_ID = "L" + "0123456789._:-" * 4 + "x" * 7  # 64 characters, every allowed punctuation


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def extreme_rows(t0: datetime) -> list[str]:
    """CSV rows that are valid but extreme, each on a device of its own."""
    step = timedelta(seconds=30)
    late = datetime.now(UTC) + timedelta(hours=23)
    return [
        "2000-01-01T00:00:00Z,e.early,0,5.5,52.1,13.2,50,",
        f"{stamp(late)},e:late,1,5.5,52.1,13.2,50,",
        f"{stamp(t0)},e_seq-jump,0,5.5,52.1,13.2,50,",
        f"{stamp(t0 + step)},e_seq-jump,4294967295,5.5,52.1,13.2,50,",
        f"{stamp(t0 + 2 * step)},e_seq-jump,0,5.5,52.1,13.2,50,",
        f"{stamp(t0)},e-bounds,1,100,90,-180,0,A",
        f"{stamp(t0 + step)},e-bounds,2,0,-90,180,100,B",
        f"{stamp(t0)},{LONG_ID},1,5.5,,,50,{LONG_ID}",
        f"{stamp(t0)},e.no-gps,1,7.5,,,40,",
        f"{stamp(t0 + step)},e.no-gps,2,7.5,,,40,",
        f"{stamp(t0)},a..b,1,5.5,52.1,13.2,50,",
    ]


EXTREME_IDS = ["e.early", "e:late", "e_seq-jump", "e-bounds", LONG_ID, "e.no-gps", "a..b"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A running app on a fleet ending today plus the extremes; a baseline store without them."""
    tmp = tmp_path_factory.mktemp("extremes")
    start = date.today() - timedelta(days=DAYS - 1)
    fleet = simulate_fleet(8, DAYS, 11, tmp / "fleet", start=start, progress=False)
    t0 = datetime.combine(date.today() - timedelta(days=1), datetime.min.time(), UTC)
    extremes = tmp / "extremes.csv"
    extremes.write_text("\n".join([HEADER, *extreme_rows(t0.replace(hour=10))]) + "\n")
    baseline_settings = isolated(tmp / "baseline")
    baseline = store_of(baseline_settings)
    ingest_file(baseline, fleet.telemetry_csv, baseline_settings)
    root = tmp / "app"
    with pytest.MonkeyPatch.context() as patch:
        use_env(patch, root)
        shutil.copy(fleet.telemetry_csv, root / "drop" / "fleet.csv")
        shutil.copy(extremes, root / "drop" / "extremes.csv")
        with TestClient(create_app()) as client:
            token = client.post(
                "/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
            ).json()["access_token"]
            client.headers.update({"Authorization": f"Bearer {token}"})
            wait_for(lambda: client.get("/api/ml/health-scores").status_code == 200, 120)
            yield {"client": client, "root": root, "baseline": baseline}
        get_settings.cache_clear()


def get(world: dict[str, Any], path: str, **params: Any) -> Any:
    response = world["client"].get(path, params=params)
    assert response.status_code == 200, (path, params, response.text)
    return response.json()


def test_every_extreme_was_accepted(world: dict[str, Any]) -> None:
    history = get(world, "/api/v1/ingest/history")["items"]
    assert sum(i["quarantined"] for i in history) == 0
    devices = {d["device_id"] for d in get(world, "/api/v1/devices")["devices"]}
    assert set(EXTREME_IDS) <= devices


def test_every_read_endpoint_answers(world: dict[str, Any]) -> None:
    for path in (
        "/api/v1/devices",
        "/api/v1/sessions",
        "/api/v1/sessions/timeline",
        "/api/v1/insights",
        "/api/v1/anomalies",
        "/api/v1/battery/trends",
        "/api/v1/ingest/quarantine",
        "/api/v1/ingest/history",
        "/api/ml/health-scores",
        "/api/ml/alerts",
        "/api/ml/model-status",
        "/api/ml/models",
        "/api/ml/statistics",
    ):
        get(world, path)
    scores = get(world, "/api/ml/health-scores", include_trends=True)
    assert scores


@pytest.mark.parametrize("device_id", EXTREME_IDS)
def test_an_accepted_id_round_trips_through_every_route(
    world: dict[str, Any], device_id: str
) -> None:
    assert get(world, f"/api/v1/devices/{device_id}")["device_id"] == device_id
    sessions = get(world, "/api/v1/sessions", device_id=device_id)
    assert sessions["total"] >= 1
    assert {s["device_id"] for s in sessions["sessions"]} == {device_id}
    timeline = get(world, "/api/v1/sessions/timeline", device_id=device_id)
    assert {e["device_id"] for e in timeline["entries"]} == {device_id}
    get(world, "/api/v1/insights", device_id=device_id)
    get(world, "/api/v1/anomalies", device_id=device_id)
    trends = get(world, "/api/v1/battery/trends", device_id=device_id)
    assert trends
    scores = world["client"].get("/api/ml/health-scores", params={"device_id": device_id})
    if device_id == "e.early":  # its one row lies decades before the scoring window
        assert scores.status_code == 404, scores.text
    else:
        assert scores.status_code == 200, scores.text
        assert [d["device_id"] for d in scores.json()["data"]] == [device_id]
    listed = world["client"].get("/api/ml/health-scores", params={"device_ids": device_id})
    assert listed.status_code == scores.status_code
    assert world["client"].get("/api/ml/alerts", params={"device_id": device_id}).status_code == 200


def test_the_fleet_answers_as_without_the_extremes(world: dict[str, Any]) -> None:
    baseline = world["baseline"]
    for device in session_service.list_devices(baseline, 1000, 0).devices:
        api = get(world, f"/api/v1/devices/{device.device_id}")
        assert api == device.model_dump(mode="json"), device.device_id
        scope = session_service.Scope(device_ids=[device.device_id])
        expected = session_service.list_sessions(baseline, scope, 1000, 0)
        got = get(world, "/api/v1/sessions", device_id=device.device_id, limit=1000)
        assert got == expected.model_dump(mode="json")


def test_drillwatch_train_fits_a_model_beside_the_extremes(world: dict[str, Any]) -> None:
    env = {**os.environ, **env_values(world["root"], lock_timeout=60)}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "train", "--version", "9.9.9"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    versions = {m["version"] for m in get(world, "/api/ml/models")["data"]}
    assert "9.9.9" in versions
