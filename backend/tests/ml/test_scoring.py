"""Scores and status from degradation levels: mapping, overall, offline odds, severity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.ml.config import COMPONENTS, MLConfig, Thresholds
from app.ml.models.scoring import (
    CAP_MARGIN,
    IDLE_ODDS,
    TOLERANCE,
    band_of,
    offline_odds,
    overall,
    score_of,
    severity_band,
)

CONFIG = MLConfig()


def test_score_is_100_within_tolerance_and_critical_at_the_failure_limit() -> None:
    t = Thresholds()
    levels = np.array([-0.5, 0.0, TOLERANCE, 1.0, 2.0])
    assert score_of(levels, t).tolist() == pytest.approx([100, 100, 100, t.critical, 0])


def test_critical_threshold_moves_the_score_of_a_failed_part() -> None:
    assert score_of(np.array([1.0]), Thresholds(critical=20.0))[0] == pytest.approx(20.0)


def test_overall_is_the_guides_weighted_mean_when_parts_are_healthy() -> None:
    scores = np.array([[85.0, 75.0, 95.0, 100.0]])
    assert overall(scores, CONFIG.weights)[0] == pytest.approx(0.4 * 85 + 0.4 * 75 + 0.2 * 95)


def test_one_failing_part_caps_the_overall_score() -> None:
    scores = np.array([[10.0, 100.0, 100.0, 100.0], [100.0, 100.0, 100.0, 5.0]])
    assert overall(scores, CONFIG.weights).tolist() == [10 + CAP_MARGIN, 5 + CAP_MARGIN]


def test_bands_follow_the_thresholds() -> None:
    t = Thresholds()
    assert band_of(np.array([95.0, 69.9, 49.9, 29.9]), t).tolist() == [0, 1, 2, 3]


def test_silence_without_signs_of_wear_stays_unlikely_to_be_a_failure() -> None:
    healthy = offline_odds(np.array([1e-4]), np.array([12.0]))[0]
    worn = offline_odds(np.array([0.2]), np.array([12.0]))[0]
    assert healthy == pytest.approx(1e-4 * IDLE_ODDS, rel=0.01)
    assert worn > 0.8


def test_an_expected_silence_changes_nothing() -> None:
    assert offline_odds(np.array([0.2]), np.array([0.0]))[0] == pytest.approx(0.2)


def row(**values: float) -> pd.DataFrame:
    base: dict[str, float] = {}
    for c in COMPONENTS:
        base |= {c: 100.0, f"{c}_week": 100.0, f"{c}_p_fail": 0.0, f"{c}_p_now": 0.0}
    return pd.DataFrame([base | values])


def test_no_alert_below_the_confidence_threshold() -> None:
    frame = row(current_stability=40.0, current_stability_week=20.0)
    frame["current_stability_p_fail"] = 0.59
    assert severity_band(frame, CONFIG)[0, 0] == -1


def test_severity_is_the_band_of_the_week_ahead_and_critical_needs_strong_evidence() -> None:
    frame = row(current_stability=60.0, current_stability_week=40.0, current_stability_p_fail=0.9)
    assert severity_band(frame, CONFIG)[0, 0] == 2  # HIGH: below 50 within the week
    soon = row(current_stability=45.0, current_stability_week=20.0, current_stability_p_fail=0.9)
    assert severity_band(soon, CONFIG)[0, 0] == 3  # fails within the week: CRITICAL
    unsure = row(current_stability=20.0, current_stability_week=35.0, current_stability_p_fail=0.8)
    assert severity_band(unsure, CONFIG)[0, 0] == 2  # low now, but not shown to have failed
    unsure["current_stability_p_now"] = 0.9
    assert severity_band(unsure, CONFIG)[0, 0] == 3  # strong evidence: CRITICAL now


def test_ml_alert_threshold_gates_alerts() -> None:
    frame = row(battery_performance=80.0, battery_performance_week=75.0)
    frame["battery_performance_p_fail"] = 0.95
    assert severity_band(frame, CONFIG)[0, 1] == -1  # above ML_ALERT_THRESHOLD = 70
    low_gate = MLConfig(thresholds=Thresholds(alert=80.0))
    assert severity_band(frame, low_gate)[0, 1] >= 0
