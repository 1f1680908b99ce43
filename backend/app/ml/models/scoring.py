"""Scores, confidence and one status per device-day, from the degradation states.

A component's score is 100 at its reference and reaches the critical threshold at its
failure limit (and 0 beyond). It shows the wear the evidence supports: the level less
one standard deviation, and wear within the first tenth of the way to the limit counts
as none (a tolerance band, as new parts differ too), so noise on a healthy part leaves
it at 100 and a score below 100 means measured wear. The overall score is the weighted
mean of the guide's three components, but never more than ``CAP_MARGIN`` points above
the worst part (the telemetry link included): one failing part makes the machine need
attention however well the rest works. Status, score and urgency come from this one evaluation:

- ``insufficient_data``: too little history to know what is normal for the device;
- ``offline_likely_failed``: silent, and the silence is best explained by a failure
  (a Bayesian update of the chance that the machine failed during the silence, from
  the wear it showed and a background hazard, by how unlikely the silence is under the
  device's habits, bounded by how often a healthy machine is simply put aside);
- ``idle``: silent, and a failure is not the likely explanation.

A silent machine's score is its expected health: the score it had, times the chance it
still works (a chance of failure under AVAILABILITY_TOLERANCE counts as none), so
availability counts; a failure the wear pointed to caps it at critical.
- ``healthy`` / ``watch`` / ``degraded`` / ``critical``: the band of the overall score,
  raised to the band of the most urgent failure forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from app.ml.config import COMPONENTS, WEIGHTED, MLConfig, Thresholds
from app.ml.models.assessment import Assessment
from app.ml.models.references import REFERENCE_DAYS
from app.ml.models.state import Z80, Floats

CAP_MARGIN = 10.0  # the overall score stays within this many points of the worst part
SHOWN_SD = 2.0  # the score shows the level less this many standard deviations
TOLERANCE = 0.2  # of the way to the failure limit: still as good as new
WEEK = 7.0  # severity looks this many days ahead
IDLE_ODDS = 20.0  # about one healthy machine in twenty is put aside for a while
HAZARD = 0.002  # chance per working day that a machine fails without warning
AVAILABILITY_TOLERANCE = 0.1  # a silence this unlikely to be a failure costs no points
STATUSES = (
    "healthy",
    "watch",
    "degraded",
    "critical",
    "offline_likely_failed",
    "idle",
    "insufficient_data",
)
BANDS = ("healthy", "watch", "degraded", "critical")
SEVERITY_BAND = {"LOW": 0, "MEDIUM": 1, "HIGH": 2, "CRITICAL": 3}
ISSUES = {
    "current_stability": "motor",
    "battery_performance": "battery",
    "gps_reliability": "gps",
    "telemetry_quality": "telemetry",
}


def score_of(level: Floats, thresholds: Thresholds) -> Floats:
    """0..100 from a degradation level (0 = reference, 1 = failure limit)."""
    span = 100.0 - thresholds.critical
    worn = (level - TOLERANCE) / (1.0 - TOLERANCE)
    result: Floats = 100.0 - span * np.clip(worn, 0.0, 100.0 / span)
    return result


def band_of(score: Floats, thresholds: Thresholds) -> NDArray[np.int64]:
    """0 healthy, 1 watch, 2 degraded, 3 critical."""
    conditions = [score < thresholds.critical, score < thresholds.high, score < thresholds.medium]
    result: NDArray[np.int64] = np.select(conditions, [3, 2, 1], 0).astype(np.int64)
    return result


def overall(components: Floats, weights: dict[str, float]) -> Floats:
    """Weighted mean of the weighted components, capped near the worst component."""
    w = np.array([weights[c] for c in WEIGHTED])
    mean = (components[..., : len(WEIGHTED)] * w).sum(axis=-1) / w.sum()
    worst = components.min(axis=-1)
    result: Floats = np.minimum(mean, worst + CAP_MARGIN)
    return result


def offline_odds(p_gone: Floats, surprise: Floats) -> Floats:
    """P(failed | silent): prior odds of failure during the silence, times how much more
    likely the silence is for a failed machine than for a healthy one (10 ** surprise for
    one that keeps its habits, at most IDLE_ODDS since healthy machines are put aside)."""
    p = np.clip(p_gone, 1e-9, 1 - 1e-9)
    likelihood = np.minimum(np.power(10.0, np.clip(surprise, 0.0, 12.0)), IDLE_ODDS)
    odds = p / (1 - p) * likelihood
    result: Floats = odds / (1 + odds)
    return result


def severity_band(scored: pd.DataFrame, config: MLConfig) -> NDArray[np.int64]:
    """Per row and component, the band of an alert-worthy forecast (-1: none)."""
    thresholds, policy = config.thresholds, config.alerts
    out = np.full((len(scored), len(COMPONENTS)), -1, dtype=np.int64)
    for c, name in enumerate(COMPONENTS):
        now = scored[name].to_numpy(float)
        week = scored[f"{name}_week"].to_numpy(float)
        due = scored[f"{name}_p_fail"].to_numpy(float) >= policy.confidence
        due &= np.fmin(now, week) < thresholds.alert
        band = band_of(np.fmin(now, week), thresholds)
        strong_now = scored[f"{name}_p_now"].to_numpy(float) >= policy.confidence
        band = np.where((band == 3) & ~strong_now & (week >= thresholds.critical), 2, band)
        out[:, c] = np.where(due, np.maximum(band, 1), -1)
    return out


def score_frame(result: Assessment, frame: pd.DataFrame, config: MLConfig) -> pd.DataFrame:
    """One row per device and kept day: component scores, overall, confidence, status."""
    grid = result.layout
    kept = result.kept_days
    index = pd.MultiIndex.from_product([grid.devices, kept], names=["device_id", "day"])
    out = pd.DataFrame(index=index).reset_index()
    comp = result.components
    thresholds = config.thresholds
    scores = score_of(comp["level"] - SHOWN_SD * comp["sd"], thresholds)
    for c, name in enumerate(COMPONENTS):
        out[name] = scores[:, :, c].ravel()
        for key in (
            "level",
            "sd",
            "slope",
            "slope_sd",
            "p_fail",
            "p_now",
            "p_gone",
            "days",
            "days_early",
            "days_late",
        ):
            out[f"{name}_{key}"] = comp[key][:, :, c].ravel()
        out[f"{name}_week"] = score_of(
            (comp["level"] - SHOWN_SD * comp["sd"] + WEEK * comp["slope"])[:, :, c], thresholds
        ).ravel()
    out["idle_work"] = result.idle_work.ravel()
    _join_day_facts(out, frame)
    _overall(out, comp, config)
    _status(out, config)
    return out.drop(columns=["_row"], errors="ignore").reset_index(drop=True)


DAY_FACTS = ("active", "silent_days", "silence_surprise", "last_seen", "active_days")


def _join_day_facts(out: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Activity and silence of each device-day (from the evidence frame)."""
    facts = frame[["device_id", "day", "active", "silent_days", "silence_surprise", "last_seen"]]
    facts = facts.assign(
        active_days=frame["active"].astype(int).groupby(frame["device_id"], sort=False).cumsum()
    )
    keyed = facts.set_index(["device_id", "day"])
    joined = keyed.reindex(pd.MultiIndex.from_frame(out[["device_id", "day"]]))
    for name in DAY_FACTS:
        out[name] = joined[name].to_numpy()
    out["active"] = out["active"].fillna(False).astype(bool)


