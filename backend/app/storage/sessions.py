"""The materialised ``sessions`` table: one row per run of a device's samples.

A session is a run of one device's samples whose time gaps are at most the
configured gap. Lost samples are counted between consecutive samples of a session:
a ``seq`` step of ``k > 1`` over about ``k`` sample periods (within half a period)
means ``k - 1`` samples never arrived. Steps whose time does not match are not
losses: a ``seq`` reset, for one. Two pods reporting under one device id, as in the
field sample (rows 6 s / 24 s apart, ``seq`` jumping by hundreds), are kept apart:
the second pod's rows form sessions of their own (app.storage.pods).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, get_args

import duckdb

from app.schemas.sessions import SessionSort
from app.storage.duckdb import fetch_dicts, fetch_page, transaction
from app.storage.pods import INTRUDERS, SAMPLE_PERIOD_S, mark_intruders

if TYPE_CHECKING:
    import pandas as pd

OFF_MAX_AMP = 0.5
STANDBY_MAX_AMP = 2.0
SPIN_MAX_AMP = 4.5
LOW_BATTERY_PCT = 20
SHORT_SESSION_S = 300
GAP_META_KEY = "session_max_gap_seconds"
SECOND_POD_SUFFIX = "-pod2"  # ends the id of a session of a second pod under the same id
OWN_POD = f"NOT ends_with(session_id, '{SECOND_POD_SUFFIX}')"  # a session of the device's pod

BUCKET_S = 3600

# Only session edges and lossy steps leave the (narrow) window pass; the wide
# aggregate then finds each sample's session by an hourly-bucket hash join.
BUILD_SQL = f"""
WITH steps AS (
    SELECT device_id, ts,
        epoch(ts) - epoch(lag(ts) OVER w) AS gap_s,
        epoch(lead(ts) OVER w) - epoch(ts) AS next_s,
        CAST(seq AS HUGEINT) - lag(seq) OVER w AS dseq  -- never overflows BIGINT
    FROM {{source}}
    WINDOW w AS (PARTITION BY device_id ORDER BY ts)
), marks AS MATERIALIZED (
    SELECT device_id, ts, gap_s IS NULL OR gap_s > $gap AS is_start,
        next_s IS NULL OR next_s > $gap AS is_end,
        CASE WHEN gap_s <= $gap AND dseq > 1
            AND abs(gap_s - CAST(dseq AS DOUBLE) * {SAMPLE_PERIOD_S}) <= {SAMPLE_PERIOD_S / 2}
            THEN CAST(dseq - 1 AS BIGINT) ELSE 0 END AS lost
    FROM steps
    WHERE gap_s IS NULL OR gap_s > $gap OR next_s IS NULL OR next_s > $gap OR lost > 0
), bounds AS MATERIALIZED (
    SELECT device_id, start_ts, end_ts FROM (
        SELECT device_id, ts AS start_ts, is_start,
            CASE WHEN is_end THEN ts ELSE lead(ts) OVER (PARTITION BY device_id ORDER BY ts) END
                AS end_ts
        FROM marks WHERE is_start OR is_end)
    WHERE is_start
), buckets AS (
    SELECT device_id, start_ts, end_ts, unnest(range(
        CAST(floor(epoch(start_ts) / {BUCKET_S}) AS BIGINT),
        CAST(floor(epoch(end_ts) / {BUCKET_S}) AS BIGINT) + 1)) AS bucket
    FROM bounds
), losses AS (
    SELECT b.device_id, b.start_ts, sum(m.lost) AS lost_samples
    FROM marks m JOIN bounds b
        ON m.device_id = b.device_id AND m.ts BETWEEN b.start_ts AND b.end_ts
    WHERE m.lost > 0 GROUP BY ALL
), agg AS (
    SELECT b.device_id, b.start_ts, b.end_ts, count(*) AS samples,
        count(*) FILTER (WHERE current_amp <= {OFF_MAX_AMP}) AS off_samples,
        count(*) FILTER (WHERE current_amp > {OFF_MAX_AMP} AND current_amp <= {STANDBY_MAX_AMP})
            AS standby_samples,
        count(*) FILTER (WHERE current_amp > {STANDBY_MAX_AMP} AND current_amp <= {SPIN_MAX_AMP})
            AS spin_samples,
        count(*) FILTER (WHERE current_amp > {SPIN_MAX_AMP}) AS drill_samples,
        list_sort(list(DISTINCT ble_id) FILTER (WHERE coalesce(ble_id, '') <> '')) AS ble_ids,
        avg(gps_lat) AS centroid_lat, avg(gps_lon) AS centroid_lon,
        arg_max(gps_lat, ts) FILTER (WHERE gps_lat IS NOT NULL AND gps_lon IS NOT NULL) AS last_lat,
        arg_max(gps_lon, ts) FILTER (WHERE gps_lat IS NOT NULL AND gps_lon IS NOT NULL) AS last_lon,
        count(*) FILTER (WHERE gps_lat IS NULL OR gps_lon IS NULL) AS missing_gps,
        arg_min(battery_level, ts) AS battery_start, arg_max(battery_level, ts) AS battery_end,
        min(battery_level) AS battery_min,
        count(*) FILTER (WHERE battery_level < {LOW_BATTERY_PCT}) AS low_battery_samples,
        avg(current_amp) AS avg_current, max(current_amp) AS max_current,
        stddev_samp(current_amp) AS std_current
    FROM {{source}} t JOIN buckets b ON t.device_id = b.device_id
        AND CAST(floor(epoch(t.ts) / {BUCKET_S}) AS BIGINT) = b.bucket
        AND t.ts BETWEEN b.start_ts AND b.end_ts
    GROUP BY b.device_id, b.start_ts, b.end_ts
)
SELECT a.device_id,
    a.device_id || '-' || CAST(floor(epoch(a.start_ts)) AS BIGINT) || '{{suffix}}' AS session_id,
    a.start_ts, a.end_ts, epoch(a.end_ts) - epoch(a.start_ts) AS duration_s, samples,
    samples + coalesce(lost_samples, 0) AS expected_samples, coalesce(lost_samples, 0),
    off_samples, standby_samples, spin_samples, drill_samples,
    drill_samples * {SAMPLE_PERIOD_S} AS drilling_s, len(coalesce(ble_ids, [])) > 0 AS tagged,
    coalesce(ble_ids, []) AS ble_ids, centroid_lat, centroid_lon, last_lat, last_lon, missing_gps,
    battery_start, battery_end, battery_min, low_battery_samples,
    battery_min < {LOW_BATTERY_PCT} AS low_battery, avg_current, max_current, std_current
