"""The daily evidence SQL against values worked out by hand from known telemetry rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from app.ml.preprocessing.evidence import stream_breaks_sql
from app.ml.preprocessing.feature_engineering import MLFeatureService
from tests.ml.feature_helpers import insert_rows, new_store, quiet_settings, session_rows

DAY = datetime(2025, 7, 7, 8, 0)


def extract(
    tmp_path: Path, rows: list[tuple[object, ...]]
) -> tuple[pd.DataFrame, MLFeatureService]:
    store = new_store(tmp_path / "t.duckdb")
    insert_rows(store, rows)
    service = MLFeatureService(store, quiet_settings(tmp_path))
    return service.extract().frame, service


def day_of(frame: pd.DataFrame, device: str, when: datetime = DAY) -> pd.Series:
    rows = frame[(frame["device_id"] == device) & (frame["day"] == pd.Timestamp(when.date()))]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_second_pod_under_one_id_is_left_out_and_reported(tmp_path: Path) -> None:
    own = session_rows("d1", DAY, [6.0] * 40, seq0=1000, battery=70, gps=(52.55, 13.12))
    other = session_rows(
        "d1",
        DAY + timedelta(minutes=5, seconds=6),
        [7.0] * 12,
        seq0=200,
        battery=40,
        gps=(52.35, 13.47),
    )
    frame, service = extract(tmp_path, own + other)
    row = day_of(frame, "d1")
    assert row["samples"] == 40  # only the device's own pod
    assert row["battery_min"] == 70
    with service.store.connect() as conn:  # type: ignore[union-attr]
        episodes = service.collisions(conn, DAY + timedelta(hours=2), 30)
    assert len(episodes) == 1
    episode = episodes.iloc[0]
    assert episode["intruder_rows"] == 12
    assert (episode["intruder_seq_from"], episode["intruder_seq_to"]) == (200, 211)
    assert episode["distance_m"] == pytest.approx(33_000, rel=0.1)  # about 33 km apart


def test_counter_breaks_are_where_the_second_pod_interleaves(tmp_path: Path) -> None:
    own = session_rows("d1", DAY, [6.0] * 40, seq0=1000)
    other = session_rows("d1", DAY + timedelta(minutes=5, seconds=6), [7.0] * 12, seq0=200)
    alone = session_rows("d2", DAY, [6.0] * 40, seq0=1000)
    _, service = extract(tmp_path, own + other + alone)
    bounds = {"as_of": DAY + timedelta(hours=2), "read_start": DAY - timedelta(hours=1)}
    with service.store.connect() as conn:  # type: ignore[union-attr]
        breaks = conn.execute(stream_breaks_sql(service.config), bounds).df()
    first, last = other[0][0], other[-1][0]
    # each of the 12 intruding rows, and the own row after each, breaks the counter
    assert (len(breaks), set(breaks["device_id"])) == (24, {"d1"})
    assert breaks["ts"].between(first, last + timedelta(seconds=30)).all()


def test_one_pod_with_a_counter_jump_is_not_a_collision(tmp_path: Path) -> None:
    first = session_rows("d1", DAY, [6.0] * 20, seq0=1)
    after = session_rows("d1", DAY + timedelta(minutes=10), [6.0] * 20, seq0=50_000)
    frame, service = extract(tmp_path, first + after)
    assert day_of(frame, "d1")["samples"] == 40
    with service.store.connect() as conn:  # type: ignore[union-attr]
        assert service.collisions(conn, DAY + timedelta(hours=2), 30).empty


def test_lost_samples_are_counted_from_the_counter_even_across_a_long_gap(tmp_path: Path) -> None:
    # 30 samples, then 20 sent but never received (10 minutes), then 30 more
    rows = session_rows("d1", DAY, [6.0] * 80, skip=set(range(30, 50)))
    frame, _ = extract(tmp_path, rows)
    row = day_of(frame, "d1")
    assert (row["samples"], row["lost"]) == (60, 20)
    assert row["lost_share"] == pytest.approx(20 / 80)


def test_motor_day_measures(tmp_path: Path) -> None:
    amps = [6.0, 7.0, 8.0, 0.3, 3.0, 3.5, 6.0, 0.2, 2.5, 6.5]
    frame, _ = extract(tmp_path, session_rows("d1", DAY, amps))
    row = day_of(frame, "d1")
    drilling = [a for a in amps if a > 4.5]
    spinning = [a for a in amps if 2.0 < a <= 4.5]
    assert row["drill_samples"] == len(drilling)
    assert row["amp_median"] == pytest.approx(pd.Series(drilling).median())
    assert row["spin_median"] == pytest.approx(pd.Series(spinning).median())
    # a stall: a drilling sample followed by one at or below 0.5 A (twice here), out of
    # every drilling sample that has a next one
    followed = [a for a in amps[:-1] if a > 4.5]
    assert (row["stalls"], row["stall_chances"]) == (2, len(followed))


def test_gps_evidence_counts_only_sessions_with_a_fix(tmp_path: Path) -> None:
    open_sky = session_rows("d1", DAY, [6.0] * 20, skip=None)
    partial = [
        (ts, dev, seq, amp, None, None, batt) if i % 4 == 0 else (ts, dev, seq, amp, lat, lon, batt)
        for i, (ts, dev, seq, amp, lat, lon, batt) in enumerate(
            session_rows("d1", DAY + timedelta(hours=2), [6.0] * 20, seq0=100)
        )
    ]
    basement = session_rows("d1", DAY + timedelta(hours=4), [6.0] * 20, seq0=200, gps=None)
    frame, _ = extract(tmp_path, open_sky + partial + basement)
    row = day_of(frame, "d1")
    assert row["fix_session_samples"] == 40  # the basement session has no fix at all
    assert row["fixless_samples"] == 5
    assert row["fixless_share"] == pytest.approx(5 / 40)


def test_a_frozen_position_is_the_very_same_fix_again(tmp_path: Path) -> None:
    moving = [
        (ts, dev, seq, amp, 52.5 + i * 1e-5, 13.4, batt)
        for i, (ts, dev, seq, amp, _, _, batt) in enumerate(session_rows("d1", DAY, [6.0] * 10))
    ]
    stuck = [  # moves for 4 samples, then repeats its last fix 5 times
        (ts, dev, seq, amp, 52.6 + min(i, 4) * 1e-5, 13.4, batt)
        for i, (ts, dev, seq, amp, _, _, batt) in enumerate(
            session_rows("d1", DAY + timedelta(hours=2), [6.0] * 10, seq0=100)
        )
    ]
    repeated = stuck[3]  # a sample received twice is not a frozen receiver
    frame, _ = extract(tmp_path, moving + stuck + [repeated])
    row = day_of(frame, "d1")
    assert row["fix_steps"] == 9 + 9 + 1
    assert row["frozen_steps"] == 5
    assert row["frozen_rate"] == pytest.approx(5 / 19)


def test_expected_fixless_share_comes_from_the_other_pods_at_the_place(tmp_path: Path) -> None:
    rows = []
    for n, device in enumerate(("a", "b", "c")):  # three pods lose half their fixes there
        session = session_rows(device, DAY + timedelta(minutes=n), [6.0] * 40, seq0=1000 * n)
        rows += [r if i % 2 else (*r[:4], None, None, r[6]) for i, r in enumerate(session)]
    rows += session_rows("d", DAY, [6.0] * 40, seq0=9000)  # the fourth keeps its fix
    frame, _ = extract(tmp_path, rows)
    prior = 200 * 0.01  # pseudo-samples of open sky at an unknown place
    expected = (60 + prior) / (120 + 200)  # what a, b, c met there
    assert day_of(frame, "d")["expected_fixless_share"] == pytest.approx(expected, rel=1e-6)


def test_battery_drain_leaves_out_charging(tmp_path: Path) -> None:
    levels = [80, 79, 79, 78, 95, 95, 94, 93]  # charged from 78 to 95 mid-session
    rows = [
        (DAY + timedelta(seconds=30 * i), "d1", i + 1, 6.0, 52.5, 13.4, level)
        for i, level in enumerate(levels)
    ]
    frame, _ = extract(tmp_path, rows)
    row = day_of(frame, "d1")
    assert row["drop_pct"] == 4.0  # 80->78 and 95->93; the charging step does not count
    assert row["drop_hours"] == pytest.approx(6 * 30 / 3600)
    assert pd.isna(row["charged_level"])  # a top-up inside a session is no full charge


def test_a_full_charge_is_a_rise_after_a_pause_long_enough_to_charge(tmp_path: Path) -> None:
    """Higher after 3 h off: a full charge; higher after a 2 h break: a top-up."""
    starts = {"d1": (3 * 3600, [70, 69, 97, 96]), "d2": (2 * 3600, [70, 69, 90, 89])}
    rows = [
        (
            DAY + timedelta(seconds=30 * i + (pause if i >= 2 else 0)),
            device,
            i + 1,
            6.0,
            52.5,
            13.4,
            level,
        )
        for device, (pause, levels) in starts.items()
        for i, level in enumerate(levels)
    ]
    frame, _ = extract(tmp_path, rows)
    assert day_of(frame, "d1")["charged_level"] == 97
    assert pd.isna(day_of(frame, "d2")["charged_level"])
