"""The materialised sessions table, checked against independent pandas computations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from app.storage.duckdb import SCHEMA
from app.storage.sessions import (
    ensure_sessions_current,
    refresh_sessions,
    refresh_sessions_for_ingest,
    stored_gap,
)
from tests.pods import with_sessions

LOAD_SAMPLE = """
INSERT INTO telemetry
SELECT CAST(timestamp AS TIMESTAMP), device_id, seq, current_amp, gps_lat, gps_lon,
       battery_level, nullif(ble_id, ''), 1
FROM read_csv($path, header = true, types = {'timestamp': 'VARCHAR', 'ble_id': 'VARCHAR'})
"""
T0 = datetime(2025, 7, 1, 8, 0, 0)


@pytest.fixture
def conn() -> Iterator[duckdb.DuckDBPyConnection]:
    """An empty in-memory store with the telemetry schema."""
    connection = duckdb.connect()
    connection.execute(SCHEMA)
    yield connection
    connection.close()


@pytest.fixture
def sample_conn(conn: duckdb.DuckDBPyConnection, sample_csv: Path) -> duckdb.DuckDBPyConnection:
    """The field sample loaded and sessionised with the default 120 s gap."""
    conn.execute(LOAD_SAMPLE, {"path": str(sample_csv)})
    refresh_sessions(conn, 120, None)
    return conn


@pytest.fixture
def frame(sample_csv: Path) -> pd.DataFrame:
    """The field sample read by pandas, sorted by device and time."""
    df = pd.read_csv(sample_csv, parse_dates=["timestamp"])
    return df.sort_values(["device_id", "timestamp"]).reset_index(drop=True)


def pandas_sessions(df: pd.DataFrame, gap_s: int) -> pd.DataFrame:
    """Independent sessionisation: each pod's new session after a gap over ``gap_s``."""
    return (
        with_sessions(df, gap_s)
        .groupby("run")
        .agg(
            device_id=("device_id", "first"),
            start=("timestamp", "min"),
            end=("timestamp", "max"),
            samples=("seq", "size"),
            drill=("current_amp", lambda s: int((s > 4.5).sum())),
            tagged=("ble_id", lambda s: bool(s.notna().any())),
            battery_min=("battery_level", "min"),
            avg_current=("current_amp", "mean"),
            centroid_lat=("gps_lat", "mean"),
            second_pod=("second_pod", "first"),
        )
    )


