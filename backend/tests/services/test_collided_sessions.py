"""id_collision anomalies on a simulated fleet with many second pods: exactly the ML's episodes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from app.core.config import Settings
from app.ml.config import MLConfig
from app.ml.preprocessing.feature_engineering import MLFeatureService
from app.scenarios import generate_scenario
from app.schemas.analytics import AnomalyKind
from app.services import analytics
from app.services.ingestion import ingest_file
from app.services.sessions import Scope
from app.storage.duckdb import TelemetryStore

CONFIG = MLConfig()  # the test settings' session gap (120 s)


@pytest.fixture
def fleet(settings: Settings, tmp_path: Path) -> TelemetryStore:
    """40 pods over 60 days of the ``collisions`` scenario family, ingested."""
    run = generate_scenario("collisions", 40, 60, 11, tmp_path / "run")
    store = TelemetryStore(settings.duckdb_path, lock_timeout=10)
    store.initialise()
    ingest_file(store, run.telemetry_csv, settings)
    return store


def ml_episodes(store: TelemetryStore, settings: Settings) -> pd.DataFrame:
    """Every episode the ML's collision query finds over the whole history, joined to the
    second pod's sessions overlapping it."""
    with store.connect() as conn:
        last = conn.execute("SELECT max(ts) FROM telemetry").fetchone()[0]  # type: ignore[index]
        sessions = conn.execute(
            "SELECT session_id, device_id, start_ts, end_ts FROM sessions "
            "WHERE session_id LIKE '%-pod2'"
        ).df()
        found = MLFeatureService(store, settings, config=CONFIG).collisions(
            conn, last + timedelta(seconds=1), 400
        )
    overlap = sessions.merge(found, on="device_id", suffixes=("", "_c"))
    overlap = overlap[
        (overlap["start_ts_c"] <= overlap["end_ts"]) & (overlap["end_ts_c"] >= overlap["start_ts"])
    ]
    return overlap


def test_collided_sessions_are_those_overlapping_the_ml_episodes(
    fleet: TelemetryStore, settings: Settings
) -> None:
    want = ml_episodes(fleet, settings)
    page = analytics.list_anomalies(
        fleet, Scope(), [AnomalyKind.id_collision], 1000, 0, config=CONFIG
    )
    assert len(want) >= 10  # the family plants many second pods (17 sessions here)
    assert page.counts.id_collision_sessions == page.total == want["session_id"].nunique()
    assert {i.session_id for i in page.items} == set(want["session_id"])
    episodes = set(zip(want["device_id"], want["start_ts_c"], want["end_ts_c"], strict=True))
    for item in page.items:
        assert item.collision is not None
        start = item.collision.start_ts.replace(tzinfo=None)
        end = item.collision.end_ts.replace(tzinfo=None)
        assert (item.device_id, start, end) in episodes


def test_one_devices_scope_reads_only_its_collisions(
    fleet: TelemetryStore, settings: Settings
) -> None:
    want = ml_episodes(fleet, settings)
    device = want["device_id"].mode()[0]
    page = analytics.list_anomalies(
        fleet, Scope(device_ids=[device]), [AnomalyKind.id_collision], 1000, 0, config=CONFIG
    )
    mine = want[want["device_id"] == device]
    assert {i.session_id for i in page.items} == set(mine["session_id"])
