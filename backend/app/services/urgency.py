"""One urgency vocabulary: a device's shown status is the worse of its model and its alerts.

Pure decisions, no I/O: the fleet status endpoint, the CSV exports and their tests use these,
so no view can show a CRITICAL alert next to a healthy status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Worst last. A pod that went silent after signs of wear has most likely failed already.
STATUS_ORDER = (
    "healthy",
    "idle",
    "insufficient_data",
    "watch",
    "degraded",
    "critical",
    "offline_likely_failed",
)
STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
SEVERITY_RANK = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
SEVERITY_STATUS = {"LOW": "watch", "MEDIUM": "watch", "HIGH": "degraded", "CRITICAL": "critical"}
UNRESOLVED = ("open", "acknowledged")
OFFLINE = "offline_likely_failed"


def alert_status(severity: str, kind: str) -> str:
    """The device status an unresolved alert implies."""
    return OFFLINE if kind == "offline" else SEVERITY_STATUS[severity]


def shown_status(model_status: str | None, alerts: Iterable[Mapping[str, Any]]) -> str | None:
    """The worse of the model's status and what each unresolved alert implies."""
    candidates = [model_status] if model_status else []
    candidates += [
        alert_status(a["severity"], a["kind"]) for a in alerts if a["status"] in UNRESOLVED
    ]
    return max(candidates, key=STATUS_RANK.__getitem__, default=None)


def alert_urgency(alert: Mapping[str, Any]) -> tuple[int, int, float]:
    """Sort key, most urgent first: open before acknowledged, then severity, then soonest."""
    due = alert.get("predicted_failure_at")
    return (
        0 if alert["status"] == "open" else 1,
        -SEVERITY_RANK[alert["severity"]],
        due.timestamp() if due is not None else float("inf"),
    )


def most_urgent(alerts: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The unresolved alert to act on first, or None."""
    unresolved = [a for a in alerts if a["status"] in UNRESOLVED]
    return min(unresolved, key=alert_urgency, default=None)


def reason(device: Mapping[str, Any]) -> str | None:
    """Why a device has its status, in words: availability first for silent pods, else the
    indicator that lowers the score most, else the first finding."""
    findings = device.get("findings") or []
    if device.get("status") in ("offline_likely_failed", "idle"):
        silent = [f for f in findings if f.get("type") == "availability"]
        if silent:
            return str(silent[0]["description"])
    lowering = [f for f in device.get("explanatory_factors") or [] if f.get("effect") == "lowers"]
    if lowering and device.get("status") != "healthy":
        return str(lowering[0]["description"])
    return str(findings[0]["description"]) if findings else None
