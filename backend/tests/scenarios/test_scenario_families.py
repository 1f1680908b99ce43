"""Each family's special feature, checked from its files with an independent computation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from tests.scenarios.conftest import Run

Runs = Callable[..., Run]


def _healthy(run: Run, profile: str) -> set[str]:
    devices = run.devices
    chosen = devices[(devices["profile"] == profile) & (devices["fault_type"] == "none")]
    return set(chosen["device_id"])


def _sessions_from_rows(rows: pd.DataFrame, gap_s: int = 420) -> pd.DataFrame:
    """Sessions recomputed from rows: a new one after a gap; in-use time from the seq span."""
    rows = rows.sort_values(["device_id", "ts"])
    gap = rows.groupby("device_id")["ts"].diff().dt.total_seconds()
    rows = rows.assign(session=(gap.isna() | (gap > gap_s)).cumsum())
    sessions = rows.groupby("session").agg(
        device_id=("device_id", "first"),
        start=("ts", "min"),
        first_seq=("seq", "min"),
        last_seq=("seq", "max"),
        first_level=("battery_level", "first"),
        last_level=("battery_level", "last"),
    )
    sessions["hours"] = (sessions["last_seq"] - sessions["first_seq"] + 1) * 30 / 3600
    sessions["day"] = sessions["start"].dt.date
    return sessions


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: float, lon2: float) -> np.ndarray:
    north = (lat1 - lat2) * 111.32
    east = (lon1 - lon2) * 111.32 * np.cos(np.radians(52.5))
    return np.hypot(north, east)


def _progressions(rows: pd.DataFrame) -> int:
    """How many seq counters it takes to explain rows: one pod sends at most every 30 s."""
    lasts: list[tuple[pd.Timestamp, int]] = []
    for ts, seq in zip(rows["ts"], rows["seq"], strict=True):
        fits = [
            i
            for i, (last_ts, last_seq) in enumerate(lasts)
            if seq > last_seq and (ts - last_ts).total_seconds() >= 30 * (seq - last_seq)
        ]
        if fits:
            best = max(fits, key=lambda i: lasts[i][1])
            lasts[best] = (ts, seq)
        else:
            lasts.append((ts, seq))
    return len(lasts)


def test_collisions_file_matches_two_seq_progressions(scenario_run: Runs) -> None:
    run = scenario_run("collisions")
    rows = run.rows.sort_values(["ts", "seq"])
    episodes = run.collisions
    assert len(episodes) >= 3
    interleaved = 0
    for episode in episodes.itertuples():
        pod = rows[rows["device_id"] == episode.device_id]
        inside = pod[pod["ts"].between(episode.start_ts, episode.end_ts)]
        # The twin is heard from the first to the last moment of its episode.
        assert episode.start_ts in set(inside["ts"])
        assert episode.end_ts in set(inside["ts"])
        count = _progressions(inside)
        assert count in (1, 2), "the owner's counter and the twin's, nothing else"
        if count == 2:
            assert not inside["seq"].is_monotonic_increasing
            interleaved += 1
    # Only radio losses can hide the owner while its twin reports.
    assert interleaved >= 0.75 * len(episodes)
    far = []
    for episode in episodes.itertuples():
        inside = rows[
            (rows["device_id"] == episode.device_id)
            & rows["ts"].between(episode.start_ts, episode.end_ts)
        ].dropna(subset=["gps_lat"])
        twin = inside[inside["ts"] == episode.start_ts].iloc[0]
        far.append(
            _km(
                inside["gps_lat"].to_numpy(),
                inside["gps_lon"].to_numpy(),
                float(twin["gps_lat"]),
                float(twin["gps_lon"]),
            ).max()
        )
    assert np.median(far) > 10.0, "twins work far away"


def test_outside_collisions_each_pod_counts_up(scenario_run: Runs) -> None:
    run = scenario_run("collisions")
    rows = run.rows.sort_values(["device_id", "ts"])
    inside = pd.Series(False, index=rows.index)
    for episode in run.collisions.itertuples():
        inside |= (rows["device_id"] == episode.device_id) & rows["ts"].between(
            episode.start_ts - pd.Timedelta(seconds=30), episode.end_ts + pd.Timedelta(seconds=30)
        )
    outside = rows[~inside]
    assert (outside.groupby("device_id")["seq"].diff().dropna() > 0).all()
    assert inside.any()


def test_no_fix_sites_deny_a_fix_to_every_pod_there(scenario_run: Runs) -> None:
    run = scenario_run("no_fix_sites")
    sessions = run.sessions.merge(run.sites[["site_id", "no_fix"]], on="site_id")
    rows = run.rows.sort_values("ts")
    joined = pd.merge_asof(
        rows,
        sessions.sort_values("start_ts"),
        left_on="ts",
        right_on="start_ts",
        by="device_id",
        direction="backward",
    )
    joined = joined[joined["ts"] <= joined["end_ts"]]
    at_no_fix = joined[joined["no_fix"]]
    assert at_no_fix["device_id"].nunique() >= 3, "several pods work at no-fix sites"
    assert at_no_fix["gps_lat"].isna().all()
    assert at_no_fix["gps_lon"].isna().all()
    open_sites = joined[~joined["no_fix"]]
    assert open_sites["gps_lat"].notna().mean() > 0.8
    days = at_no_fix.groupby("device_id")["ts"].agg(lambda ts: ts.dt.date.nunique())
    assert (
        days < joined.groupby("device_id")["ts"].agg(lambda ts: ts.dt.date.nunique())[days.index]
    ).all(), "pods also work at open sites on other days"


def test_heavy_users_drill_three_to_six_hours_a_day(scenario_run: Runs) -> None:
    run = scenario_run("heavy_users")
    sessions = _sessions_from_rows(run.rows)
    daily = sessions.groupby(["device_id", "day"])["hours"].sum()
    heavy = daily[daily.index.get_level_values(0).isin(_healthy(run, "heavy_user"))]
    light = daily[daily.index.get_level_values(0).isin(_healthy(run, "light_user"))]
    normal = daily[daily.index.get_level_values(0).isin(_healthy(run, "normal"))]
    assert len(heavy) > 50
    assert len(light) > 20
    assert heavy.between(2.9, 6.1).mean() > 0.95
    assert light.le(0.3).mean() > 0.95
    assert heavy.median() > 2 * normal.median()


def test_heavy_users_drain_their_pod_battery_faster_per_day(scenario_run: Runs) -> None:
    run = scenario_run("heavy_users")
    sessions = _sessions_from_rows(run.rows)
    sessions["used"] = (sessions["first_level"] - sessions["last_level"]).clip(lower=0)
    used = sessions.groupby(["device_id", "day"])["used"].sum().groupby("device_id").median()
    heavy = used[used.index.isin(_healthy(run, "heavy_user"))]
    normal = used[used.index.isin(_healthy(run, "normal"))]
    assert heavy.median() > 2 * normal.median()


def test_thin_days_hold_one_to_ten_samples(scenario_run: Runs) -> None:
    run = scenario_run("thin_days")
    per_day = run.rows.groupby(["device_id", run.rows["ts"].dt.date]).size()
    thin = per_day.le(10).groupby(level=0).mean()
    carriers = thin[thin.index.isin(_healthy(run, "thin_days"))].median()
    ordinary = thin[thin.index.isin(_healthy(run, "normal"))].median()
    assert carriers > 0.15
    assert carriers > 2 * ordinary


def test_lifecycle_pods_join_leave_and_take_vacations(scenario_run: Runs) -> None:
    run = scenario_run("lifecycle")
    devices = run.devices.set_index("device_id")
    spans = run.rows.groupby("device_id")["ts"].agg(["min", "max"])
    new = devices[devices["profile"] == "new_pod"]
    retired = devices[devices["profile"] == "retired_pod"]
    assert len(new)
    assert len(retired)
    start = pd.Timestamp(run.scenario["start"], tz="UTC")
    assert (pd.to_datetime(new["joined_ts"], utc=True) > start).all()
    seen_new = spans.index.intersection(new.index)
    assert (
        spans.loc[seen_new, "min"] >= pd.to_datetime(new.loc[seen_new, "joined_ts"], utc=True)
    ).all()
    end = start + pd.Timedelta(days=run.scenario["days"])
    away = run.rows[run.rows["device_id"].isin(_healthy(run, "vacation"))]
    assert away["device_id"].nunique() >= 2
    for _, pod in away.groupby("device_id"):
        moments = pd.concat([pd.Series([start]), pod["ts"].sort_values(), pd.Series([end])])
        assert moments.diff().max() >= pd.Timedelta(days=7), "a vacation of a week or more"


def test_slow_wear_ramps_last_weeks(scenario_run: Runs) -> None:
    run = scenario_run("slow_wear")
    devices = run.devices
    assert set(devices["fault_type"]) <= {"none", "motor", "battery"}
    both = devices[(devices["onset_ts"] != "") & (devices["failure_ts"] != "")]
    ramp = pd.to_datetime(both["failure_ts"]) - pd.to_datetime(both["onset_ts"])
    assert len(ramp)
    assert (ramp >= pd.Timedelta(days=14)).all()
    daily = run.daily.merge(devices, on="device_id")
    battery = daily[daily["fault_type"] == "battery"]
    partly = battery[(battery["battery"] > 0) & (battery["battery"] < 1)]
    assert partly.groupby("device_id").size().median() >= 20, "weeks of partial condition"


def test_sudden_failures_give_at_most_five_days_of_warning(scenario_run: Runs) -> None:
    devices = scenario_run("sudden").devices
    both = devices[(devices["onset_ts"] != "") & (devices["failure_ts"] != "")]
    warning = pd.to_datetime(both["failure_ts"]) - pd.to_datetime(both["onset_ts"])
    assert len(warning) >= 3
    assert (warning <= pd.Timedelta(days=5, minutes=1)).all()
    assert (warning < pd.Timedelta(hours=6)).any(), "some come with almost no warning"


def test_silent_failures_and_ordinary_silences(scenario_run: Runs) -> None:
    run = scenario_run("silent_failure")
    devices = run.devices
    faulty = devices[devices["fault_type"] != "none"]
    assert (faulty["silent_after_failure"] == "true").all()
    assert set(faulty["fault_type"]) <= {"motor", "battery", "radio"}
    last = run.rows.groupby("device_id")["ts"].max()
    end = pd.Timestamp(run.scenario["start"], tz="UTC") + pd.Timedelta(days=run.scenario["days"])
    idle = _healthy(run, "idle_weeks")
    quiet = [
        d for d in idle if last.get(d, pd.NaT) is pd.NaT or end - last[d] > pd.Timedelta(days=7)
    ]
    assert quiet, "some healthy idle pods stay silent until the end"
    used = run.sessions[run.sessions["device_id"].isin(_healthy(run, "flat_battery"))]
    flat = used[used["sent"] == 0]
    assert len(flat), "flat pods miss sessions their machine worked"
    rows = run.rows.set_index("device_id")
    for session in flat.head(20).itertuples():
        if session.device_id in rows.index:
            ts = rows.loc[[session.device_id], "ts"]
            assert not ts.between(session.start_ts, session.end_ts).any()


def test_cold_spell_raises_current_and_lowers_battery_reversibly(scenario_run: Runs) -> None:
    run = scenario_run("cold_weeks", seed=3)
    start = pd.Timestamp(run.scenario["start"], tz="UTC")
    cold_from = start + pd.Timedelta(days=run.param("cold_start_day") + 3)
    cold_to = start + pd.Timedelta(days=run.param("cold_start_day") + run.param("cold_days") - 3)
    rows = run.rows[run.rows["device_id"].isin(_healthy(run, "cold_weeks"))]
    cold = rows["ts"].between(cold_from, cold_to)
    warm = rows["ts"] < cold_from - pd.Timedelta(days=5)
    after = rows["ts"] > cold_to + pd.Timedelta(days=6)
    drilling = rows["current_amp"] > 4.5

    def by_pod(mask: pd.Series, column: str, q: float) -> pd.Series:
        return rows[mask].groupby("device_id")[column].quantile(q)

    amps_cold, amps_warm = (
        by_pod(cold & drilling, "current_amp", 0.5),
        by_pod(warm & drilling, "current_amp", 0.5),
    )
    assert (amps_cold / amps_warm).median() > 1.01
    full_cold, full_warm = by_pod(cold, "battery_level", 0.9), by_pod(warm, "battery_level", 0.9)
    full_after = by_pod(after, "battery_level", 0.9)
    assert (full_warm - full_cold).median() > 3
    assert (full_after - full_cold).median() > 3, "the cell recovers when it warms up"
