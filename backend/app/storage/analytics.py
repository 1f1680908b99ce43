"""Fleet analytics queries over the ``sessions`` table (and ``telemetry`` for battery)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, get_args

import duckdb

from app.schemas.analytics import AnomalySort
from app.storage.duckdb import fetch_dicts
from app.storage.sessions import OWN_POD, SECOND_POD_SUFFIX, SHORT_SESSION_S, SessionFilter

TOTALS_SQL = f"""
SELECT count(DISTINCT device_id) AS devices, count(*) AS sessions,
    coalesce(sum(drilling_s), 0) / 3600 AS drilling_hours,
    coalesce(sum(duration_s), 0) / 3600 AS session_hours,
    coalesce(avg(duration_s), 0) / 60 AS average_session_minutes,
    count(*) FILTER (WHERE tagged) AS tagged_sessions,
    coalesce(sum(off_samples), 0) AS off_samples,
    coalesce(sum(standby_samples), 0) AS standby_samples,
    coalesce(sum(spin_samples), 0) AS spin_samples,
    coalesce(sum(drill_samples), 0) AS drill_samples,
    count(*) FILTER (WHERE duration_s < {SHORT_SESSION_S}) AS short_sessions,
    count(*) FILTER (WHERE lost_samples > 0) AS lost_sample_sessions,
    coalesce(sum(lost_samples), 0) AS lost_samples,
    count(*) FILTER (WHERE missing_gps > 0) AS missing_gps_sessions,
    coalesce(sum(missing_gps), 0) AS missing_gps_samples,
    count(*) FILTER (WHERE low_battery) AS low_battery_sessions,
    coalesce(sum(low_battery_samples), 0) AS low_battery_samples
FROM sessions {{where}}
"""

ANOMALY_SORTS = get_args(AnomalySort)

ANOMALY_CONDITIONS = {
    "short_session": f"duration_s < {SHORT_SESSION_S}",
    "lost_samples": "lost_samples > 0",
    "missing_gps": "missing_gps > 0",
    "low_battery": "low_battery",
    "id_collision": "session_id IN (SELECT session_id FROM collided)",
}

# Sessions in scope holding a counter break ({breaks}: stream_breaks_sql over {telemetry}).
CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE collision_candidates AS
SELECT DISTINCT s.session_id, s.device_id, s.start_ts, s.end_ts
FROM (SELECT session_id, device_id, start_ts, end_ts FROM sessions {where}) s
JOIN ({breaks}) b ON b.device_id = s.device_id AND b.ts BETWEEN s.start_ts AND s.end_ts
"""
SCOPE_TELEMETRY = "(SELECT * FROM telemetry WHERE list_contains($device_ids, device_id))"
# A session is one run of samples, so its rows are a whole run for the streams query.
CANDIDATE_TELEMETRY = """(SELECT t.* FROM telemetry t SEMI JOIN collision_candidates c
    ON t.device_id = c.device_id AND t.ts BETWEEN c.start_ts AND c.end_ts)"""
# The second pods' sessions in scope ({where}) overlapping a collision episode ({episodes}),
# each with its largest one: the session builder keeps a second pod's rows apart.
COLLIDED_SQL = f"""
CREATE OR REPLACE TEMP TABLE collided AS
SELECT s.session_id, c.* EXCLUDE (device_id)
FROM (SELECT * FROM sessions {{where}}) s JOIN ({{episodes}}) c
    ON c.device_id = s.device_id AND c.start_ts <= s.end_ts AND c.end_ts >= s.start_ts
    AND s.session_id LIKE '%{SECOND_POD_SUFFIX}'
QUALIFY row_number() OVER (
    PARTITION BY s.session_id ORDER BY c.intruder_rows DESC, c.start_ts) = 1
"""

COLLISION_EVIDENCE = """CASE WHEN c.session_id IS NULL THEN NULL ELSE struct_pack(
    start_ts := c.start_ts, end_ts := c.end_ts, intruder_rows := c.intruder_rows,
    intruder_seq_from := c.intruder_seq_from, intruder_seq_to := c.intruder_seq_to,
    own_seq_from := c.own_seq_from, own_seq_to := c.own_seq_to, distance_m := c.distance_m,
    intruder_battery := c.intruder_battery, own_battery := c.own_battery) END"""


