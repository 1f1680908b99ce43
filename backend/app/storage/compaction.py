"""Give back the space an aborted ingest leaves in the DuckDB file.

DuckDB writes a large insert into the file before it commits. When the writer is
killed, the file keeps those bytes past the last block DuckDB knows about; when a
transaction rolls back (the fast path declining a file), its blocks become free
blocks. DuckDB reuses free blocks but never shrinks the file, so one aborted ingest of
a big file can leave the store twice its size for good. When more than a quarter of
the file (and at least 4 MiB) holds no live block, the store is copied into a fresh
file that replaces it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import duckdb

log = logging.getLogger("drillwatch.store")

RECLAIM_MIN_BYTES = 4 * 2**20
RECLAIM_RATIO = 0.25
SIZE_SQL = """SELECT block_size, used_blocks FROM pragma_database_size()
WHERE database_name = current_database()"""


def unused_bytes(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, int]:
    """Bytes of the file outside live blocks, and bytes in live blocks."""
    row = conn.execute(SIZE_SQL).fetchone()
    assert row is not None
    used = int(row[0]) * int(row[1])
    return max(path.stat().st_size - used, 0), used


def reclaim_space(
    conn: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    min_bytes: int = RECLAIM_MIN_BYTES,
    ratio: float = RECLAIM_RATIO,
) -> bool:
    """Compact the store when at least ``min_bytes`` and ``ratio`` of its live bytes are
    unused; True when it did.

    ``conn`` must be the only connection of this process to ``path``: DuckDB's file
    lock keeps other processes out until the fresh file has replaced the old one.
    """
    fresh = path.with_name(path.name + ".compact")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a compaction killed half-way
    conn.execute("CHECKPOINT")
    unused, used = unused_bytes(conn, path)
    if unused < max(min_bytes, ratio * used):
        return False
    before = path.stat().st_size
    name = str(fresh).replace("'", "''")
    conn.execute(f"ATTACH '{name}' AS compact_copy")
    try:
        conn.execute(f"COPY FROM DATABASE {_current(conn)} TO compact_copy")
    finally:
        conn.execute("DETACH compact_copy")
    os.replace(fresh, path)
    log.info(
        "compacted %s from %.1f MB to %.1f MB (%.1f MB held no data)",
        path.name,
        before / 1e6,
        path.stat().st_size / 1e6,
        unused / 1e6,
    )
    return True


def _current(conn: duckdb.DuckDBPyConnection) -> str:
    row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    return '"' + str(row[0]).replace('"', '""') + '"'
