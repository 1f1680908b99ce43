"""DataProcessor: the guide's ``DataProcessor().get_sessions()`` on a real store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app.core.config import Settings, get_settings
from app.services.data_processor import DataProcessor
from app.services.ingestion import ingest_file
from app.services.sessions import ensure_current
from app.storage.duckdb import TelemetryStore
from tests.pods import with_sessions


@pytest.fixture
def store(settings: Settings, sample_csv: Path) -> TelemetryStore:
    """The test's store (DUCKDB_PATH) holding the field sample."""
    telemetry = TelemetryStore(settings.duckdb_path, lock_timeout=10)
    telemetry.initialise()
    ingest_file(telemetry, sample_csv, settings)
    return telemetry


def pandas_session_count(sample_csv: Path, gap_s: int) -> int:
    """Sessions in the sample by an independent pandas computation."""
    df = pd.read_csv(sample_csv, parse_dates=["timestamp"])
    return int(with_sessions(df, gap_s)["run"].nunique())


@pytest.mark.usefixtures("store")
def test_default_data_processor_reads_the_configured_store(sample_csv: Path) -> None:
    sessions = DataProcessor().get_sessions()
    assert len(sessions) == pandas_session_count(sample_csv, 120) == 100
    first = sessions[0]
    assert {"session_id", "device_id", "start_ts", "end_ts", "drilling_s", "tagged"} <= set(first)
    assert [s["device_id"] for s in sessions] == sorted(s["device_id"] for s in sessions)
    drill_samples = int((pd.read_csv(sample_csv)["current_amp"] > 4.5).sum())
    assert sum(s["drilling_s"] for s in sessions) == drill_samples * 30


def test_data_processor_filters_and_frames(store: TelemetryStore, settings: Settings) -> None:
    dp = DataProcessor(store=store, settings=settings)
    assert len(dp.get_sessions(device_ids=["7a3f55e1"])) == 31
    july_2 = dp.get_sessions(start_date="2025-07-02", end_date="2025-07-02")
    assert {s["start_ts"].date().isoformat() for s in july_2} <= {"2025-07-02"}
    frame = dp.get_sessions_frame()
    assert len(frame) == 100
    assert round(frame["drilling_s"].sum() / 3600, 2) == 19.21


def test_session_gap_setting_rebuilds_sessions(
    store: TelemetryStore, sample_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSION_MAX_GAP_SECONDS", "86400")
    get_settings.cache_clear()
    assert get_settings().session_max_gap_seconds == 86400
    want = pandas_session_count(sample_csv, 86400)
    assert want < 100
    assert len(DataProcessor().get_sessions()) == want
    assert ensure_current(store, get_settings()) is False


def test_ensure_current_reports_a_rebuild(
    store: TelemetryStore, settings: Settings, sample_csv: Path
) -> None:
    assert ensure_current(store, settings) is False
    changed = settings.model_copy(update={"session_max_gap_seconds": 3600})
    assert ensure_current(store, changed) is True
    sessions = DataProcessor(store=store, settings=changed).get_sessions()
    assert len(sessions) == pandas_session_count(sample_csv, 3600)


def test_data_processor_on_an_empty_store(settings: Settings) -> None:
    assert DataProcessor(settings=settings).get_sessions() == []
