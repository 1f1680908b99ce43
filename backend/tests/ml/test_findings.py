"""Findings: which of a day's scores call for an alert, and what the alert says."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from app.ml.alerts.findings import day_findings, timeframe
from app.ml.config import COMPONENTS, MLConfig

CONFIG = MLConfig()
SEEN = datetime(2025, 7, 30, 14, 20)


def scored_day(**rows: dict[str, Any]) -> pd.DataFrame:
    """One row per device (keyword = device id) of a healthy day, with overrides."""
    frame = []
    for device, values in rows.items():
        row: dict[str, Any] = {
            "device_id": device,
            "status": "healthy",
            "health_score": 100.0,
            "last_seen": SEEN,
            "offline_probability": 0.0,
            "failure_signs_probability": 0.0,
            "silent_days": 0,
        }
        for c in COMPONENTS:
            row |= {
                c: 100.0,
                f"{c}_week": 100.0,
                f"{c}_level": 0.0,
                f"{c}_sd": 0.05,
                f"{c}_slope": 0.0,
                f"{c}_p_fail": 0.0,
                f"{c}_p_now": 0.0,
                f"{c}_p_gone": 0.0,
                f"{c}_days": np.inf,
                f"{c}_days_early": np.inf,
                f"{c}_days_late": np.inf,
            }
        frame.append(row | values)
    return pd.DataFrame(frame)


def wearing(component: str, **extra: float) -> dict[str, Any]:
    """A component 60 % of the way to failure, failing in about 9 days."""
    return {
        component: 58.0,
        f"{component}_week": 40.0,
        f"{component}_level": 0.6,
        f"{component}_slope": 0.045,
        f"{component}_p_fail": 0.8,
        f"{component}_days": 9.0,
        f"{component}_days_early": 6.0,
        f"{component}_days_late": 14.0,
        **extra,
    }


def test_a_healthy_fleet_calls_for_nothing() -> None:
    assert day_findings(scored_day(a={}, b={}), CONFIG, "1.0.0").empty


def test_a_wearing_part_gets_a_dated_alert_with_its_evidence_time() -> None:
    found = day_findings(scored_day(a=wearing("battery_performance")), CONFIG, "1.0.0")
    assert len(found) == 1
    row = found.iloc[0]
    assert (row["predicted_issue_type"], row["kind"], row["severity"]) == (
        "battery",
        "degradation",
        "HIGH",
    )
    assert row["confidence"] == 0.8
    assert row["evidence_at"] == SEEN
    assert row["predicted_failure_at"] == SEEN + timedelta(days=9)
    assert row["predicted_earliest_at"] == SEEN + timedelta(days=6)
    assert row["predicted_timeframe"] == "around 2025-08-08 (2025-08-05 to 2025-08-13)"
    assert row["model_version"] == "1.0.0"
    assert row["health_trend_context"]["wear"] == 0.6


def test_only_strong_evidence_says_now() -> None:
    failed = wearing("current_stability", current_stability_p_now=0.95, current_stability=20.0)
    found = day_findings(scored_day(a=failed), CONFIG, None)
    assert found.iloc[0]["predicted_timeframe"] == "now"


def test_a_silent_device_after_wear_gets_one_offline_alert_naming_the_worn_part() -> None:
    gone = wearing(
        "current_stability",
        current_stability_p_gone=0.7,
        status="offline_likely_failed",
        offline_probability=0.95,
        failure_signs_probability=0.93,
        silent_days=6,
    ) | {
        "battery_performance_p_fail": 0.7,
        "battery_performance_week": 40.0,
        "battery_performance": 60.0,
    }
    found = day_findings(scored_day(a=gone), CONFIG, None)
    assert found[["predicted_issue_type", "kind", "severity"]].values.tolist() == [
        ["motor", "offline", "CRITICAL"]
    ]
    assert found.iloc[0]["confidence"] == 0.93
    assert found.iloc[0]["predicted_timeframe"].startswith("likely failed already")


def test_a_silent_device_without_signs_of_wear_raises_nothing() -> None:
    idle = {"status": "offline_likely_failed", "offline_probability": 0.7, "silent_days": 30}
    assert day_findings(scored_day(a=idle), CONFIG, None).empty


def test_findings_come_most_severe_first() -> None:
    found = day_findings(
        scored_day(
            a=wearing("gps_reliability", gps_reliability_week=60.0),
            b=wearing("battery_performance", battery_performance_week=20.0),
        ),
        CONFIG,
        None,
    )
    assert found["severity"].tolist() == ["CRITICAL", "MEDIUM"]


def test_timeframe_phrases() -> None:
    at = datetime(2025, 8, 1)
    assert timeframe(True, at, at, at) == "now"
    assert timeframe(False, None, None, None) == "not predicted"
    assert timeframe(False, at, at, None) == "around 2025-08-01 (from 2025-08-01)"
