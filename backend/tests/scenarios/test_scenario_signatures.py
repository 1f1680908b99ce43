"""Faults show in varied ways, and the ways truth_faults.csv names show in the telemetry."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from app.scenarios import FAMILIES
from tests.scenarios.conftest import Run

SIGNS = {
    "motor": {"current_up", "current_down", "idle_current", "noise", "stalls", "intermittent"},
    "battery": {"capacity_fade", "load_sag"},
    "gps": {"fix_loss", "jitter", "jumps", "frozen"},
    "radio": {"losses", "bursts"},
}


@pytest.fixture(scope="module")
def runs(scenario_run: Callable[..., Run]) -> list[Run]:
    return [scenario_run(family) for family in FAMILIES]


def _faults(runs: list[Run]) -> pd.DataFrame:
    frames = [
        pd.read_csv(run.folder / "truth_faults.csv", dtype=str, keep_default_na=False).merge(
            run.devices, on=["device_id", "fault_type"]
        )
        for run in runs
    ]
    return pd.concat(frames, ignore_index=True)


def test_faults_file_describes_every_faulty_pod_once(runs: list[Run]) -> None:
    for run in runs:
        details = pd.read_csv(run.folder / "truth_faults.csv", dtype=str, keep_default_na=False)
        faulty = run.devices[run.devices["fault_type"] != "none"]
        assert sorted(details["device_id"]) == sorted(faulty["device_id"])
        merged = details.merge(faulty, on="device_id", suffixes=("", "_truth"))
        assert (merged["fault_type"] == merged["fault_type_truth"]).all()
        for kind, signs in zip(details["fault_type"], details["signs"], strict=True):
            assert signs, "every fault shows somehow"
            assert set(signs.split("+")) <= SIGNS[kind]
        assert set(details["clock"]) <= {"calendar", "usage"}


def test_a_fault_type_has_many_signatures_and_shapes(runs: list[Run]) -> None:
    faults = _faults(runs)
    for kind in ("motor", "gps"):
        assert faults.loc[faults["fault_type"] == kind, "signs"].nunique() >= 3, kind
    assert faults["shape"].nunique() >= 4
    assert faults["clock"].nunique() == 2
    assert faults["ramp_days"].astype(float).max() > 10 * faults["ramp_days"].astype(float).min()


def test_a_failed_gps_receiver_gives_no_fix(runs: list[Run]) -> None:
    checked = 0
    for run in runs:
        failed = run.devices[
            (run.devices["fault_type"] == "gps") & (run.devices["failure_ts"] != "")
        ]
        rows = run.rows.merge(failed[["device_id", "failure_ts"]], on="device_id")
        after = rows[rows["ts"] >= pd.to_datetime(rows["failure_ts"], utc=True)]
        assert after["gps_lat"].isna().all()
        checked += after["device_id"].nunique()
    assert checked >= 2


def test_rising_current_shows_before_a_motor_fails(runs: list[Run]) -> None:
    ratios = []
    for run in runs:
        details = pd.read_csv(run.folder / "truth_faults.csv", dtype=str, keep_default_na=False)
        rising = details[details["signs"].str.contains("current_up")]
        devices = run.devices.merge(rising[["device_id"]], on="device_id")
        devices = devices[(devices["onset_ts"] != "") & (devices["failure_ts"] != "")]
        for pod in devices.itertuples():
            onset, failure = pd.Timestamp(pod.onset_ts), pd.Timestamp(pod.failure_ts)
            rows = run.rows[
                (run.rows["device_id"] == pod.device_id) & (run.rows["current_amp"] > 4.5)
            ]
            healthy = rows[rows["ts"] < onset]["current_amp"]
            late_from = max(onset, failure - pd.Timedelta(days=1))
            late = rows[rows["ts"].between(late_from, failure, inclusive="left")]["current_amp"]
            if len(healthy) >= 20 and len(late) >= 20:
                ratios.append(late.median() / healthy.median())
    assert len(ratios) >= 3
    assert pd.Series(ratios).median() > 1.03
