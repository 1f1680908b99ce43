"""Fleet queries over ``sessions``: last positions, daily activity, and CSV copies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from app.storage.duckdb import fetch_dicts
from app.storage.sessions import OWN_POD, SessionFilter

# The device's own pod's last fix (a second pod under its id is elsewhere).
LOCATED = f"last_lat IS NOT NULL AND last_lon IS NOT NULL AND {OWN_POD}"
POSITIONS_SQL = f"""
SELECT device_id,
    arg_max(last_lat, end_ts) FILTER (WHERE {LOCATED}) AS lat,
    arg_max(last_lon, end_ts) FILTER (WHERE {LOCATED}) AS lon,
    max(end_ts) FILTER (WHERE {LOCATED}) AS position_at,
    max(end_ts) AS last_seen
FROM sessions GROUP BY device_id ORDER BY device_id
"""

# Devices ranked by drilling hours in the filter; the first $top keep their own series
# (all of them when only one more would be left over).
DAILY_SQL = """
WITH per AS (
    SELECT CAST(start_ts AS DATE) AS day, device_id, count(*) AS sessions,
        sum(drilling_s) / 3600 AS hours
    FROM sessions {where} GROUP BY ALL
), ranked AS (
    SELECT device_id, row_number() OVER (ORDER BY sum(hours) DESC, device_id) AS rn,
        count(*) OVER () AS n
    FROM per GROUP BY device_id
), shown AS (
    SELECT device_id, rn FROM ranked WHERE rn <= $top OR n <= $top + 1
)
SELECT p.day, s.rn, s.device_id, sum(p.sessions) AS sessions, sum(p.hours) AS hours,
    (SELECT count(*) FROM ranked) AS devices
FROM per p LEFT JOIN shown s USING (device_id)
GROUP BY p.day, s.rn, s.device_id ORDER BY p.day, s.rn NULLS LAST
"""

SESSION_COLUMNS = (
    "session_id, device_id, strftime(start_ts, '%Y-%m-%dT%H:%M:%SZ') AS start_utc, "
    "strftime(end_ts, '%Y-%m-%dT%H:%M:%SZ') AS end_utc, duration_s, samples, expected_samples, "
    "lost_samples, drilling_s, tagged, array_to_string(ble_ids, ' ') AS ble_ids, "
    "centroid_lat, centroid_lon, missing_gps, battery_start, battery_end, battery_min, "
    "low_battery, avg_current, max_current"
)


def device_positions(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every device's last GPS fix (from its latest session with one) and last report."""
    return fetch_dicts(conn, POSITIONS_SQL)


def daily_activity(
    conn: duckdb.DuckDBPyConnection, flt: SessionFilter, top: int
) -> list[dict[str, Any]]:
    """Per UTC day: one row per shown device (``rn`` 1..top) and one for the rest (rn NULL)."""
    where, params = flt.where()
    return fetch_dicts(conn, DAILY_SQL.format(where=where), {**params, "top": top})


def copy_sessions_csv(
    conn: duckdb.DuckDBPyConnection, flt: SessionFilter, order: str, target: Path
) -> None:
    """Write the filter's sessions, in ``order`` (a vetted ORDER BY), as CSV to ``target``."""
    where, params = flt.where()
    query = f"SELECT {SESSION_COLUMNS} FROM sessions {where} ORDER BY {order}"
    # COPY cannot take a prepared parameter for its target; the path is ours, not the caller's.
    path = str(target).replace("'", "''")
    conn.execute(f"COPY ({query}) TO '{path}' (HEADER, DELIMITER ',')", params)