def anomaly_order(sort: str = "start_ts", descending: bool = True) -> str:
    """A stable ORDER BY for ``sort`` (one of ANOMALY_SORTS)."""
    if sort not in ANOMALY_SORTS:
        raise ValueError(f"cannot sort anomalies by {sort!r}")
    return f"{sort} {'DESC' if descending else 'ASC'}, start_ts DESC, device_id, kind"


def session_totals(conn: duckdb.DuckDBPyConnection, flt: SessionFilter) -> dict[str, Any]:
    """Fleet totals, operating-state sample counts and anomaly counts for the filter."""
    where, params = flt.where()
    return fetch_dicts(conn, TOTALS_SQL.format(where=where), params)[0]


def session_locations(
    conn: duckdb.DuckDBPyConnection, flt: SessionFilter, cap: int
) -> tuple[list[dict[str, Any]], int]:
    """Session centroids, evenly thinned in time to at most ``cap``, and the full count."""
    where, params = flt.where()
    located = f"{where} AND" if where else "WHERE"
    rows = fetch_dicts(
        conn,
        f"""
        WITH located AS (
            SELECT session_id, device_id, start_ts, centroid_lat AS lat, centroid_lon AS lon,
                drilling_s / 3600 AS drilling_hours,
                row_number() OVER (ORDER BY start_ts, session_id) - 1 AS rn,
                count(*) OVER () AS n
            FROM sessions {located} centroid_lat IS NOT NULL AND centroid_lon IS NOT NULL
        )
        SELECT * FROM located
        WHERE rn % CAST(greatest(1, ceil(n / $cap)) AS BIGINT) = 0 ORDER BY rn
        """,
        {**params, "cap": cap},
    )
    total = int(rows[0]["n"]) if rows else 0
    return rows, total


def mark_collided_sessions(
    conn: duckdb.DuckDBPyConnection,
    flt: SessionFilter,
    breaks_sql: Callable[[str], str],
    episodes_sql: Callable[[str], str],
) -> int:
    """Fill the temp table ``collided``: the second pods' sessions in scope overlapping a
    collision episode, with its evidence; the number of sessions marked.

    ``breaks_sql`` and ``episodes_sql`` give the ML's queries over a telemetry source
    (parameters ``$as_of``, ``$read_start``, ``$since``); episodes are looked for only in
    the sessions with a counter break, read over the scope's devices and time span.
    """
    where, params = flt.where()
    span = conn.execute(f"SELECT min(start_ts), max(end_ts) FROM sessions {where}", params)
    first, last = span.fetchone() or (None, None)
    bounds = {"read_start": first, "as_of": last}
    if first is None:
        bounds = {"read_start": datetime.max, "as_of": datetime.min}
    source = SCOPE_TELEMETRY if flt.device_ids else "telemetry"
    breaks = breaks_sql(source)
    conn.execute(CANDIDATES_SQL.format(where=where, breaks=breaks), params | bounds)
    episodes = episodes_sql(CANDIDATE_TELEMETRY)
    conn.execute(
        COLLIDED_SQL.format(where=where, episodes=episodes),
        params | bounds | {"since": bounds["read_start"]},
    )
    counted = conn.execute("SELECT count(*) FROM collided").fetchone()
    return int(counted[0]) if counted else 0


def anomaly_items(
    conn: duckdb.DuckDBPyConnection,
    flt: SessionFilter,
    kinds: Sequence[str],
    limit: int,
    offset: int,
    order: str = "start_ts DESC, device_id, kind",
) -> tuple[list[dict[str, Any]], int]:
    """One page of (kind, session) anomaly rows in ``order`` (vetted), and their total;
    id_collision rows need ``mark_collided_sessions`` first."""
    where, params = flt.where()
    joiner = f"{where} AND" if where else "WHERE"
    parts = [
        f"SELECT '{kind}' AS kind, * FROM sessions {joiner} {ANOMALY_CONDITIONS[kind]}"
        for kind in kinds
    ]
    union = " UNION ALL ".join(parts)
    rows = fetch_dicts(
        conn,
        f"""
        SELECT * FROM (
            SELECT a.kind, a.session_id, a.device_id, a.start_ts, a.end_ts, a.duration_s,
                a.samples, a.lost_samples, a.missing_gps, a.battery_min,
                {COLLISION_EVIDENCE} AS collision
            FROM ({union}) a
            LEFT JOIN collided c ON a.kind = 'id_collision' AND c.session_id = a.session_id
        ) ORDER BY {order} LIMIT $limit OFFSET $offset
        """,
        {**params, "limit": limit, "offset": offset},
    )
    counted = conn.execute(f"SELECT count(*) FROM ({union})", params).fetchone()
    return rows, int(counted[0]) if counted else 0


