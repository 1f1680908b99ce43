"""Detection as a pure function: alerts now vs what notifications last saw -> events.

A new open alert gives ``new``; a higher severity ``severity_raised``; open ->
acknowledged ``acknowledged``; any -> resolved ``resolved``. An alert that was held back
(silenced or inhibited) before it was ever told, and is still open when the hold lifts,
gives a late ``new``. Events of a held alert are recorded in the hold's state
(``silenced`` or ``inhibited``), not sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from app.notifications.config import severity_rank

ACTIVE = ("open", "acknowledged")


@dataclass(frozen=True)
class AlertView:
    """An alert as detection sees it, with the snapshot that notices show."""

    alert_id: str
    device_id: str
    severity: str
    status: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    """What notifications last recorded of an alert."""

    severity: str
    status: str
    notified: bool = False
    held: str | None = None


@dataclass(frozen=True)
class Hold:
    """Why an alert is held back now: a silence or an inhibiting alert."""

    kind: Literal["silenced", "inhibited"]
    by: str
    reason: str


@dataclass(frozen=True)
class Draft:
    """One lifecycle event to record."""

    alert_id: str
    device_id: str
    event: str
    severity: str
    details: dict[str, Any]
    state: str = "pending"
    note: str | None = None


def _events(alert: AlertView, seen: Seen | None) -> list[tuple[str, str | None]]:
    """(event, note) pairs for one alert's change since ``seen``."""
    if seen is None:
        return [("new", None)] if alert.status == "open" else []
    found: list[tuple[str, str | None]] = []
    raised = severity_rank(alert.severity) > severity_rank(seen.severity)
    if alert.status in ACTIVE and raised:
        found.append(("severity_raised", f"severity raised from {seen.severity}"))
    if seen.status == "open" and alert.status == "acknowledged":
        found.append(("acknowledged", None))
    if seen.status != "resolved" and alert.status == "resolved":
        found.append(("resolved", None))
    return found


def detect(
    alerts: Sequence[AlertView], seen: Mapping[str, Seen], holds: Mapping[str, Hold]
) -> list[Draft]:
    """The events ``alerts`` call for, given what was ``seen`` and what ``holds`` them."""
    drafts: list[Draft] = []
    for alert in alerts:
        before = seen.get(alert.alert_id)
        hold = holds.get(alert.alert_id) if alert.status in ACTIVE else None
        found = _events(alert, before)
        released = (
            before is not None
            and before.held is not None
            and hold is None
            and alert.status == "open"
            and not before.notified
            and not found
        )
        if released:
            found.append(("new", "no longer held back"))
        for event, note in found:
            state = hold.kind if hold is not None else "pending"
            text = hold.reason if hold is not None else note
            drafts.append(
                Draft(
                    alert.alert_id,
                    alert.device_id,
                    event,
                    alert.severity,
                    alert.details,
                    state,
                    text,
                )
            )
    return drafts
