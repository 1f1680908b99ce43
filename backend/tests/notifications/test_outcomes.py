"""Operators' resolutions as live precision per model version and alert type, in
/api/ml/model-status, and as the previous model's precision when training."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from app.ml.alerts.outcomes import outcome_counts, precision_table
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from tests.notifications.factories import T0


def raise_as(alerts: PredictiveAlertService, device: str, issue: str, version: str) -> str:
    finding = {
        "device_id": device, "predicted_issue_type": issue, "kind": "degradation",
        "severity": "HIGH", "confidence": 0.9, "health_score": 40.0, "model_version": version,
        "predicted_timeframe": "around 2026-03-20",
    }  # fmt: skip
    (change,) = alerts.evaluate(pd.DataFrame([finding]), T0)
    return change.alert.alert_id


VERDICTS = [  # device, issue, model version, outcome
    ("d1", "motor", "1.0.0", "confirmed_fault"),
    ("d2", "motor", "1.0.0", "false_alarm"),
    ("d3", "battery", "1.0.0", "maintenance_done"),
    ("d4", "motor", "1.1.0", "confirmed_fault"),
    ("d5", "gps", "1.1.0", "false_alarm"),
    ("d6", "gps", "1.1.0", None),  # still open: not judged
]


def judge(alerts: PredictiveAlertService) -> None:
    for device, issue, version, outcome in VERDICTS:
        alert_id = raise_as(alerts, device, issue, version)
        if outcome:
            alerts.resolve(alert_id, "olga", outcome)


def expected(key: int | None, value: str | None) -> float | None:
    """Precision of the verdicts matching a slice, computed here from VERDICTS."""
    rows = [v for v in VERDICTS if v[3] and (key is None or v[key] == value)]
    right = sum(v[3] != "false_alarm" for v in rows)
    return right / len(rows) if rows else None


def test_live_precision_per_version_per_type_and_both(
    alerts: PredictiveAlertService, factory: sessionmaker[Session]
) -> None:
    judge(alerts)
    with factory() as session:
        table = precision_table(outcome_counts(session))
    versions = {p.model_version: (p.judged, p.precision) for p in table["by_model_version"]}
    assert versions == {"1.0.0": (3, expected(2, "1.0.0")), "1.1.0": (2, expected(2, "1.1.0"))}
    types = {p.issue_type: p.precision for p in table["by_issue_type"]}
    assert types == {i: expected(1, i) for i in ("battery", "gps", "motor")}
    both = {(p.model_version, p.issue_type): p.judged for p in table["by_version_and_type"]}
    assert both == {
        ("1.0.0", "battery"): 1,
        ("1.0.0", "motor"): 2,
        ("1.1.0", "gps"): 1,
        ("1.1.0", "motor"): 1,
    }
    assert alerts.outcomes_of_model("1.1.0") == {
        "confirmed_fault": 1, "false_alarm": 1, "maintenance_done": 0,
    }  # fmt: skip
    assert alerts.outcomes_of_model(None) == {}
