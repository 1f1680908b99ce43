"""The shown status: the worse of the model's status and the unresolved alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.services.urgency import STATUS_ORDER, most_urgent, reason, shown_status


def alert(
    severity: str, status: str = "open", kind: str = "degradation", day: int = 1
) -> dict[str, Any]:
    due = datetime(2025, 9, day, tzinfo=UTC)
    return {"severity": severity, "status": status, "kind": kind, "predicted_failure_at": due}


@pytest.mark.parametrize(
    ("model", "alerts", "shown"),
    [
        ("healthy", [], "healthy"),
        ("healthy", [alert("CRITICAL")], "critical"),
        ("healthy", [alert("HIGH", "acknowledged")], "degraded"),
        ("healthy", [alert("MEDIUM"), alert("LOW")], "watch"),
        ("critical", [alert("MEDIUM")], "critical"),
        ("idle", [alert("CRITICAL", kind="offline")], "offline_likely_failed"),
        ("degraded", [alert("CRITICAL", "resolved")], "degraded"),
        (None, [alert("HIGH")], "degraded"),
        (None, [], None),
    ],
)
def test_the_shown_status_is_the_worse_of_model_and_unresolved_alerts(
    model: str | None, alerts: list[dict[str, Any]], shown: str | None
) -> None:
    assert shown_status(model, alerts) == shown


def test_the_order_runs_from_healthy_to_likely_failed() -> None:
    assert STATUS_ORDER[0] == "healthy"
    assert STATUS_ORDER[-2:] == ("critical", "offline_likely_failed")


def test_the_most_urgent_alert_is_open_then_most_severe_then_soonest() -> None:
    handled = alert("CRITICAL", "acknowledged", day=1)
    later = alert("CRITICAL", day=9)
    sooner = alert("CRITICAL", day=3)
    assert most_urgent([handled, later, alert("HIGH", day=2), sooner]) is sooner
    assert most_urgent([handled, alert("LOW", "resolved")]) is handled
    assert most_urgent([alert("HIGH", "resolved")]) is None


def test_the_reason_of_a_silent_pod_is_its_silence_and_of_a_worn_one_its_worst_factor() -> None:
    silent = {"description": "No data for 28 day(s): it has likely failed.", "type": "availability"}
    worn = {"description": "The battery drains 9 % per hour.", "effect": "lowers"}
    holds = {"description": "GPS is fine.", "effect": "holds"}
    offline = {
        "status": "offline_likely_failed",
        "findings": [silent],
        "explanatory_factors": [worn],
    }
    assert reason(offline) == silent["description"]
    assert (
        reason({"status": "degraded", "findings": [], "explanatory_factors": [holds, worn]})
        == worn["description"]
    )
    assert reason({"status": "healthy", "findings": [], "explanatory_factors": [holds]}) is None
