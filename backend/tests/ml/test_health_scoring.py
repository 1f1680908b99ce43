"""Health scores on a simulated fleet with known faults, and the guide's calculation."""

from __future__ import annotations

import copy
import io
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from app.core.config import Settings, get_settings
from app.core.errors import BadInput, Conflict, Unavailable
from app.ml.models.health_scoring import HealthModel, HealthScoringService
from app.ml.models.scoring_rules import status_of
from tests.ml.feature_helpers import fleet_features, quiet_settings, simulated_store, with_truth

DEVICES, DAYS, SEED = 40, 30, 5
KEY = ["device_id", "day"]
COMPONENT_OF = {
    "motor": "current_stability",
    "battery": "battery_performance",
    "gps": "gps_reliability",
    "radio": "telemetry_quality",
}


@dataclass(frozen=True)
class Fleet:
    """A simulated fleet's features, its fitted scoring service and scores with truth."""

    frame: pd.DataFrame
    service: HealthScoringService
    scored: pd.DataFrame
    sim: Path


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    """40 devices x 30 days (seed 5), features over the whole window, model fitted on it."""
    tmp = tmp_path_factory.mktemp("health")
    store, sim = simulated_store(tmp, DEVICES, DAYS, SEED)
    settings = quiet_settings(tmp)
    frame = fleet_features(store, settings, DAYS)
    service = HealthScoringService(settings)
    service.fit(frame)
    scores = service.score(frame)
    scored = with_truth(pd.concat([frame[KEY], scores.drop(columns=KEY)], axis=1), sim)
    assert scored[KEY].equals(frame[KEY])  # rows line up, so .loc works on both
    return Fleet(frame, service, scored, sim)


def established(scored: pd.DataFrame) -> pd.DataFrame:
    """Rows measured that day with a baseline of at least three days."""
    return scored[(scored["status"] != "insufficient_data") & (scored["silent_days"] == 0)]


@pytest.mark.usefixtures("env")
def test_the_guides_component_scores_give_83() -> None:
    score = HealthScoringService().calculate_health_score(
        "device_001",
        {"current_stability": 85.0, "battery_performance": 75.0, "gps_reliability": 95.0},
    )
    assert score == 83.0


