"""Findings: per device, the forecast plus scores, the worst component and its context."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

# Health-model component -> the issue an alert names (telemetry quality is optional).
COMPONENT_ISSUES = {
    "current_stability": "motor",
    "battery_performance": "battery",
    "gps_reliability": "gps",
    "telemetry_quality": "telemetry",
}
LEVELS = ("medium", "high", "critical")


def _number(value: Any, digits: int = 2) -> float | None:
    """A rounded float for JSON, None for missing or infinite values."""
    if value is None or not math.isfinite(float(value)):
        return None
    return round(float(value), digits)


def worst_component(frame: pd.DataFrame) -> pd.Series:
    """Per row, the component with the lowest score now or at the horizon (None if none)."""
    present = [c for c in COMPONENT_ISSUES if f"{c}_now" in frame or f"{c}_forecast" in frame]
    if not present:
        return pd.Series(None, index=frame.index, dtype=object)
    nan = np.full(len(frame), np.nan)
    worst = np.column_stack(
        [
            np.fmin(
                frame[f"{c}_now"].to_numpy(float) if f"{c}_now" in frame else nan,
                frame[f"{c}_forecast"].to_numpy(float) if f"{c}_forecast" in frame else nan,
            )
            for c in present
        ]
    )
    filled = np.where(np.isnan(worst), np.inf, worst)
    names = np.array(present, dtype=object)[np.argmin(filled, axis=1)]
    return pd.Series(np.where(np.isinf(filled.min(axis=1)), None, names), index=frame.index)


def _context(row: dict[Any, Any], components: list[str]) -> dict[str, Any]:
    """The trend context an operator sees next to the alert."""
    return {
        "recent_scores": row.get("recent_scores") or [],
        "slope_per_day": _number(row.get("slope"), 3),
        "baseline": _number(row.get("baseline")),
        "health_now": _number(row.get("health_now")),
        "forecast_health": _number(row.get("forecast_health")),
        "forecast_interval": [
            _number(row.get("forecast_lower")),
            _number(row.get("forecast_upper")),
        ],
        "horizon_days": int(row.get("horizon_days") or 0),
        "days_to_threshold": {level: _number(row.get(f"days_to_{level}"), 1) for level in LEVELS},
        "worst_component": row.get("worst_component"),
        "component_scores": {c: _number(row.get(f"{c}_now")) for c in components},
    }


def build_findings(forecast: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Join ``forecast_health`` output with per-device scores into the alert rules' input.

    ``scores`` has device_id, confidence and optionally health_score (default: the
    latest daily score), model_version, telemetry_finding (bool: silence or lost data
    names the telemetry issue) and predicted_issue_type (an explicit override).
    """
    frame = forecast.merge(scores, on="device_id", how="inner", suffixes=("", "_score"))
    frame["worst_component"] = worst_component(frame)
    issue = frame["worst_component"].map(COMPONENT_ISSUES)
    if "telemetry_finding" in frame:
        issue = issue.mask(frame["telemetry_finding"].fillna(False).astype(bool), "telemetry")
    if "predicted_issue_type" in frame:
        issue = frame["predicted_issue_type"].where(frame["predicted_issue_type"].notna(), issue)
    frame["predicted_issue_type"] = issue
    if "health_score" not in frame:
        frame["health_score"] = frame["health_now"]
    if "model_version" not in frame:
        frame["model_version"] = None
    components = [c for c in COMPONENT_ISSUES if f"{c}_now" in frame]
    contexts: list[Any] = [_context(row, components) for row in frame.to_dict("records")]
    frame["health_trend_context"] = pd.Series(contexts, index=frame.index, dtype=object)
    return frame[frame["predicted_issue_type"].notna()].reset_index(drop=True)