def sessions_table(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return conn.execute("SELECT * FROM sessions ORDER BY device_id, start_ts").df()


def one(conn: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    """The single row of a query."""
    row = conn.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def insert_rows(conn: duckdb.DuckDBPyConnection, rows: list[tuple[object, ...]]) -> None:
    """Rows of (device_id, seconds after T0, seq, current, lat, lon, battery, ble_id)."""
    conn.executemany(
        "INSERT INTO telemetry VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
        [(T0 + timedelta(seconds=s), d, q, a, la, lo, b, t) for d, s, q, a, la, lo, b, t in rows],
    )


def steady(
    device: str, seqs: list[int], start_s: int = 0, amp: float = 5.0
) -> list[tuple[object, ...]]:
    """Samples every 30 s for the given seq numbers (seq k at start_s + 30 k)."""
    return [(device, start_s + 30 * q, q, amp, 52.0, 13.0, 80, None) for q in seqs]


def test_field_sample_has_100_sessions_split_31_43_26(
    sample_conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame
) -> None:
    counts = dict(
        sample_conn.execute("SELECT device_id, count(*) FROM sessions GROUP BY ALL").fetchall()
    )
    assert counts == {"7a3f55e1": 31, "9f8c2a7d": 43, "b4e1d9c2": 26}  # 41 + 2 of a second pod
    assert counts == pandas_sessions(frame, 120)["device_id"].value_counts().to_dict()


def test_field_sample_figures(sample_conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    hours, tagged_pct, short, missing_gps, low_rows = one(
        sample_conn,
        "SELECT sum(drilling_s) / 3600, 100 * avg(tagged::INT), count(*) FILTER (duration_s < 300),"
        " sum(missing_gps), sum(low_battery_samples) FROM sessions",
    )
    assert round(hours, 2) == 19.21
    assert hours == pytest.approx((frame["current_amp"] > 4.5).sum() * 30 / 3600)
    assert round(tagged_pct, 2) == 40.00
    assert (short, missing_gps, low_rows) == (0, 0, 0)
    assert int((frame["battery_level"] < 20).sum()) == 0


def test_session_aggregates_match_pandas(
    sample_conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame
) -> None:
    got = sessions_table(sample_conn)
    want = pandas_sessions(frame, 120).sort_values(["device_id", "start"]).reset_index(drop=True)
    assert list(got["start_ts"]) == [t.tz_localize(None) for t in want["start"]]
    assert list(got["end_ts"]) == [t.tz_localize(None) for t in want["end"]]
    assert list(got["samples"]) == list(want["samples"])
    assert list(got["drill_samples"]) == list(want["drill"])
    assert list(got["tagged"]) == list(want["tagged"])
    assert list(got["battery_min"]) == list(want["battery_min"])
    assert got["centroid_lat"].tolist() == pytest.approx(want["centroid_lat"].tolist())
    assert got["session_id"].str.endswith("-pod2").tolist() == want["second_pod"].tolist()
    assert got["avg_current"].tolist() == pytest.approx(want["avg_current"].tolist())
    assert (got["drilling_s"] == got["drill_samples"] * 30).all()
    first = got.iloc[0]
    assert first["session_id"] == f"{first['device_id']}-{int(first['start_ts'].timestamp())}"


def test_a_second_pod_under_the_same_id_gets_sessions_of_its_own(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    own = steady("a", list(range(21)))  # 10 minutes, battery 80 at 52.0 N
    second = [("a", 66 + 30 * q, 900 + q, 3.0, 52.3, 13.0, 41, None) for q in range(6)]
    insert_rows(conn, own + second)
    refresh_sessions(conn, 120, None)
    rows = conn.execute(
        "SELECT session_id, samples, lost_samples, battery_min, battery_end, centroid_lat "
        "FROM sessions ORDER BY session_id"
    ).fetchall()
    start = int(T0.timestamp())
    assert rows == [
        (f"a-{start}", 21, 0, 80, 80, pytest.approx(52.0)),
        (f"a-{start + 66}-pod2", 6, 0, 41, 41, pytest.approx(52.3)),
    ]


def test_interleaved_seq_streams_are_not_lost_samples(
    sample_conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame
) -> None:
    step = frame.groupby("device_id")["timestamp"].diff().dt.total_seconds()
    assert set(step[step <= 120].unique()) == {6.0, 24.0, 30.0}  # the data quirk is present
    lost, expected, samples = one(
        sample_conn, "SELECT sum(lost_samples), sum(expected_samples), sum(samples) FROM sessions"
    )
    assert (lost, expected, samples) == (0, len(frame), len(frame))


def test_operating_state_thresholds(conn: duckdb.DuckDBPyConnection) -> None:
    amps = [0.0, 0.5, 0.51, 2.0, 2.01, 4.5, 4.51, 30.0]
    insert_rows(conn, [("d1", 30 * i, i, a, 52.0, 13.0, 80, None) for i, a in enumerate(amps)])
    refresh_sessions(conn, 120, None)
    row = conn.execute(
        "SELECT off_samples, standby_samples, spin_samples, drill_samples, drilling_s FROM sessions"
    ).fetchone()
    assert row == (2, 2, 2, 2, 60)


def test_lost_samples_inside_a_session_and_gaps_between_sessions(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    # seq 5, 6 missing (90 s step, same session); seq 10-14 missing (180 s > 120 s: new session)
    seqs = [q for q in range(20) if q not in (5, 6, 10, 11, 12, 13, 14)]
    insert_rows(conn, steady("d1", seqs))
    refresh_sessions(conn, 120, None)
    rows = conn.execute(
        "SELECT samples, lost_samples, expected_samples FROM sessions ORDER BY start_ts"
    ).fetchall()
    assert rows == [(8, 2, 10), (5, 0, 5)]


def test_seq_reset_inside_a_session_is_not_a_loss(conn: duckdb.DuckDBPyConnection) -> None:
    rows = steady("d1", list(range(10)))
    rows += [("d1", 300 + 30 * q, q, 5.0, 52.0, 13.0, 80, None) for q in range(5)]
    insert_rows(conn, rows)
    refresh_sessions(conn, 120, None)
    assert conn.execute("SELECT count(*), sum(lost_samples) FROM sessions").fetchone() == (1, 0)


def test_session_columns_for_tags_gps_and_battery(conn: duckdb.DuckDBPyConnection) -> None:
    insert_rows(
        conn,
        [
            ("d1", 0, 1, 5.0, 52.0, 13.0, 25, None),
            ("d1", 30, 2, 5.0, None, None, 19, "AA:01"),
            ("d1", 60, 3, 1.0, 54.0, 15.0, 18, "AA:00"),
            ("d1", 90, 4, 1.0, None, None, 21, "AA:01"),
        ],
    )
    refresh_sessions(conn, 120, None)
    s = sessions_table(conn).iloc[0]
    assert list(s["ble_ids"]) == ["AA:00", "AA:01"]
    assert bool(s["tagged"])
    assert (s["centroid_lat"], s["centroid_lon"]) == (53.0, 14.0)
    assert (s["last_lat"], s["last_lon"]) == (54.0, 15.0)
    assert s["missing_gps"] == 2
    assert (s["battery_start"], s["battery_end"], s["battery_min"]) == (25, 21, 18)
    assert s["low_battery_samples"] == 2
    assert bool(s["low_battery"])
    assert (s["duration_s"], s["max_current"]) == (90.0, 5.0)


@pytest.mark.parametrize("gap", [10, 3600, 86400])
def test_gap_setting_defines_sessions(
    conn: duckdb.DuckDBPyConnection, sample_csv: Path, frame: pd.DataFrame, gap: int
) -> None:
    conn.execute(LOAD_SAMPLE, {"path": str(sample_csv)})
    refresh_sessions(conn, gap, None)
    count = conn.execute("SELECT count(*) FROM sessions").fetchone()
    assert count == (len(pandas_sessions(frame, gap)),)
    assert stored_gap(conn) == gap


def test_refreshing_some_devices_leaves_the_others(conn: duckdb.DuckDBPyConnection) -> None:
    insert_rows(conn, steady("a", list(range(5))) + steady("b", list(range(5))))
    refresh_sessions(conn, 120, None)
    insert_rows(conn, steady("a", list(range(5, 8))) + steady("b", list(range(5, 8))))
    refresh_sessions(conn, 120, ["a"])
    rows = conn.execute("SELECT device_id, samples FROM sessions ORDER BY 1").fetchall()
    assert rows == [("a", 8), ("b", 5)]


def test_refresh_with_a_changed_gap_rebuilds_every_device(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert_rows(conn, steady("a", [0, 1, 10, 11]) + steady("b", [0, 1, 10, 11]))
    refresh_sessions(conn, 600, None)
    refresh_sessions(conn, 120, ["a"])
    assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (4,)


def test_ensure_sessions_current_rebuilds_only_when_the_gap_changed(
    sample_conn: duckdb.DuckDBPyConnection, frame: pd.DataFrame
) -> None:
    assert ensure_sessions_current(sample_conn, 120) is False
    assert ensure_sessions_current(sample_conn, 86400) is True
    assert sample_conn.execute("SELECT count(*) FROM sessions").fetchone() == (
        len(pandas_sessions(frame, 86400)),
    )
    assert ensure_sessions_current(sample_conn, 86400) is False


def test_ensure_sessions_current_builds_sessions_never_built(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert_rows(conn, steady("a", [0, 1, 2]))
    assert ensure_sessions_current(conn, 120) is True
    assert conn.execute("SELECT count(*), sum(samples) FROM sessions").fetchone() == (1, 3)


def insert_ingest(
    conn: duckdb.DuckDBPyConnection, ingest_id: int, rows: list[tuple[Any, ...]]
) -> None:
    """Rows as in ``insert_rows``, stored under ``ingest_id``."""
    conn.executemany(
        "INSERT INTO telemetry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (T0 + timedelta(seconds=s), d, q, a, la, lo, b, t, ingest_id)
            for d, s, q, a, la, lo, b, t in rows
        ],
    )


def test_ingest_refresh_merges_splits_and_prepends_sessions(
    conn: duckdb.DuckDBPyConnection,
) -> None:
    insert_ingest(conn, 1, steady("a", [10, 11, 12]) + steady("a", [20, 21]) + steady("b", [0]))
    refresh_sessions(conn, 120, None)
    insert_ingest(conn, 2, steady("a", [14, 16, 18]) + steady("a", [0, 1]))  # bridge, prepend
    refresh_sessions_for_ingest(conn, 120, 2)
    rows = conn.execute(
        "SELECT device_id, samples, lost_samples FROM sessions ORDER BY device_id, start_ts"
    ).fetchall()
    # a: seq 0-1 alone; seq 10-21 one run (60 s steps), each 2-step over 60 s loses one
    assert rows == [("a", 2, 0), ("a", 8, 4), ("b", 1, 0)]


def test_ingest_refreshes_in_any_order_equal_a_full_rebuild(
    conn: duckdb.DuckDBPyConnection, sample_csv: Path, frame: pd.DataFrame
) -> None:
    conn.execute(LOAD_SAMPLE, {"path": str(sample_csv)})
    conn.execute("UPDATE telemetry SET ingest_id = 10 + (epoch(ts)::BIGINT // 5000) % 7")
    conn.execute("CREATE TABLE held AS SELECT * FROM telemetry")
    conn.execute("DELETE FROM telemetry")
    for ingest_id in (13, 10, 16, 12, 11, 15, 14):  # time slices interleaved out of order
        conn.execute("INSERT INTO telemetry SELECT * FROM held WHERE ingest_id = ?", [ingest_id])
        refresh_sessions_for_ingest(conn, 120, ingest_id)
    incremental = sessions_table(conn)
    refresh_sessions(conn, 120, None)
    full = sessions_table(conn)
    assert len(incremental) == len(pandas_sessions(frame, 120)) == 100
    pd.testing.assert_frame_equal(incremental, full, check_exact=False)


def test_seq_jumps_at_the_bigint_limits_do_not_overflow(conn: duckdb.DuckDBPyConnection) -> None:
    # stores written before the seq range was checked may hold such rows
    big = 2**63 - 1
    rows = [
        ("old", 0, -big, 5.0, None, None, 80, None),
        ("old", 30, big, 5.0, None, None, 80, None),
    ]
    rows += [("old", 60, 3 * 10**17, 5.0, None, None, 80, None), *steady("fine", [1, 2, 4])]
    insert_rows(conn, rows)
    refresh_sessions(conn, 120, None)
    got = dict(conn.execute("SELECT device_id, lost_samples FROM sessions").fetchall())
    assert got == {"old": 0, "fine": 1}