def test_component_weights_come_from_settings(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURRENT_STABILITY_WEIGHT", "0.5")
    monkeypatch.setenv("BATTERY_PERFORMANCE_WEIGHT", "0.3")
    get_settings.cache_clear()
    features = {"current_stability": 85, "battery_performance": 75, "gps_reliability": 95}
    assert HealthScoringService().calculate_health_score("d", features) == 84.0


@pytest.mark.parametrize("value", [120.0, -1.0, "high"])
def test_component_scores_outside_0_to_100_name_the_field(
    settings: Settings, value: object
) -> None:
    features = {"current_stability": value, "battery_performance": 75, "gps_reliability": 95}
    with pytest.raises(BadInput) as caught:
        HealthScoringService(settings).calculate_health_score("d", features)
    assert caught.value.field == "current_stability"


@pytest.mark.parametrize("fault", sorted(COMPONENT_OF))
def test_a_fault_lowers_its_own_component_only(fleet: Fleet, fault: str) -> None:
    rows = established(fleet.scored)
    late = rows[(rows["fault_type"] == fault) & (rows[fault] < 0.5)]
    assert len(late) >= 3
    assert late[COMPONENT_OF[fault]].median() < 50
    for other in set(COMPONENT_OF.values()) - {COMPONENT_OF[fault]}:
        assert late[other].median() >= 90


def test_healthy_devices_score_full_marks(fleet: Fleet) -> None:
    rows = established(fleet.scored)
    healthy = rows[(rows["fault_type"] == "none") & (rows["profile"] == "normal")]
    components = list(COMPONENT_OF.values())
    assert (healthy[components] >= 90).all(axis=1).mean() >= 0.97
    assert (healthy["status"] == "healthy").mean() >= 0.97


@pytest.mark.parametrize("profile", ["hard_material", "no_gps_site"])
def test_unusual_but_healthy_devices_are_not_penalised(fleet: Fleet, profile: str) -> None:
    rows = established(fleet.scored)
    unusual = rows[rows["profile"] == profile]
    assert len(unusual) >= 10
    assert (unusual["status"] == "healthy").all()
    assert unusual[list(COMPONENT_OF.values())].min().min() >= 90


def test_hard_material_draws_more_current_than_the_fleet(fleet: Fleet) -> None:
    frame = with_truth(fleet.frame, fleet.sim)
    hard = frame[frame["profile"] == "hard_material"]["amp_fleet_ratio"].median()
    assert hard > 1.1  # the premise of the test above: its current is unusually high


@pytest.mark.parametrize("component", sorted(COMPONENT_OF))
def test_components_rank_days_like_the_latent_condition(fleet: Fleet, component: str) -> None:
    rows = fleet.scored.dropna(subset=[component, COMPONENT_OF[component]])
    rho = spearmanr(rows[COMPONENT_OF[component]], rows[component]).statistic
    assert rho >= 0.65


def test_a_new_device_is_insufficient_data_not_zero(fleet: Fleet) -> None:
    late = fleet.scored[fleet.scored["profile"] == "late_join"]
    first_days = late.sort_values("day").groupby("device_id").head(2)
    assert (first_days["status"] == "insufficient_data").all()
    assert (first_days["health_score"].isna() | (first_days["health_score"] > 0)).all()
    assert (first_days["confidence"] < 0.3).all()


def test_a_device_without_features_has_no_score_and_no_confidence(fleet: Fleet) -> None:
    empty = fleet.frame.head(1).copy()
    keep = {"device_id", "day", "active", "baseline_days", "silent_days", "silence_surprise"}
    empty.loc[:, [c for c in empty.columns if c not in keep]] = np.nan
    scored = fleet.service.score(empty).iloc[0]
    assert np.isnan(scored["health_score"])
    assert scored["status"] == "insufficient_data"
    assert scored["confidence"] == 0.0


def test_silence_after_a_failure_lowers_confidence_and_is_reported(fleet: Fleet) -> None:
    devices = pd.read_csv(fleet.sim / "ground_truth_devices.csv", parse_dates=["failure_ts"])
    dead = devices[devices["fault_type"].isin(["motor", "battery", "radio"])]
    failure = dead.set_index("device_id")["failure_ts"].dt.tz_convert(None)
    scored = fleet.scored[fleet.scored["device_id"].isin(failure.dropna().index)]
    after = scored[scored["day"] > scored["device_id"].map(failure) + pd.Timedelta(days=4)]
    before = scored[(scored["silent_days"] == 0) & (scored["status"] != "insufficient_data")]
    assert len(after) >= 10
    assert after["silence_unexplained"].mean() >= 0.9
    assert (after["status"] != "healthy").all()
    assert after["confidence"].median() < 0.5 * before["confidence"].median()
    rows = after.index[after["silence_unexplained"]][:3]
    explained = fleet.service.explain(fleet.frame.loc[rows], fleet.scored.loc[rows])
    assert all(any(f["finding"] == "silence" for f in e["findings"]) for e in explained)


def test_interval_brackets_the_score_and_confidence_is_a_share(fleet: Fleet) -> None:
    rows = fleet.scored.dropna(subset=["health_score"])
    assert (rows["health_low"] <= rows["health_score"] + 1e-9).all()
    assert (rows["health_score"] <= rows["health_high"] + 1e-9).all()
    assert rows["confidence"].between(0, 1).all()
    assert established(rows)["confidence"].median() > 0.7


def test_overall_is_the_weighted_mean_of_the_components(fleet: Fleet) -> None:
    rows = fleet.scored.dropna(subset=["current_stability", "battery_performance"])
    expected = (
        0.4 * rows["current_stability"]
        + 0.4 * rows["battery_performance"]
        + 0.2 * rows["gps_reliability"]
    )
    np.testing.assert_allclose(rows["health_score"], expected)


def test_status_follows_the_configured_thresholds(
    fleet: Fleet, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (("CRITICAL_HEALTH", 97), ("HIGH_ALERT", 98), ("MEDIUM_ALERT", 99)):
        monkeypatch.setenv(f"{name}_THRESHOLD", str(value))
    get_settings.cache_clear()
    strict = HealthScoringService(get_settings(), fleet.service.model).score(fleet.frame)
    measured = strict[(strict["status"] != "insufficient_data") & (strict["silent_days"] == 0)]
    below = measured["health_score"] < 97
    assert (measured.loc[below, "status"] == "critical").all()
    assert (measured.loc[measured["health_score"] >= 99.5, "status"] == "healthy").mean() > 0.9


def test_scores_are_reproducible_for_a_fitted_model(fleet: Fleet) -> None:
    settings = fleet.service.settings
    serial = HealthModel.from_settings(settings, n_bootstrap=10).fit(fleet.frame)
    serial.n_jobs = 1
    parallel = HealthModel.from_settings(settings, n_bootstrap=10)
    parallel.n_jobs = 2
    parallel.fit(fleet.frame)
    pd.testing.assert_frame_equal(serial.score(fleet.frame), parallel.score(fleet.frame))
    buffer = io.BytesIO()
    joblib.dump(fleet.service.model, buffer)
    buffer.seek(0)
    reloaded = HealthScoringService(settings, joblib.load(buffer))
    pd.testing.assert_frame_equal(reloaded.score(fleet.frame), fleet.service.score(fleet.frame))


def test_sklearn_jobs_setting_reaches_every_estimator(
    fleet: Fleet, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_SKLEARN_JOBS", "3")
    get_settings.cache_clear()
    model = HealthScoringService(get_settings()).fit(fleet.frame)
    assert {c.get_params()["n_jobs"] for c in model.components_.values()} == {3}


def test_explanations_rank_what_went_wrong_first(fleet: Fleet) -> None:
    rows = established(fleet.scored)
    worst = rows[rows["fault_type"] == "motor"].nsmallest(1, "current_stability").index
    (explained,) = fleet.service.explain(fleet.frame.loc[worst], fleet.scored.loc[worst])
    factors = explained["factors"]
    assert factors
    assert factors[0]["component"] == "current_stability"
    assert [f["contribution"] for f in factors] == sorted(
        (f["contribution"] for f in factors), reverse=True
    )
    top = factors[0]
    assert top["direction"] == "higher"
    assert top["value"] > top["baseline"]
    assert "current" in top["sentence"].lower()


def test_debug_output_adds_component_internals(fleet: Fleet) -> None:
    plain = fleet.service.score(fleet.frame.head(5))
    debug = fleet.service.score(fleet.frame.head(5), include_debug=True)
    extra = set(debug.columns) - set(plain.columns)
    assert {"excess_amp_level_dev", "excess_fix_loss", "current_stability_low"} <= extra
    pd.testing.assert_frame_equal(debug[plain.columns], plain)


def test_raw_feature_dicts_are_scored_with_the_fitted_model(fleet: Fleet) -> None:
    service = fleet.service
    normal = {"amp_level_dev": 0.0, "fix_loss": 0.0, "drain_dev": 0.0, "lost_rate": 0.0}
    assert service.calculate_health_score("d", normal) == 100.0
    assert service.calculate_health_score("d", {**normal, "fix_loss": 0.6}) < 90.0
    with pytest.raises(Unavailable):
        HealthScoringService(service.settings).calculate_health_score("d", normal)


def test_fitting_without_history_is_refused(fleet: Fleet) -> None:
    with pytest.raises(BadInput):
        HealthModel().fit(fleet.frame[fleet.frame["baseline_days"] < 0])


def test_a_thousand_devices_are_scored_in_well_under_two_seconds(fleet: Fleet) -> None:
    latest = fleet.frame.groupby("device_id").tail(1)
    many = pd.concat([latest] * (1000 // len(latest) + 1), ignore_index=True).head(1000)
    many["device_id"] = [f"dev{i:04d}" for i in range(1000)]
    started = time.perf_counter()
    fleet.service.score(many)
    assert time.perf_counter() - started < 2.0


def test_an_empty_frame_scores_to_an_empty_frame(fleet: Fleet) -> None:
    scored = fleet.service.score(fleet.frame.head(0))
    assert scored.empty
    assert {"health_score", "confidence", "status"} <= set(scored.columns)
    assert fleet.service.explain(fleet.frame.head(0), scored) == []


def test_a_failing_radio_link_keeps_a_well_drilling_machine_out_of_healthy() -> None:
    day = pd.DataFrame(
        {
            "health_score": [100.0, 100.0],
            "current_stability": [100.0, 100.0],
            "battery_performance": [100.0, 100.0],
            "gps_reliability": [100.0, 100.0],
            "telemetry_quality": [20.0, 100.0],
            "silence_unexplained": [False, False],
            "baseline_days": [10, 10],
        }
    )
    # telemetry 20 is in the critical band (< 30); one band better than that is "degraded"
    assert list(status_of(day, (30.0, 50.0, 70.0))) == ["degraded", "healthy"]


def test_a_model_fitted_on_other_features_is_refused_with_a_clear_error(fleet: Fleet) -> None:
    model = copy.deepcopy(fleet.service.model)
    model.fitted_features_ = model.feature_names[:-1]  # as if fitted before a feature was added
    with pytest.raises(Conflict, match="fitted on other features"):
        model.score(fleet.frame)
