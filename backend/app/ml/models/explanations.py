"""Why a device scored as it did: factors ranked by contribution, and telemetry findings."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from app.ml.models.components import (
    MIN_BASELINE_DAYS,
    ComponentModel,
    Floats,
    inputs,
    sample_evidence,
)
from app.ml.models.feature_specs import COMPONENT_FEATURES, FeatureSpec

MIN_POINTS = 0.5  # contributions below half a point are noise, not a reason


def contributions(
    models: dict[str, ComponentModel], frame: pd.DataFrame, scored: pd.DataFrame
) -> Floats:
    """Points of its component's score each feature costs, one column per feature."""
    weight = sample_evidence(frame)
    parts = []
    for name, specs in COMPONENT_FEATURES.items():
        component = models[name]
        weighted = component.excess(inputs(frame, specs), weight) * component.weights_
        total = weighted.sum(axis=1, keepdims=True)
        lost = 100.0 - scored[name].to_numpy(dtype=np.float64, na_value=100.0)[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            parts.append(np.where(total > 0, lost * weighted / total, 0.0))
    return np.hstack(parts)


def explain(
    models: dict[str, ComponentModel], frame: pd.DataFrame, scored: pd.DataFrame, top: int = 3
) -> list[dict[str, list[dict[str, Any]]]]:
    """Per row of ``scored``: up to ``top`` factors, largest contribution first, and findings."""
    frame = frame.reset_index(drop=True)
    scored = scored.reset_index(drop=True)
    points = contributions(models, frame, scored)
    specs = [(n, s) for n, group in COMPONENT_FEATURES.items() for s in group]
    centres = {
        s.name: float(c)
        for n, group in COMPONENT_FEATURES.items()
        for s, c in zip(group, models[n].center_, strict=True)
    }
    order = np.argsort(-points, axis=1, kind="stable")[:, :top]
    result = []
    for row, picks in enumerate(order):
        factors = [
            factor(specs[i][0], specs[i][1], frame.iloc[row], centres, points[row, i])
            for i in picks
            if points[row, i] >= MIN_POINTS
        ]
        result.append({"factors": factors, "findings": findings(frame.iloc[row], scored.iloc[row])})
    return result


def factor(
    component: str, spec: FeatureSpec, row: pd.Series, centres: dict[str, float], points: float
) -> dict[str, Any]:
    """One explanatory factor with a plain sentence."""
    value = _number(row.get(spec.shown))
    baseline: float | None
    if spec.baseline is None:
        baseline, kind = centres[spec.name], "fleet"
    else:
        baseline, kind = _number(row.get(spec.baseline)), "device"
    direction = "higher" if (value or 0.0) >= (baseline or 0.0) else "lower"
    sentence = spec.template.format(value=_fmt(spec, value), baseline=_fmt(spec, baseline))
    return {
        "feature": spec.name,
        "component": component,
        "direction": direction,
        "value": value,
        "baseline": baseline,
        "baseline_kind": kind,
        "contribution": round(float(points), 1),
        "sentence": sentence,
    }


def findings(row: pd.Series, scored: pd.Series) -> list[dict[str, Any]]:
    """Telemetry findings: unexplained silence, too little history."""
    found: list[dict[str, Any]] = []
    if bool(scored.get("silence_unexplained", False)):
        days = int(_number(row.get("silent_days")) or 0)
        found.append(
            {
                "type": "telemetry",
                "finding": "silence",
                "silent_days": days,
                "sentence": f"No data for {days} day(s) although this machine is normally in use "
                "on those days: check the pod's battery and radio. Scores are carried "
                "over from its last report, with lower confidence.",
            }
        )
    baseline = _number(row.get("baseline_days")) or 0.0
    if baseline < MIN_BASELINE_DAYS:
        found.append(
            {
                "type": "data",
                "finding": "insufficient_data",
                "baseline_days": int(baseline),
                "sentence": f"Only {int(baseline)} day(s) of history before this day; at least "
                f"{MIN_BASELINE_DAYS} are needed to know what is normal for this pod.",
            }
        )
    return found


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _fmt(spec: FeatureSpec, value: float | None) -> str:
    return "n/a" if value is None else spec.fmt.format(value)