# the columns of each ``device_summaries`` row
SUMMARY_COLUMNS = (
    "device_id",
    "first_seen",
    "last_seen",
    "sessions",
    "samples",
    "drilling_hours",
    "last_battery",
    "last_lat",
    "last_lon",
)


def device_summaries(
    conn: duckdb.DuckDBPyConnection, device_ids: Sequence[str] | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Per device: first/last seen, sessions, drilling hours, and its own pod's last battery
    and position."""
    where, params = SessionFilter(device_ids=device_ids).where()
    rows = fetch_dicts(
        conn,
        f"""
        SELECT device_id, min(start_ts) AS first_seen, max(end_ts) AS last_seen,
            count(*) AS sessions, sum(samples) AS samples,
            sum(drilling_s) / 3600 AS drilling_hours,
            arg_max(battery_end, end_ts) FILTER (WHERE {OWN_POD}) AS last_battery,
            arg_max(last_lat, end_ts) FILTER (WHERE last_lat IS NOT NULL AND {OWN_POD})
                AS last_lat,
            arg_max(last_lon, end_ts) FILTER (WHERE last_lat IS NOT NULL AND {OWN_POD})
                AS last_lon
        FROM sessions {where} GROUP BY device_id ORDER BY device_id
        LIMIT $limit OFFSET $offset
        """,
        {**params, "limit": limit, "offset": offset},
    )
    total = conn.execute(f"SELECT count(DISTINCT device_id) FROM sessions {where}", params)
    counted = total.fetchone()
    return rows, int(counted[0]) if counted else 0


def timeline(
    conn: duckdb.DuckDBPyConnection, flt: SessionFilter, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Per UTC day (of session start) and device: sessions and hours; one page and the total."""
    where, params = flt.where()
    grouped = f"""
        SELECT CAST(start_ts AS DATE) AS day, device_id, count(*) AS sessions,
            sum(drilling_s) / 3600 AS drilling_hours, sum(duration_s) / 3600 AS session_hours,
            count(*) FILTER (WHERE tagged) AS tagged_sessions
        FROM sessions {where} GROUP BY ALL
    """
    rows = fetch_dicts(
        conn,
        f"{grouped} ORDER BY day, device_id LIMIT $limit OFFSET $offset",
        {**params, "limit": limit, "offset": offset},
    )
    counted = conn.execute(f"SELECT count(*) FROM ({grouped})", params).fetchone()
    return rows, int(counted[0]) if counted else 0


def device_span(
    conn: duckdb.DuckDBPyConnection, flt: SessionFilter
) -> tuple[list[str], datetime | None, datetime | None]:
    """Devices with sessions in the filter, and the earliest start / latest end."""
    where, params = flt.where()
    row = conn.execute(
        f"SELECT list_sort(list(DISTINCT device_id)), min(start_ts), max(end_ts) "
        f"FROM sessions {where}",
        params,
    ).fetchone()
    if row is None or row[0] is None:
        return [], None, None
    return list(row[0]), row[1], row[2]


def battery_points(
    conn: duckdb.DuckDBPyConnection,
    device_ids: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    bucket_s: int | None,
) -> list[dict[str, Any]]:
    """Battery avg/min/max per device and ``bucket_s`` bucket (None: one bucket per device)."""
    clauses = ["list_contains($ids, device_id)"]
    params: dict[str, Any] = {"ids": list(device_ids)}
    if start is not None:
        clauses.append("ts >= $start")
        params["start"] = start
    if end is not None:
        clauses.append("ts < $end")
        params["end"] = end
    if bucket_s is None:
        bucket = "min(ts)"
        group = "device_id"
    else:
        bucket = "time_bucket(to_seconds($width), ts)"
        group = "device_id, bucket_start"
        params["width"] = bucket_s
    return fetch_dicts(
        conn,
        f"""
        SELECT device_id, {bucket} AS bucket_start, avg(battery_level) AS avg_battery,
            min(battery_level) AS min_battery, max(battery_level) AS max_battery,
            count(*) AS samples
        FROM telemetry WHERE {" AND ".join(clauses)}
        GROUP BY {group} ORDER BY device_id, bucket_start
        """,
        params,
    )
