"""Healthy simulated devices look like the field sample (figures recomputed from both files)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from tests.simulation.fleet_sql import HEALTHY


def one(db: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """First column of the first row."""
    row = db.execute(sql).fetchone()
    assert row is not None
    return row[0]


def state_figures(db: duckdb.DuckDBPyConnection, rows: str) -> dict[str, tuple[float, ...]]:
    """Per operating state: share of samples, min, max and mean current."""
    result = db.execute(f"""
        SELECT state, count(*) / sum(count(*)) OVER (), min(current_amp), max(current_amp),
               avg(current_amp)
        FROM {rows} GROUP BY state
    """).fetchall()
    return {state: tuple(values) for state, *values in result}


SESSIONS = """(SELECT device_id, session, count(*) AS n, bool_or(ble_id IS NOT NULL) AS tagged,
                      (epoch(max(timestamp)) - epoch(min(timestamp))) / 60 AS minutes
               FROM {rows} GROUP BY ALL)"""


def test_current_per_state_stays_in_the_sample_bands(
    fleet_db: duckdb.DuckDBPyConnection, sample_db: duckdb.DuckDBPyConnection
) -> None:
    ours = state_figures(fleet_db, HEALTHY)
    theirs = state_figures(sample_db, "rows")
    assert set(ours) == set(theirs) == {"STANDBY", "SPIN", "DRILL"}
    for state, (share, low, high, mean) in ours.items():
        s_share, s_low, s_high, s_mean = theirs[state]
        assert share == pytest.approx(s_share, abs=0.05), state
        assert low >= s_low - 0.15, state
        assert high <= s_high + 0.15, state
        assert mean == pytest.approx(s_mean, abs=0.25), state


def test_drill_bursts_alternate_with_spin_like_the_sample(
    fleet_db: duckdb.DuckDBPyConnection, sample_db: duckdb.DuckDBPyConnection
) -> None:
    stay = """SELECT avg((state = lag_state)::int) FROM (
        SELECT state, lag(state) OVER (PARTITION BY device_id, session ORDER BY timestamp) lag_state
        FROM {rows}) WHERE lag_state = 'DRILL'"""
    ours = one(fleet_db, stay.format(rows=HEALTHY))
    theirs = one(sample_db, stay.format(rows="rows"))
    assert ours == pytest.approx(theirs, abs=0.08)


def test_samples_come_every_30_s_with_seq_plus_one_inside_sessions(
    fleet_db: duckdb.DuckDBPyConnection,
) -> None:
    regular = one(fleet_db, f"SELECT avg((dt = 30 AND dseq = 1)::int) FROM {HEALTHY} WHERE new = 0")
    assert regular > 0.99
    assert one(fleet_db, f"SELECT count(*) FROM {HEALTHY} WHERE new = 0 AND dt % 30 <> 0") == 0


def test_seq_carries_on_between_sessions_with_rare_resets(
    fleet_db: duckdb.DuckDBPyConnection,
) -> None:
    steps = fleet_db.execute(f"""
        SELECT count(*) FILTER (WHERE dseq = 1), count(*) FILTER (WHERE seq = 1), count(*)
        FROM {HEALTHY} WHERE new = 1 AND dseq IS NOT NULL
    """).fetchone()
    assert steps is not None
    carried, reset, boundaries = steps
    assert carried / boundaries > 0.95
    assert carried + reset <= boundaries


def test_session_lengths_are_in_the_sample_ballpark(
    fleet_db: duckdb.DuckDBPyConnection, sample_db: duckdb.DuckDBPyConnection
) -> None:
    figures = "SELECT median(minutes), min(minutes), max(minutes) FROM " + SESSIONS
    ours = fleet_db.execute(figures.format(rows=HEALTHY)).fetchone()
    theirs = sample_db.execute(figures.format(rows="rows")).fetchone()
    assert ours is not None
    assert theirs is not None
    assert theirs[0] / 2 <= ours[0] <= theirs[0] * 2
    assert ours[1] >= 5
    assert ours[2] <= 120


def test_tag_shares_match_the_sample(
    fleet_db: duckdb.DuckDBPyConnection, sample_db: duckdb.DuckDBPyConnection
) -> None:
    tagged = "SELECT avg(tagged::int) FROM " + SESSIONS
    empty = "SELECT avg((ble_id IS NULL)::int) FROM {rows}"
    for sql in (tagged, empty):
        ours = one(fleet_db, sql.format(rows=HEALTHY))
        theirs = one(sample_db, sql.format(rows="rows"))
        assert ours == pytest.approx(theirs, abs=0.1)


def test_battery_is_an_integer_percentage_that_drains_in_use(
    fleet_db: duckdb.DuckDBPyConnection,
) -> None:
    assert one(fleet_db, "SELECT min(battery_level) FROM rows") >= 0
    assert one(fleet_db, "SELECT max(battery_level) FROM rows") <= 100
    per_hour = "avg(previous_battery - battery_level) * 120"
    drain = one(fleet_db, f"SELECT {per_hour} FROM {HEALTHY} WHERE new = 0")
    assert 0.5 < drain < 3.0  # percent per operating hour
    healthy_low = one(fleet_db, f"SELECT min(battery_level) FROM {HEALTHY}")
    assert healthy_low >= 40


def test_battery_is_recharged_on_some_nights(fleet_db: duckdb.DuckDBPyConnection) -> None:
    rises = one(
        fleet_db,
        f"""SELECT count(*) FROM (
        SELECT battery_level - lag(battery_level) OVER (PARTITION BY device_id ORDER BY timestamp) d
        FROM {HEALTHY}) WHERE d >= 10""",
    )
    assert rises >= 10


def test_work_happens_mostly_on_weekdays_several_sessions_a_day(
    fleet_db: duckdb.DuckDBPyConnection,
) -> None:
    weekend = one(fleet_db, f"SELECT avg((isodow(timestamp) >= 6)::int) FROM {HEALTHY}")
    assert weekend < 0.08
    per_day = one(
        fleet_db,
        f"""SELECT avg(n) FROM (
        SELECT device_id, timestamp::date, count(DISTINCT session) n
        FROM {HEALTHY} GROUP BY ALL)""",
    )
    assert 2.0 <= per_day <= 5.0


def test_gps_jitters_tens_of_metres_around_sites_that_change(
    fleet_db: duckdb.DuckDBPyConnection, sample_db: duckdb.DuckDBPyConnection
) -> None:
    jitter = """SELECT median(sd) FROM (
        SELECT stddev(gps_lat) * 111320 sd FROM {rows} GROUP BY device_id, session)"""
    ours = one(fleet_db, jitter.format(rows=HEALTHY))
    theirs = one(sample_db, jitter.format(rows="rows"))
    assert theirs / 2 <= ours <= theirs * 2
    spread_m = one(
        fleet_db,
        f"""SELECT min(spread) FROM (
        SELECT device_id,
               greatest(max(lat) - min(lat), (max(lon) - min(lon)) * 0.61) * 111320 spread
        FROM (SELECT device_id, session, avg(gps_lat) lat, avg(gps_lon) lon
              FROM {HEALTHY} GROUP BY ALL) GROUP BY device_id)""",
    )
    assert spread_m > 1000  # every device worked on more than one site
    missing = one(fleet_db, f"SELECT avg((gps_lat IS NULL)::int) FROM {HEALTHY}")
    assert missing < 0.01
