"""Which of a device's rows come from its own pod, and which from a second pod under its id.

A pod's counter advances by one per sample, every ``SAMPLE_PERIOD_S`` while in use, so
``seq * period - epoch(ts)`` stays constant while it works. ``sql/streams.sql`` groups a
device's linked rows into tracks of that constant; a second track overlapping the main
one in time is another pod reporting under the same device_id (a collision) and its rows
are intruders. ``sql/stream_breaks.sql`` is the one-pass prefilter: every collision
holds a row whose counter breaks from its neighbour's. The session builder keeps the
pods apart with ``mark_intruders``; the ML reads the same queries for its evidence.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).with_name("sql")
SAMPLE_PERIOD_S = 30
TRACK_GAP_S = 300  # counters further apart than this are two pods
INTRUDERS = "pod_intruders"
# Wide enough for any stored row: validation quarantines rows outside its epoch and horizon.
ALL_TIME = {"read_start": datetime(1, 1, 1), "as_of": datetime(9999, 12, 31)}


@cache
def template(name: str) -> str:
    """The SQL template ``sql/<name>`` without its comment lines."""
    text = (SQL_DIR / name).read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def _values(telemetry: str, gap_s: int) -> dict[str, object]:
    return {
        "telemetry": telemetry,
        "period": SAMPLE_PERIOD_S,
        "gap": gap_s,
        "track_gap": TRACK_GAP_S,
    }


def breaks_sql(telemetry: str, gap_s: int) -> str:
    """Rows (device_id, ts) where the counter breaks; parameters ``$as_of``, ``$read_start``."""
    return template("stream_breaks.sql").strip().format(**_values(telemetry, gap_s))


def mark_intruders(
    conn: duckdb.DuckDBPyConnection, source: str, gap_s: int, params: dict[str, Any]
) -> int:
    """Fill the temp table ``pod_intruders`` (device_id, ts, seq) with the second pods' rows
    of ``source`` (a table or subquery using ``params``); the number of rows marked.

    Only devices with a counter break are tracked, so a fleet without collisions costs one
    window pass.
    """
    broken = f"""(SELECT * FROM {source} WHERE device_id IN (
        SELECT DISTINCT device_id FROM ({breaks_sql(source, gap_s)})))"""
    streams = template("streams.sql").strip().format(**_values(broken, gap_s))
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE {INTRUDERS} AS WITH {streams} "
        "SELECT device_id, ts, seq FROM streams WHERE intruder",
        params | ALL_TIME,
    )
    counted = conn.execute(f"SELECT count(*) FROM {INTRUDERS}").fetchone()
    return int(counted[0]) if counted else 0