FROM agg a LEFT JOIN losses l ON a.device_id = l.device_id AND a.start_ts = l.start_ts
"""


SCOPE = "session_scope"
SCOPED_SOURCE = f"""(
    SELECT t.* FROM telemetry t SEMI JOIN {SCOPE} r ON t.device_id = r.device_id AND t.ts >= r.since
    WHERE t.ts >= $lo
)"""
# Per device touched by an ingest: rebuild from the start of the run of samples its
# earliest new sample joins. Walking back from that sample, every session ending within
# the gap before the point reached (or overlapping it: a second pod's sessions interleave
# with the first's) belongs to the run. Sessions ending earlier cannot change.
INGEST_SCOPE_SQL = f"""
CREATE OR REPLACE TEMP TABLE {SCOPE} AS
WITH RECURSIVE reach(device_id, since) AS (
    SELECT device_id, min(ts) FROM telemetry WHERE ingest_id = $ingest_id GROUP BY device_id
    UNION
    SELECT r.device_id, s.start_ts FROM reach r JOIN sessions s ON s.device_id = r.device_id
        AND s.start_ts < r.since AND s.end_ts >= r.since - to_seconds($gap)
)
SELECT device_id, min(since) AS since FROM reach GROUP BY device_id
"""
DEVICES_SCOPE_SQL = f"""
CREATE OR REPLACE TEMP TABLE {SCOPE} AS
SELECT device_id, min(ts) AS since FROM telemetry
WHERE list_contains($ids, device_id) GROUP BY device_id
"""


def stored_gap(conn: duckdb.DuckDBPyConnection) -> int | None:
    """The gap the sessions table was built with, or None if never built."""
    row = conn.execute("SELECT value FROM store_meta WHERE key = ?", [GAP_META_KEY]).fetchone()
    return int(row[0]) if row else None


def refresh_sessions(
    conn: duckdb.DuckDBPyConnection, max_gap_seconds: int, device_ids: Sequence[str] | None
) -> None:
    """Rebuild the sessions of ``device_ids`` (None: all devices) from telemetry.

    Runs in the caller's transaction. If the table was built with another gap, every
    device is rebuilt so the table never mixes two definitions of a session.
    """
    if device_ids is None or stored_gap(conn) != max_gap_seconds:
        _rebuild_all(conn, max_gap_seconds)
        return
    conn.execute(DEVICES_SCOPE_SQL, {"ids": sorted(set(device_ids))})
    _rebuild_scope(conn, max_gap_seconds)


def refresh_sessions_for_ingest(
    conn: duckdb.DuckDBPyConnection, max_gap_seconds: int, ingest_id: int
) -> None:
    """Rebuild the sessions that the rows of ``ingest_id`` can have changed.

    Runs in the caller's transaction; rebuilds everything if the gap changed.
    """
    if stored_gap(conn) != max_gap_seconds:
        _rebuild_all(conn, max_gap_seconds)
        return
    conn.execute(INGEST_SCOPE_SQL, {"ingest_id": ingest_id, "gap": max_gap_seconds})
    _rebuild_scope(conn, max_gap_seconds)


def rebuild_devices(
    conn: duckdb.DuckDBPyConnection, max_gap_seconds: int, device_ids: Sequence[str]
) -> None:
    """Rebuild every session of ``device_ids`` (after rows were removed); caller's transaction.

    A device left without telemetry is left without sessions.
    """
    if stored_gap(conn) != max_gap_seconds:
        _rebuild_all(conn, max_gap_seconds)
        return
    params = {"ids": sorted(set(device_ids))}
    conn.execute("DELETE FROM sessions WHERE list_contains($ids, device_id)", params)
    source = "(SELECT * FROM telemetry WHERE list_contains($ids, device_id))"
    _insert_sessions(conn, source, params, max_gap_seconds)


def _rebuild_all(conn: duckdb.DuckDBPyConnection, max_gap_seconds: int) -> None:
    conn.execute("DELETE FROM sessions")
    _insert_sessions(conn, "telemetry", {}, max_gap_seconds)
    _record_gap(conn, max_gap_seconds)


def _rebuild_scope(conn: duckdb.DuckDBPyConnection, max_gap_seconds: int) -> None:
    """Rebuild, per device of the scope table, every session starting at or after ``since``."""
    row = conn.execute(f"SELECT min(since) FROM {SCOPE}").fetchone()
    if row is not None and row[0] is not None:
        conn.execute(
            f"DELETE FROM sessions s USING {SCOPE} r "
            "WHERE s.device_id = r.device_id AND s.start_ts >= r.since"
        )
        _insert_sessions(conn, SCOPED_SOURCE, {"lo": row[0]}, max_gap_seconds)
    conn.execute(f"DROP TABLE {SCOPE}")
    _record_gap(conn, max_gap_seconds)


def _insert_sessions(
    conn: duckdb.DuckDBPyConnection, source: str, params: dict[str, Any], max_gap_seconds: int
) -> None:
    """Insert the sessions of ``source`` (table or subquery using ``params``), each pod's apart.

    Rows of a second pod reporting under a device's id (see app.storage.pods) form their
    own sessions, whose ids end in ``SECOND_POD_SUFFIX``, so no session mixes two pods'
    positions, batteries or counters.
    """
    build = "INSERT INTO sessions " + BUILD_SQL
    args = params | {"gap": max_gap_seconds}
    if mark_intruders(conn, source, max_gap_seconds, params) == 0:
        conn.execute(build.format(source=source, suffix=""), args)
    else:
        key = "s.device_id = i.device_id AND s.ts = i.ts AND s.seq = i.seq"
        own = f"(SELECT s.* FROM {source} s ANTI JOIN {INTRUDERS} i ON {key})"
        second = f"(SELECT s.* FROM {source} s SEMI JOIN {INTRUDERS} i ON {key})"
        conn.execute(build.format(source=own, suffix=""), args)
        conn.execute(build.format(source=second, suffix=SECOND_POD_SUFFIX), args)
    conn.execute(f"DROP TABLE {INTRUDERS}")


def _record_gap(conn: duckdb.DuckDBPyConnection, max_gap_seconds: int) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [GAP_META_KEY, str(max_gap_seconds)]
    )


def ensure_sessions_current(conn: duckdb.DuckDBPyConnection, max_gap_seconds: int) -> bool:
    """Rebuild all sessions when they were never built or were built with another gap.

    Returns True when a rebuild happened.
    """
    if stored_gap(conn) == max_gap_seconds:
        return False
    with transaction(conn):
        refresh_sessions(conn, max_gap_seconds, None)
    return True


@dataclass(frozen=True)
class SessionFilter:
    """Which sessions a query covers: devices and a half-open range on ``start_ts``."""

    device_ids: Sequence[str] | None = None
    start: datetime | None = None
    end: datetime | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        """A ``WHERE`` clause (possibly empty) and its named parameters."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if self.device_ids:
            clauses.append("list_contains($device_ids, device_id)")
            params["device_ids"] = list(self.device_ids)
        if self.start is not None:
            clauses.append("start_ts >= $start")
            params["start"] = self.start
        if self.end is not None:
            clauses.append("start_ts < $end")
            params["end"] = self.end
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def unknown_devices(conn: duckdb.DuckDBPyConnection, device_ids: Sequence[str]) -> list[str]:
    """Those of ``device_ids`` that have no session."""
    rows = conn.execute(
        "SELECT d FROM unnest($ids) AS t(d) "
        "WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.device_id = t.d) ORDER BY d",
        {"ids": list(device_ids)},
    ).fetchall()
    return [r[0] for r in rows]


