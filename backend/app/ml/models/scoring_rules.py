"""Scoring rules: overall from components, confidence and interval, status.

All functions work on whole frames (vectorised); ``out`` is the score frame being built.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from app.core.config import Settings
from app.ml.models.components import FULL_DAY_SAMPLES, MIN_BASELINE_DAYS, Floats
from app.ml.models.feature_specs import COMPONENTS, SCORED_COMPONENTS, FeatureSpec

FULL_BASELINE_DAYS = 7  # from here on the baseline counts as fully established
SILENCE_OK = 1.0  # silence this likely (p >= 10 %) under the usage pattern is ordinary
SILENCE_FINDING = 2.0  # p < 1 %: the pod is silent while its machine should be working
CI_WIDEN = 30.0  # interval half-width added when data sufficiency is 0
STATUS_ORDER = ("healthy", "watch", "degraded", "critical")


def weights_of(settings: Settings) -> dict[str, float]:
    """Component weights from settings."""
    return {
        "current_stability": settings.current_stability_weight,
        "battery_performance": settings.battery_performance_weight,
        "gps_reliability": settings.gps_reliability_weight,
    }


def thresholds_of(settings: Settings) -> tuple[float, float, float]:
    """(critical, high, medium) health thresholds from settings."""
    return (
        settings.critical_health_threshold,
        settings.high_alert_threshold,
        settings.medium_alert_threshold,
    )


def training_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Measured (not carried) device-days with an established baseline."""
    keep = frame["active"].astype(bool) & (frame["baseline_days"] >= MIN_BASELINE_DAYS)
    return frame[keep]


def overall(out: pd.DataFrame, replicas: dict[str, Floats], weights: Mapping[str, float]) -> None:
    """Weighted mean of the scored components that have data; bootstrap 5-95 % interval."""
    scores = np.column_stack([out[c].to_numpy(dtype=np.float64) for c in SCORED_COMPONENTS])
    w = np.array([weights[c] for c in SCORED_COMPONENTS])
    out["health_score"] = _weighted(scores, w)
    if replicas[SCORED_COMPONENTS[0]].shape[0] == 0:
        out["health_low"] = out["health_high"] = out["health_score"]
        return
    boot = np.stack([replicas[c] for c in SCORED_COMPONENTS], axis=-1)
    combined = _weighted(boot, w)
    low, high = np.percentile(combined, [5, 95], axis=0)
    out["health_low"] = np.fmin(low, out["health_score"])
    out["health_high"] = np.fmax(high, out["health_score"])


def _weighted(scores: Floats, w: Floats) -> Floats:
    present = ~np.isnan(scores)
    total = (np.nan_to_num(scores) * w).sum(axis=-1)
    norm = (present * w).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result: Floats = np.where(norm > 0, total / norm, np.nan)
    return result


def confidence(out: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Data sufficiency x model certainty; the interval widens as sufficiency falls."""
    baseline = np.clip(frame["baseline_days"].to_numpy(dtype=float) / FULL_BASELINE_DAYS, 0, 1)
    samples = np.clip(frame["measured_samples"].to_numpy(dtype=float) / FULL_DAY_SAMPLES, 0, 1)
    quality = frame["completeness"].to_numpy(dtype=float)
    surprise = frame["silence_surprise"].fillna(0.0).to_numpy(dtype=float)
    silence = 1.0 / (1.0 + np.fmax(surprise - SILENCE_OK, 0.0))
    sufficiency = np.nan_to_num(baseline * samples * quality * silence)
    widen = (1.0 - sufficiency) * CI_WIDEN
    out["health_low"] = np.clip(out["health_low"] - widen, 0.0, 100.0)
    out["health_high"] = np.clip(out["health_high"] + widen, 0.0, 100.0)
    certainty = 1.0 - np.clip((out["health_high"] - out["health_low"]) / 100.0, 0.0, 1.0)
    value = np.where(out["health_score"].isna(), 0.0, sufficiency * certainty)
    out["confidence"] = np.round(value, 4)
    out["data_sufficiency"] = np.round(sufficiency, 4)
    out["silent_days"] = frame["silent_days"].to_numpy(dtype=float)
    out["silence_unexplained"] = surprise >= SILENCE_FINDING
    out["baseline_days"] = frame["baseline_days"].to_numpy(dtype=float)


def status_of(out: pd.DataFrame, thresholds: tuple[float, float, float]) -> pd.Series:
    """Status from the overall score by the thresholds, with three floors.

    A component one band worse than the overall pulls the status down one band (a dead
    GPS or a failing radio link is not "healthy" however well the machine drills, even
    though telemetry quality is not weighted into the score); unexplained silence is never
    healthy; a device without an established baseline is ``insufficient_data``.
    """
    score = out["health_score"].to_numpy(dtype=float)
    worst = out[list(COMPONENTS)].min(axis=1, skipna=True).to_numpy(dtype=float)
    level = np.fmax(_level(score, thresholds), _level(worst, thresholds) - 1)
    level = np.where(out["silence_unexplained"] & (level == 0), 1, level)
    status = np.asarray(STATUS_ORDER, dtype=object)[level]
    lacking = np.isnan(score) | (out["baseline_days"].to_numpy() < MIN_BASELINE_DAYS)
    return pd.Series(np.where(lacking, "insufficient_data", status), index=out.index)


def _level(score: Floats, thresholds: tuple[float, float, float]) -> NDArray[np.int64]:
    critical, high, medium = thresholds
    level: NDArray[np.int64] = np.select(
        [score < critical, score < high, score < medium], [3, 2, 1], 0
    ).astype(np.int64)
    return level


def debug_columns(
    out: pd.DataFrame, name: str, specs: tuple[FeatureSpec, ...], excess: Floats, boot: Floats
) -> None:
    """Component internals: its bootstrap interval and each feature's excess."""
    low, high = np.percentile(boot, [5, 95], axis=0) if len(boot) else (np.nan, np.nan)
    out[f"{name}_low"], out[f"{name}_high"] = low, high
    for i, spec in enumerate(specs):
        out[f"excess_{spec.name}"] = excess[:, i]
