"""SQL helpers for reading simulator output back, independent of the simulator's code."""

from __future__ import annotations

import duckdb

TRUTH_TYPES = (
    "{'onset_ts': 'TIMESTAMPTZ', 'failure_ts': 'TIMESTAMPTZ',"
    " 'joined_ts': 'TIMESTAMPTZ', 'retired_ts': 'TIMESTAMPTZ'}"
)
HEALTHY = """(SELECT r.* FROM rows r JOIN truth t USING (device_id)
              WHERE t.fault_type = 'none' AND t.profile = 'normal')"""


def sessionise(db: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    """Rows of ``source`` with gap to the previous sample, seq step, state and session number."""
    db.execute(f"""
        CREATE OR REPLACE TABLE {target} AS
        SELECT *, sum(new) OVER (PARTITION BY device_id ORDER BY timestamp) AS session
        FROM (
            SELECT *,
                   epoch(timestamp) - epoch(lag(timestamp) OVER w) AS dt,
                   seq - lag(seq) OVER w AS dseq,
                   lag(battery_level) OVER w AS previous_battery,
                   coalesce(epoch(timestamp) - epoch(lag(timestamp) OVER w) > 120, true)::int
                       AS new,
                   CASE WHEN current_amp <= 0.5 THEN 'OFF' WHEN current_amp <= 2.0 THEN 'STANDBY'
                        WHEN current_amp <= 4.5 THEN 'SPIN' ELSE 'DRILL' END AS state
            FROM {source}
            WINDOW w AS (PARTITION BY device_id ORDER BY timestamp)
        )
    """)
