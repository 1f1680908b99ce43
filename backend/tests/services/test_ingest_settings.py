"""INGEST_MAX_FUTURE_SECONDS, INGEST_EARLIEST_TIMESTAMP and INGEST_MAX_LINE_BYTES take effect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.core.config import ConfigError, Settings, load_settings
from app.services.ingestion import ingest_file
from app.storage.duckdb import TelemetryStore

HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"


def ingest(settings: Settings, folder: Path, *rows: str) -> list[tuple[Any, ...]]:
    """Ingest ``rows`` into a fresh store; (line, reason) of each quarantined row."""
    folder.mkdir(parents=True, exist_ok=True)
    store = TelemetryStore(folder / "t.duckdb")
    store.initialise()
    path = folder / "rows.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    ingest_file(store, path, settings)
    with store.connect() as conn:
        return conn.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall()


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_max_future_seconds_moves_the_future_limit(settings: Settings, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    rows = [
        f"{at(now + timedelta(hours=2))},d1,1,5,,,50,",
        f"{at(now - timedelta(hours=1))},d1,2,5,,,50,",
    ]
    assert ingest(settings, tmp_path / "default", *rows) == []
    hour = settings.model_copy(update={"ingest_max_future_seconds": 3600})
    [(line, reason)] = ingest(hour, tmp_path / "hour", *rows)
    assert line == 2
    assert reason.startswith("timestamp too far in the future")
    none = settings.model_copy(update={"ingest_max_future_seconds": 0})
    late = f"{at(now + timedelta(minutes=2))},d1,3,5,,,50,"
    assert [q[0] for q in ingest(none, tmp_path / "none", late, rows[1])] == [2]


def test_earliest_timestamp_moves_the_past_limit(settings: Settings, tmp_path: Path) -> None:
    rows = ["1995-06-01T00:00:00Z,d1,1,5,,,50,", "2025-07-01T09:00:00Z,d1,2,5,,,50,"]
    assert ingest(settings, tmp_path / "default", *rows) == [
        (
            2,
            "timestamp before 2000-01-01T00:00:00Z (INGEST_EARLIEST_TIMESTAMP): "
            "1995-06-01T00:00:00Z",
        )
    ]
    older = settings.model_copy(
        update={"ingest_earliest_timestamp": datetime(1990, 1, 1, tzinfo=UTC)}
    )
    assert ingest(older, tmp_path / "older", *rows) == []
    later = settings.model_copy(
        update={"ingest_earliest_timestamp": datetime(2025, 7, 2, tzinfo=UTC)}
    )
    assert [q[0] for q in ingest(later, tmp_path / "later", *rows)] == [2, 3]


def test_earliest_timestamp_without_offset_is_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_EARLIEST_TIMESTAMP", "2020-01-01T06:00:00")
    assert load_settings(_env_file=None).ingest_earliest_timestamp == datetime(
        2020, 1, 1, 6, tzinfo=UTC
    )
    monkeypatch.setenv("INGEST_EARLIEST_TIMESTAMP", "2020-01-01T06:00:00+02:00")
    assert load_settings(_env_file=None).ingest_earliest_timestamp == datetime(
        2020, 1, 1, 4, tzinfo=UTC
    )


def test_max_line_bytes_bounds_a_line(settings: Settings, tmp_path: Path) -> None:
    padded = "2025-07-01T09:00:00Z," + " " * 280 + "d1,1,5,,,50,"  # 313 bytes, valid
    assert ingest(settings, tmp_path / "default", padded) == []
    tight = settings.model_copy(update={"ingest_max_line_bytes": 300})
    assert ingest(tight, tmp_path / "tight", padded) == [
        (2, "line longer than 300 bytes (INGEST_MAX_LINE_BYTES); first 300 kept")
    ]


@pytest.mark.parametrize(
    ("variable", "value", "accepted"),
    [
        ("INGEST_MAX_LINE_BYTES", "255", "greater than or equal to 256"),
        ("INGEST_MAX_LINE_BYTES", "131073", "less than or equal to 131072"),
        ("INGEST_MAX_FUTURE_SECONDS", "-1", "greater than or equal to 0"),
        ("INGEST_EARLIEST_TIMESTAMP", "last year", "datetime"),
    ],
)
def test_invalid_ingest_settings_stop_start_up(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, accepted: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None)
    assert variable in str(caught.value)
    assert accepted in str(caught.value)
