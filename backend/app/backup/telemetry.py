"""The DuckDB telemetry store in a backup: ``EXPORT DATABASE`` to Parquet, ``IMPORT`` back.

The export holds the store's file lock, so it is one consistent state: an ingest of
another process waits for it (up to STORE_LOCK_TIMEOUT) and lands wholly before or after.
Parquet with its ``schema.sql`` also restores into a newer DuckDB version.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from app.core.config import Settings
from app.storage.duckdb import TelemetryStore


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def duckdb_counts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table of the connected database."""
    names = [r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    counts = {}
    for name in sorted(names):
        row = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


def export_telemetry(store: TelemetryStore, folder: Path) -> dict[str, int]:
    """Export every table (and sequence) into ``folder``; returns the exported row counts."""
    store.initialise()
    with store.connect() as conn:
        counts = duckdb_counts(conn)
        conn.execute(f"EXPORT DATABASE {_quoted(folder)} (FORMAT PARQUET, COMPRESSION ZSTD)")
    return counts


def import_telemetry(settings: Settings, folder: Path) -> tuple[Path, dict[str, int]]:
    """A fresh DuckDB file beside DUCKDB_PATH holding the export; its path and row counts."""
    staged = settings.duckdb_path.with_name(settings.duckdb_path.name + ".restore")
    for leftover in (staged, staged.with_name(staged.name + ".wal")):
        leftover.unlink(missing_ok=True)
    limit = {"memory_limit": settings.duckdb_memory_limit}
    with duckdb.connect(str(staged), config=dict(limit)) as conn:
        conn.execute(f"IMPORT DATABASE {_quoted(folder)}")
        conn.execute("CHECKPOINT")
        counts = duckdb_counts(conn)
    return staged, counts


def move_into_place(staged: Path, target: Path) -> None:
    """Replace ``target`` (already moved aside by the caller, if it existed) with ``staged``."""
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(staged, target)
