"""Findings: the alerts a day's scores call for, as a pure function (no I/O).

A component calls for an alert when the probability that it fails within the alert
horizon reaches ML_CONFIDENCE_THRESHOLD and its score (now or a week ahead) is below
ML_ALERT_THRESHOLD; its severity is the band of that score, CRITICAL only with strong
evidence that it has failed already (otherwise a predicted date). A device that went
silent after signs of wear calls for an "offline" alert naming the part that was
wearing. Every finding carries the time of its evidence (the device's last sample) and
the predicted failure date with its range.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from app.ml.config import COMPONENTS, MLConfig
from app.ml.models.scoring import ISSUES, severity_band

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
MAX_DAYS = 365.0  # a predicted date further out than this is no date


def moment_after(base: Any, days: float) -> datetime | None:
    if base is None or pd.isna(base) or not np.isfinite(days) or days > MAX_DAYS:
        return None
    stamp = pd.Timestamp(base).to_pydatetime()
    return stamp + timedelta(days=float(days))


def timeframe(
    now: bool, expected: datetime | None, early: datetime | None, late: datetime | None
) -> str:
    """A phrase such as "now", "around 2025-08-12 (2025-08-09 to 2025-08-20)"."""
    if now:
        return "now"
    if expected is None:
        return "not predicted"
    label = f"around {expected.date().isoformat()}"
    if early is not None and late is not None and early.date() != late.date():
        label += f" ({early.date().isoformat()} to {late.date().isoformat()})"
    elif early is not None and late is None:
        label += f" (from {early.date().isoformat()})"
    return label


def _context(row: pd.Series, component: str) -> dict[str, Any]:
    def num(value: Any, digits: int = 3) -> float | None:
        number = float(value) if value is not None and not pd.isna(value) else np.nan
        return round(number, digits) if np.isfinite(number) else None

    return {
        "component": component,
        "component_scores": {c: num(row.get(c), 2) for c in COMPONENTS},
        "wear": num(row.get(f"{component}_level")),
        "wear_sd": num(row.get(f"{component}_sd")),
        "wear_per_day": num(row.get(f"{component}_slope"), 4),
        "failure_probability": num(row.get(f"{component}_p_fail")),
        "failed_probability": num(row.get(f"{component}_p_now")),
        "days_to_failure": num(row.get(f"{component}_days"), 1),
        "health_score": num(row.get("health_score"), 2),
        "status": row.get("status"),
        "silent_days": num(row.get("silent_days"), 0),
        "offline_probability": num(row.get("offline_probability")),
    }


def _degradation(day: pd.DataFrame, config: MLConfig) -> list[dict[str, Any]]:
    bands = severity_band(day, config)
    rows: list[dict[str, Any]] = []
    for i, c in zip(*np.nonzero(bands >= 0), strict=True):
        row = day.iloc[int(i)]
        name = COMPONENTS[int(c)]
        base = row.get("last_seen")
        expected = moment_after(base, row[f"{name}_days"])
        early = moment_after(base, row[f"{name}_days_early"])
        late = moment_after(base, row[f"{name}_days_late"])
        now = bool(row[f"{name}_p_now"] >= config.alerts.confidence)
        rows.append(
            {
                "device_id": row["device_id"],
                "predicted_issue_type": ISSUES[name],
                "kind": "degradation",
                "severity": SEVERITIES[int(bands[i, c])],
                "confidence": float(row[f"{name}_p_fail"]),
                "health_score": float(row[name]),
                "predicted_timeframe": timeframe(now, expected, early, late),
                "predicted_failure_at": expected,
                "predicted_earliest_at": early,
                "predicted_latest_at": late,
                "evidence_at": base,
                "health_trend_context": _context(row, name),
            }
        )
    return rows


def _offline(day: pd.DataFrame, config: MLConfig) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    gone = day[
        (day["status"] == "offline_likely_failed")
        & (day["failure_signs_probability"] >= config.alerts.confidence)
    ]
    for _, row in gone.iterrows():
        odds = [float(row[f"{c}_p_gone"]) for c in COMPONENTS]
        name = COMPONENTS[int(np.argmax(odds))]
        seen = row.get("last_seen")
        seen_at = None if seen is None or pd.isna(seen) else pd.Timestamp(seen).to_pydatetime()
        rows.append(
            {
                "device_id": row["device_id"],
                "predicted_issue_type": ISSUES[name],
                "kind": "offline",
                "severity": "CRITICAL",
                "confidence": float(row["failure_signs_probability"]),
                "health_score": float(min(row[name], config.thresholds.critical)),
                "predicted_timeframe": "likely failed already: offline since "
                + (seen_at.date().isoformat() if seen_at else "its last report"),
                "predicted_failure_at": seen_at,
                "predicted_earliest_at": seen_at,
                "predicted_latest_at": seen_at,
                "evidence_at": seen_at,
                "health_trend_context": _context(row, name),
            }
        )
    return rows


COLUMNS = (
    "device_id",
    "predicted_issue_type",
    "kind",
    "severity",
    "confidence",
    "health_score",
    "predicted_timeframe",
    "predicted_failure_at",
    "predicted_earliest_at",
    "predicted_latest_at",
    "evidence_at",
    "health_trend_context",
)


def day_findings(day: pd.DataFrame, config: MLConfig, model_version: str | None) -> pd.DataFrame:
    """The findings of one day's scores (one row per device), most severe first.

    An offline device gets only its offline finding: the part that was wearing is named
    there, and a silent device cannot confirm a forecast.
    """
    offline = _offline(day, config)
    silent = {row["device_id"] for row in offline}
    found = offline + [r for r in _degradation(day, config) if r["device_id"] not in silent]
    frame = pd.DataFrame(found, columns=list(COLUMNS))
    frame["model_version"] = model_version
    frame["rank"] = frame["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    frame = frame.sort_values(["rank", "confidence"], ascending=False, kind="stable")
    return frame.drop(columns="rank").reset_index(drop=True)
