"""``drillwatch archive``: old telemetry moves to Parquet, nothing is lost or altered."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlalchemy import text

from app.core.config import Settings
from app.db.session import build_engine
from app.services.ingestion import ingest_file
from app.storage.duckdb import TelemetryStore
from tests.support import plain_duckdb
from tests.test_ingest_process import cli as run_cli

BEFORE = "2025-07-15"
COLUMNS = ["ts", "device_id", "seq", "current_amp", "gps_lat", "gps_lon", "battery_level", "ble_id"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``drillwatch ARGS`` in a child process with this test's environment (wide output)."""
    return run_cli({**os.environ, "COLUMNS": "200"}, *args)


@pytest.fixture
def stored(settings: Settings, sample_csv: Path) -> Settings:
    """A store holding the field sample."""
    store = TelemetryStore.from_settings(settings)
    store.initialise()
    assert ingest_file(store, sample_csv, settings).accepted > 0
    return settings


def field_rows(sample_csv: Path) -> pd.DataFrame:
    """The field sample as stored rows, read with pandas (no DrillWatch code)."""
    frame = pd.read_csv(sample_csv)
    frame["ts"] = pd.to_datetime(frame.pop("timestamp"), utc=True).dt.tz_localize(None)
    return frame[COLUMNS]


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order with plain dtypes, for an exact comparison."""
    out = frame[COLUMNS].sort_values(["device_id", "ts", "seq"]).reset_index(drop=True)
    out["ts"] = out["ts"].astype("datetime64[us]")
    out["battery_level"] = out["battery_level"].astype("int64")
    out["ble_id"] = out["ble_id"].astype(object).where(out["ble_id"].notna(), None)
    return out


def stored_frame(settings: Settings) -> pd.DataFrame:
    """Every telemetry row of the store."""
    with plain_duckdb(settings.duckdb_path) as conn:
        return conn.execute(f"SELECT {', '.join(COLUMNS)} FROM telemetry").df()


def test_archive_moves_old_rows_to_parquet_unaltered(
    stored: Settings, sample_csv: Path, tmp_path: Path
) -> None:
    field = field_rows(sample_csv)
    cut = pd.Timestamp(BEFORE)
    expected_old, expected_new = field[field["ts"] < cut], field[field["ts"] >= cut]
    assert len(expected_old) > 0
    assert len(expected_new) > 0
    out = tmp_path / "archive-2025-07"

    result = cli("archive", "--before", BEFORE, "--out", str(out))

    assert result.returncode == 0, result.stderr
    assert f"{len(expected_old):,}" in result.stdout
    with duckdb.connect() as reader:  # a fresh in-memory DuckDB, no DrillWatch code
        archived = reader.execute(f"SELECT * FROM '{out / 'telemetry.parquet'}'").df()
    remaining = stored_frame(stored)
    assert len(archived) + len(remaining) == len(field)
    pd.testing.assert_frame_equal(ordered(archived), ordered(expected_old))
    pd.testing.assert_frame_equal(ordered(remaining), ordered(expected_new))
    manifest = json.loads((out / "manifest.json").read_text())
    digest = hashlib.sha256((out / "telemetry.parquet").read_bytes()).hexdigest()
    assert (manifest["rows"], manifest["sha256"]) == (len(expected_old), digest)
    assert manifest["before"] == "2025-07-15T00:00:00Z"
    with plain_duckdb(stored.duckdb_path) as conn:
        recorded = conn.execute("SELECT rows, sha256, before_ts FROM archives").fetchall()
        first_session = conn.execute("SELECT min(start_ts) FROM sessions").fetchone()
    assert recorded == [(len(expected_old), digest, cut.to_pydatetime())]
    engine = build_engine(stored)
    with engine.connect() as sql:
        trail = sql.execute(text("SELECT action, target, details FROM audit_log")).all()
    engine.dispose()
    assert [(a, t) for a, t, _ in trail] == [("telemetry.archive", str(out))]
    details = trail[0][2]  # JSON text on SQLite, a dict on PostgreSQL
    assert (json.loads(details) if isinstance(details, str) else details)["rows"] == len(
        expected_old
    )
    assert first_session is not None
    assert first_session[0] >= cut.to_pydatetime(), "sessions rebuilt from the remaining rows"


def test_archiving_again_finds_nothing_and_writes_nothing(stored: Settings, tmp_path: Path) -> None:
    assert cli("archive", "--before", BEFORE, "--out", str(tmp_path / "a")).returncode == 0
    before = len(stored_frame(stored))
    again = cli("archive", "--before", BEFORE, "--out", str(tmp_path / "b"))
    assert again.returncode == 0, again.stderr
    assert "nothing to archive" in again.stdout
    assert not (tmp_path / "b").exists()
    assert len(stored_frame(stored)) == before


def test_archive_refuses_a_bad_date_and_a_used_folder(stored: Settings, tmp_path: Path) -> None:
    rows = len(stored_frame(stored))
    bad = cli("archive", "--before", "last month", "--out", str(tmp_path / "x"))
    assert bad.returncode == 1
    assert "not an ISO 8601" in bad.stderr
    used = tmp_path / "used"
    used.mkdir()
    (used / "other.parquet").write_bytes(b"x")
    taken = cli("archive", "--before", BEFORE, "--out", str(used))
    assert taken.returncode == 1
    assert "not an empty folder" in taken.stderr
    assert len(stored_frame(stored)) == rows


def session_count(settings: Settings) -> int:
    """Sessions in the store."""
    with plain_duckdb(settings.duckdb_path) as conn:
        row = conn.execute("SELECT count(*) FROM sessions").fetchone()
    assert row is not None
    return int(row[0])


def test_unarchive_puts_every_row_back_once(
    stored: Settings, sample_csv: Path, tmp_path: Path
) -> None:
    sessions = session_count(stored)
    out = tmp_path / "a"
    assert cli("archive", "--before", BEFORE, "--out", str(out)).returncode == 0
    assert session_count(stored) < sessions

    back = cli("unarchive", str(out))

    assert back.returncode == 0, back.stderr
    field = field_rows(sample_csv)
    pd.testing.assert_frame_equal(ordered(stored_frame(stored)), ordered(field))
    assert session_count(stored) == sessions
    again = cli("unarchive", str(out))
    assert again.returncode == 0, again.stderr
    assert len(stored_frame(stored)) == len(field), "a second unarchive adds nothing"


def test_unarchive_refuses_a_changed_file(stored: Settings, tmp_path: Path) -> None:
    out = tmp_path / "a"
    assert cli("archive", "--before", BEFORE, "--out", str(out)).returncode == 0
    rows = len(stored_frame(stored))
    with duckdb.connect() as conn:  # same rows plus one forged row, written as Parquet
        forged = out / "telemetry.parquet"
        conn.execute(
            f"COPY (SELECT * FROM '{forged}' UNION ALL (SELECT * REPLACE ('forged' AS device_id)"
            f" FROM '{forged}' LIMIT 1)) TO '{tmp_path / 'f.parquet'}' (FORMAT PARQUET)"
        )
    (tmp_path / "f.parquet").replace(forged)
    refused = cli("unarchive", str(out))
    assert refused.returncode == 1
    assert "not an archive of this store" in refused.stderr
    assert len(stored_frame(stored)) == rows


def test_without_before_archive_after_days_sets_the_cutoff(
    stored: Settings, sample_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = datetime.now(UTC).replace(tzinfo=None)
    days = (started.date() - date(2025, 7, 15)).days  # the cut falls on 2025-07-15
    monkeypatch.setenv("ARCHIVE_AFTER_DAYS", str(days))
    out = tmp_path / "a"

    result = cli("archive", "--out", str(out))

    assert result.returncode == 0, result.stderr
    finished = datetime.now(UTC).replace(tzinfo=None)
    manifest = json.loads((out / "manifest.json").read_text())
    cut = datetime.fromisoformat(manifest["before"].removesuffix("Z"))
    assert started - timedelta(days=days) <= cut <= finished - timedelta(days=days)
    field = field_rows(sample_csv)
    assert manifest["rows"] == int((field["ts"] < pd.Timestamp(cut)).sum()) > 0
