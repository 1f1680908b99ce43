"""Alerts raised through the real SQL alert service."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from app.ml.alerts.predictive_alerts import AlertRecord, PredictiveAlertService

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def raise_alert(
    service: PredictiveAlertService,
    device: str,
    issue: str = "motor",
    severity: str = "HIGH",
    kind: str = "degradation",
    at: datetime = T0,
) -> AlertRecord:
    """Open (or update) one alert through PredictiveAlertService.evaluate."""
    finding = {
        "device_id": device,
        "predicted_issue_type": issue,
        "kind": kind,
        "severity": severity,
        "confidence": 0.9,
        "health_score": 35.0,
        "predicted_timeframe": "around 2026-03-20",
    }
    (change,) = service.evaluate(pd.DataFrame([finding]), at)
    return change.alert
