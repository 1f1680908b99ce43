"""The health model on fleets of the independent scenario generator, one family at a time.

Each family is replayed day by day and its confounded healthy pods are checked: a pod at
a site without reception gets no GPS alert, a device with a second pod reporting under
its id is flagged and gets no battery alert, thin days raise nothing, and a pod that
goes silent after wearing gets an offline alert naming the worn part.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from app.ml.evaluation.metrics import ISSUE_FAULT, collision_detection, load_truth
from app.ml.runs.backtest import BacktestConfig, BacktestResult, run_backtest
from app.scenarios import generate_scenario
from tests.ml.service_helpers import isolated

DEVICES, DAYS, SEED = 40, 75, 31


@dataclass(frozen=True)
class Replayed:
    devices: pd.DataFrame
    result: BacktestResult
    collisions: Path


def replay(tmp: Path, family: str) -> Replayed:
    run = generate_scenario(family, DEVICES, DAYS, SEED, tmp / "fleet")
    result = run_backtest(run.telemetry_csv, None, isolated(tmp), BacktestConfig())
    truth = load_truth(run.devices_csv, run.daily_csv)
    return Replayed(truth.devices, result, run.collisions_csv)


def healthy(replayed: Replayed, profile: str) -> set[str]:
    devices = replayed.devices
    chosen = devices[(devices["fault_type"] == "none") & (devices["profile"] == profile)]
    assert len(chosen) >= 3, f"the family should hold healthy {profile} pods"
    return set(chosen["device_id"])


def alerts_on(replayed: Replayed, devices: set[str], issue: str | None = None) -> pd.DataFrame:
    alerts = replayed.result.alerts
    mine = alerts[alerts["device_id"].isin(devices)]
    return mine if issue is None else mine[mine["predicted_issue_type"] == issue]


@pytest.fixture(scope="module")
def no_fix(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    return replay(tmp_path_factory.mktemp("no_fix"), "no_fix_sites")


@pytest.fixture(scope="module")
def collisions(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    return replay(tmp_path_factory.mktemp("collisions"), "collisions")


@pytest.fixture(scope="module")
def thin(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    return replay(tmp_path_factory.mktemp("thin"), "thin_days")


@pytest.fixture(scope="module")
def silent(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    return replay(tmp_path_factory.mktemp("silent"), "silent_failure")


def test_pods_at_sites_without_reception_get_no_gps_alert(no_fix: Replayed) -> None:
    pods = healthy(no_fix, "no_fix_site")
    assert alerts_on(no_fix, pods, "gps").empty
    health = no_fix.result.health
    assert health.loc[health["device_id"].isin(pods), "gps_reliability"].min() >= 70


def test_a_second_pod_under_one_id_is_flagged_and_leaves_the_battery_alone(
    collisions: Replayed,
) -> None:
    total, found, spurious = collision_detection(
        collisions.result.collisions, collisions.collisions
    )
    assert total >= 3
    assert found >= 0.75 * total  # the owner pod may be unheard during some episodes
    assert spurious == 0
    pods = healthy(collisions, "collision")
    assert alerts_on(collisions, pods, "battery").empty


def test_thin_days_raise_nothing(thin: Replayed) -> None:
    assert alerts_on(thin, healthy(thin, "thin_days")).empty


def test_a_pod_silent_after_wear_gets_an_offline_alert_naming_the_worn_part(
    silent: Replayed,
) -> None:
    alerts = silent.result.alerts  # an alert raised on the wear turns "offline" in the silence
    offline = alerts[alerts["last_kind"] == "offline"]
    assert len(offline) >= 1
    fault = dict(zip(silent.devices["device_id"], silent.devices["fault_type"], strict=True))
    for device, issue in zip(offline["device_id"], offline["predicted_issue_type"], strict=True):
        assert ISSUE_FAULT[issue] == fault[device], device  # silent after that part's wear
