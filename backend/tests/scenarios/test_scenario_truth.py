"""Ground truth agrees with itself and with the telemetry, in every family."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from app.scenarios import FAMILIES
from tests.scenarios.conftest import Run

COMPONENTS = ["motor", "battery", "gps", "radio"]


@pytest.fixture(params=list(FAMILIES))
def run(request: pytest.FixtureRequest, scenario_run: Callable[..., Run]) -> Run:
    return scenario_run(request.param)


def _long(run: Run) -> pd.DataFrame:
    """truth_daily as one row per device, day and component, with the device's truth."""
    daily = run.daily.melt(["device_id", "date"], COMPONENTS, "component", "condition")
    return daily.merge(run.devices, on="device_id").sort_values(["device_id", "component", "date"])


def _ts(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column.replace("", None), utc=True)


def test_family_mixes_faulty_and_confounded_healthy_pods(run: Run) -> None:
    devices = run.devices
    faulty = devices["fault_type"] != "none"
    assert 0.18 <= faulty.mean() <= 0.37
    if run.scenario["family"] != "normal":
        assert ((devices["profile"] != "normal") & ~faulty).any()
    if run.scenario["family"] not in ("slow_wear", "silent_failure"):
        assert devices.loc[faulty, "fault_type"].nunique() >= 3


def test_conditions_lie_in_0_1_and_never_recover(run: Run) -> None:
    long = _long(run)
    assert long["condition"].between(0.0, 1.0).all()
    step = long.groupby(["device_id", "component"])["condition"].diff()
    assert (step.dropna() <= 0).all()


def test_components_without_a_fault_stay_exactly_healthy(run: Run) -> None:
    long = _long(run)
    untouched = long[long["component"] != long["fault_type"]]
    assert (untouched["condition"] == 1.0).all()


def test_condition_reaches_zero_on_the_failure_day_and_not_before(run: Run) -> None:
    long = _long(run)
    own = long[(long["component"] == long["fault_type"]) & (long["failure_ts"] != "")]
    assert not own.empty
    failure_day = own["failure_ts"].str[:10]
    assert (own.loc[own["date"] >= failure_day, "condition"] == 0.0).all()
    assert (own.loc[own["date"] < failure_day, "condition"] > 0.0).all()
    unfailed = long[(long["component"] == long["fault_type"]) & (long["failure_ts"] == "")]
    assert (unfailed["condition"] > 0.0).all()


def test_condition_is_untouched_before_onset_and_falls_after(run: Run) -> None:
    long = _long(run)
    own = long[(long["component"] == long["fault_type"]) & (long["onset_ts"] != "")]
    onset_day = own["onset_ts"].str[:10]
    assert (own.loc[own["date"] < onset_day, "condition"] == 1.0).all()
    ended = own[own["failure_ts"] != ""]
    assert (ended.groupby("device_id")["condition"].min() == 0.0).all()


def test_daily_truth_covers_every_day_each_pod_exists(run: Run) -> None:
    first = pd.Timestamp(run.scenario["start"], tz="UTC")
    end = first + pd.Timedelta(days=run.scenario["days"])
    devices = run.devices
    joined = _ts(devices["joined_ts"]).fillna(first)
    retired = _ts(devices["retired_ts"]).fillna(end)
    expected = ((retired - joined) / pd.Timedelta(days=1)).astype(int)
    counts = run.daily.groupby("device_id").size()
    assert (counts.reindex(devices["device_id"]).to_numpy() == expected.to_numpy()).all()
    assert not run.daily.duplicated(["device_id", "date"]).any()


def test_no_rows_after_a_silent_failure(run: Run) -> None:
    devices = run.devices
    silent = devices[(devices["silent_after_failure"] == "true") & (devices["failure_ts"] != "")]
    rows = run.rows.merge(silent[["device_id", "failure_ts"]], on="device_id")
    assert not (rows["ts"] >= _ts(rows["failure_ts"])).any()


def test_no_rows_outside_a_pods_life(run: Run) -> None:
    rows = run.rows.merge(run.devices[["device_id", "joined_ts", "retired_ts"]], on="device_id")
    assert not (rows["ts"] < _ts(rows["joined_ts"])).any()
    assert not (rows["ts"] >= _ts(rows["retired_ts"])).any()


def test_events_fall_inside_the_window(run: Run) -> None:
    first = pd.Timestamp(run.scenario["start"], tz="UTC")
    end = first + pd.Timedelta(days=run.scenario["days"])
    for column in ("onset_ts", "failure_ts", "joined_ts", "retired_ts"):
        stamps = _ts(run.devices[column]).dropna()
        assert stamps.between(first, end, inclusive="left").all(), column
    faulty = run.devices[run.devices["fault_type"] != "none"]
    both = faulty[(faulty["onset_ts"] != "") & (faulty["failure_ts"] != "")]
    assert (both["onset_ts"] < both["failure_ts"]).all()
    assert (run.devices.loc[run.devices["fault_type"] == "none", "onset_ts"] == "").all()


def test_sessions_file_accounts_for_every_pod_row(run: Run) -> None:
    sent = run.sessions.groupby("device_id")["sent"].sum()
    seq_span = run.rows.groupby("device_id")["seq"].agg(["min", "max"])
    twins = run.collisions.groupby("device_id").size()
    rows = run.rows.groupby("device_id").size()
    owners_only = seq_span.index.difference(twins.index)
    # Without collisions every sent sample took one seq: the span equals the samples sent.
    span = seq_span.loc[owners_only, "max"] - seq_span.loc[owners_only, "min"] + 1
    assert (span <= sent.reindex(owners_only)).all()
    assert (rows.reindex(owners_only) <= sent.reindex(owners_only)).all()
    assert np.isclose(rows.sum() / max(sent.sum(), 1), 1.0, atol=0.35)
