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
    $sha256, $by, $at, NULL
FROM archives"""
# Rows of the file not in the store (same device, seq and timestamp) go back, unchanged.
RESTORE_SQL = f"""INSERT INTO telemetry ({COLUMNS})
SELECT {COLUMNS} FROM read_parquet('{{path}}') a
WHERE NOT EXISTS (SELECT 1 FROM telemetry t
    WHERE t.device_id = a.device_id AND t.seq = a.seq AND t.ts = a.ts)"""


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


def find_by_digest(conn: duckdb.DuckDBPyConnection, sha256: str) -> dict[str, Any] | None:
    """The recorded archive whose file has this SHA-256, if any."""
    rows = fetch_dicts(conn, "SELECT * FROM archives WHERE sha256 = $sha256", {"sha256": sha256})
    return rows[0] if rows else None


def restore_rows(conn: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Insert the file's rows that the store lacks; returns how many went back."""
    row = conn.execute(RESTORE_SQL.format(path=_literal(path))).fetchone()
    return int(row[0]) if row else 0


def file_devices(conn: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The device ids of an archive file."""
    query = f"SELECT DISTINCT device_id FROM read_parquet('{_literal(path)}')"
    return [str(r[0]) for r in conn.execute(query).fetchall()]


def mark_restored(conn: duckdb.DuckDBPyConnection, archive_id: int, at: datetime) -> None:
    """Note when the archive was put back."""
    conn.execute(
        "UPDATE archives SET restored_at = $at WHERE archive_id = $id", {"at": at, "id": archive_id}
    )
