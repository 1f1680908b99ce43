"""Purge SQL: count, re-quarantine and delete stored telemetry of a device and time range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from app.storage.duckdb import fetch_dicts


@dataclass(frozen=True)
class PurgeScope:
    """Rows of one device (None: every device) with ``start <= ts < end`` (None: open)."""

    device_id: str | None = None
    start: datetime | None = None  # naive UTC
    end: datetime | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        """The ``WHERE`` clause over ``telemetry t`` and its parameters."""
        clause = (
            "($device_id IS NULL OR t.device_id = $device_id) "
            "AND ($start IS NULL OR t.ts >= $start) AND ($end IS NULL OR t.ts < $end)"
        )
        return clause, {"device_id": self.device_id, "start": self.start, "end": self.end}


# The row as a CSV line of the documented format, so that it can be ingested again.
ROW_AS_CSV = """CASE WHEN epoch_us(t.ts) % 1000000 = 0 THEN strftime(t.ts, '%Y-%m-%dT%H:%M:%SZ')
        ELSE strftime(t.ts, '%Y-%m-%dT%H:%M:%S.%fZ') END
    || ',' || t.device_id || ',' || t.seq || ',' || t.current_amp
    || ',' || coalesce(CAST(t.gps_lat AS VARCHAR), '')
    || ',' || coalesce(CAST(t.gps_lon AS VARCHAR), '')
    || ',' || t.battery_level || ',' || coalesce(t.ble_id, '')"""


def counts_by_device(conn: duckdb.DuckDBPyConnection, scope: PurgeScope) -> list[dict[str, Any]]:
    """Per device in the scope: rows, first and last timestamp."""
    where, params = scope.where()
    return fetch_dicts(
        conn,
        f"SELECT device_id, count(*) AS rows, min(ts) AS first_ts, max(ts) AS last_ts "
        f"FROM telemetry t WHERE {where} GROUP BY device_id ORDER BY device_id",
        params,
    )


def requarantine(
    conn: duckdb.DuckDBPyConnection, scope: PurgeScope, reason: str, at: datetime
) -> int:
    """Copy the scope's rows into the quarantine under their own ingest; returns how many."""
    where, params = scope.where()
    row = conn.execute(
        f"INSERT INTO quarantine SELECT t.ingest_id, coalesce(i.source, 'unknown'), NULL, "
        f"{ROW_AS_CSV}, $reason, $at FROM telemetry t LEFT JOIN ingests i USING (ingest_id) "
        f"WHERE {where}",
        {**params, "reason": reason, "at": at},
    ).fetchone()
    return int(row[0]) if row else 0


def delete(conn: duckdb.DuckDBPyConnection, scope: PurgeScope) -> int:
    """Delete the scope's rows; returns how many."""
    where, params = scope.where()
    row = conn.execute(f"DELETE FROM telemetry t WHERE {where}", params).fetchone()
    return int(row[0]) if row else 0
