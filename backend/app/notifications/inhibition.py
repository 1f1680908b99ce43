"""Inhibition as a pure function: alerts that explain others hold those others back.

An empty or dying pod battery (a battery alert at NOTIFY_INHIBIT_BATTERY_SEVERITY or
above) and an offline pod (an alert of kind ``offline``) explain the same device's GPS
and telemetry alerts: those are held back, and say which alert holds them and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.notifications.config import severity_rank

EXPLAINED = ("gps", "telemetry")


@dataclass(frozen=True)
class ActiveAlert:
    """An open or acknowledged alert as inhibition sees it."""

    alert_id: str
    device_id: str
    issue_type: str
    kind: str
    severity: str


@dataclass(frozen=True)
class Inhibition:
    """The alert that holds another back, and why."""

    source_id: str
    reason: str


def _explains(alert: ActiveAlert, battery_severity: str) -> str | None:
    """Why ``alert`` explains GPS and telemetry trouble on its device, or None."""
    if alert.kind == "offline":
        return f"the pod is offline ({alert.severity} {alert.issue_type} alert {alert.alert_id})"
    if alert.issue_type == "battery" and severity_rank(alert.severity) >= severity_rank(
        battery_severity
    ):
        return f"the pod battery is dying ({alert.severity} battery alert {alert.alert_id})"
    return None


def inhibitions(alerts: Sequence[ActiveAlert], battery_severity: str) -> dict[str, Inhibition]:
    """Alert id -> what holds it back, for every held-back alert among ``alerts``."""
    sources: dict[str, tuple[ActiveAlert, str]] = {}
    for alert in sorted(alerts, key=lambda a: (-severity_rank(a.severity), a.alert_id)):
        why = _explains(alert, battery_severity)
        if why is not None and alert.device_id not in sources:
            sources[alert.device_id] = (alert, why)
    held: dict[str, Inhibition] = {}
    for alert in alerts:
        source = sources.get(alert.device_id)
        if alert.issue_type not in EXPLAINED or source is None or alert.kind == "offline":
            continue
        if source[0].alert_id != alert.alert_id:
            held[alert.alert_id] = Inhibition(source[0].alert_id, f"held back: {source[1]}")
    return held