def _overall(out: pd.DataFrame, comp: dict[str, Floats], config: MLConfig) -> None:
    """Overall score with its 80 % interval, and confidence from the interval's width."""
    thresholds = config.thresholds
    stacked = np.stack([out[c].to_numpy(float) for c in COMPONENTS], axis=-1)
    level = comp["level"].reshape(-1, len(COMPONENTS))
    sd = comp["sd"].reshape(-1, len(COMPONENTS))
    low = overall(score_of(level + Z80 * sd, thresholds), config.weights)
    high = overall(score_of(level - (Z80 + SHOWN_SD) * sd, thresholds), config.weights)
    out["health_score"] = overall(stacked, config.weights)
    out["health_low"], out["health_high"] = low, high
    half_width = (high - low) / 2.0
    out["confidence"] = np.clip(1.0 - half_width / 25.0, 0.0, 1.0)
    worst = np.argmin(stacked, axis=1)
    out["worst_component"] = np.array(COMPONENTS, dtype=object)[worst]


def _status(out: pd.DataFrame, config: MLConfig) -> None:
    """One status per row, and the offline probabilities that can lead to it."""
    thresholds = config.thresholds
    surprise = out["silence_surprise"].fillna(0.0).to_numpy(float)
    p_gone = np.column_stack([out[f"{c}_p_gone"].to_numpy(float) for c in COMPONENTS]).max(axis=1)
    silent = out["silent_days"].fillna(0).to_numpy(float) >= 1
    background = 1.0 - np.power(1.0 - HAZARD, out["idle_work"].to_numpy(float))
    p_dead = np.where(silent, offline_odds(np.maximum(p_gone, background), surprise), 0.0)
    p_signs = np.where(silent, offline_odds(p_gone, surprise), 0.0)
    out["offline_probability"] = p_dead
    out["failure_signs_probability"] = p_signs
    offline = p_dead >= config.alerts.confidence
    signs = p_signs >= config.alerts.confidence
    gone = np.clip((p_dead - AVAILABILITY_TOLERANCE) / (1 - AVAILABILITY_TOLERANCE), 0.0, 1.0)
    score = out["health_score"].to_numpy(float) * (1.0 - gone)
    score = np.where(signs, np.minimum(score, thresholds.critical), score)
    out["health_score"] = score
    out["health_low"] = np.minimum(out["health_low"], score)
    out["health_high"] = np.where(silent, np.minimum(out["health_high"], score), out["health_high"])
    urgency = severity_band(out, config).max(axis=1)
    level = np.maximum(band_of(score, thresholds), urgency)
    status = np.array(BANDS, dtype=object)[level]
    young = out["active_days"].fillna(0).to_numpy(float) < REFERENCE_DAYS
    status = np.where(young & (level == 0), "insufficient_data", status)
    status = np.where(silent & ~young & ~signs, "idle", status)
    status = np.where(offline, "offline_likely_failed", status)
    out["status"] = status