# Columns a session list may be sorted by (the API's ``sort`` values).
SESSION_SORTS = get_args(SessionSort)


def session_order(sort: str = "start_ts", descending: bool = True) -> str:
    """A stable ORDER BY for ``sort`` (one of SESSION_SORTS), ties by start and device."""
    if sort not in SESSION_SORTS:
        raise ValueError(f"cannot sort sessions by {sort!r}")
    direction = "DESC" if descending else "ASC"
    return f"{sort} {direction} NULLS LAST, start_ts DESC, device_id"


def list_sessions(
    conn: duckdb.DuckDBPyConnection,
    flt: SessionFilter,
    limit: int,
    offset: int,
    order: str = "start_ts DESC, device_id",
) -> tuple[list[dict[str, Any]], int]:
    """One page of sessions in ``order`` (from session_order) and the total matching."""
    where, params = flt.where()
    return fetch_page(conn, f"sessions {where}", order, params, limit=limit, offset=offset)


def all_sessions(conn: duckdb.DuckDBPyConnection, flt: SessionFilter) -> list[dict[str, Any]]:
    """Every session matching the filter, oldest first."""
    where, params = flt.where()
    return fetch_dicts(conn, f"SELECT * FROM sessions {where} ORDER BY device_id, start_ts", params)


def sessions_frame(conn: duckdb.DuckDBPyConnection, flt: SessionFilter) -> pd.DataFrame:
    """Every session matching the filter as a DataFrame, oldest first per device."""
    where, params = flt.where()
    return conn.execute(f"SELECT * FROM sessions {where} ORDER BY device_id, start_ts", params).df()
