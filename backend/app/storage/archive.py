"""Archive SQL: move telemetry older than a moment into a Parquet file, set-based."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from app.storage.duckdb import fetch_dicts

COLUMNS = "ts, device_id, seq, current_amp, gps_lat, gps_lon, battery_level, ble_id, ingest_id"
SUMMARY_SQL = """SELECT count(*) AS rows, count(DISTINCT device_id) AS devices,
    min(ts) AS first_ts, max(ts) AS last_ts, list(DISTINCT device_id) AS device_ids
FROM telemetry WHERE ts < $before"""
COPY_SQL = f"""COPY (SELECT {COLUMNS} FROM telemetry WHERE ts < $before
    ORDER BY device_id, ts, seq) TO '{{path}}' (FORMAT PARQUET, COMPRESSION ZSTD)"""
RECORD_SQL = """INSERT INTO archives
SELECT coalesce(max(archive_id), 0) + 1, $before, $path, $rows, $devices, $first_ts, $last_ts,
    $sha256, $by, $at
FROM archives"""


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def summary(conn: duckdb.DuckDBPyConnection, before: datetime) -> dict[str, Any]:
    """Rows, devices, first and last timestamp (and the device ids) older than ``before``."""
    return fetch_dicts(conn, SUMMARY_SQL, {"before": before})[0]


def copy_out(conn: duckdb.DuckDBPyConnection, before: datetime, path: Path) -> int:
    """Write the rows older than ``before`` to ``path``; returns the rows the file holds."""
    conn.execute(COPY_SQL.format(path=_literal(path)), {"before": before})
    row = conn.execute(f"SELECT count(*) FROM read_parquet('{_literal(path)}')").fetchone()
    return int(row[0]) if row else 0


def delete_before(conn: duckdb.DuckDBPyConnection, before: datetime) -> int:
    """Delete the rows older than ``before``; returns how many."""
    row = conn.execute("DELETE FROM telemetry WHERE ts < $before", {"before": before}).fetchone()
    return int(row[0]) if row else 0


def record(conn: duckdb.DuckDBPyConnection, **values: Any) -> None:
    """Add the archive's row to ``archives``."""
    conn.execute(RECORD_SQL, values)
