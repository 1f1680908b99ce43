"""Escalation and reminders as pure functions over the told, unacknowledged alerts.

An open alert at NOTIFY_ESCALATION_SEVERITY or above that nobody acknowledged within
NOTIFY_ESCALATION_MINUTES of being told goes to the next channel of its rule's
escalation chain, and again each further period, until the chain ends. Every open alert
that was told is reminded every NOTIFY_REMINDER_MINUTES until it is acknowledged.
Held-back alerts neither escalate nor remind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.notifications.config import NotifyConfig, severity_rank


@dataclass(frozen=True)
class Watched:
    """An open alert that was told, as escalation sees it."""

    alert_id: str
    severity: str
    notified_at: datetime
    escalation_level: int = 0
    reminded_at: datetime | None = None
    rule_id: int | None = None
    held: bool = False


@dataclass(frozen=True)
class Escalation:
    """Tell ``channel_id`` about ``alert_id`` at escalation ``level`` (1 = first step)."""

    alert_id: str
    level: int
    channel_id: int


def escalations(
    alerts: Sequence[Watched],
    chains: Mapping[int, Sequence[int]],
    now: datetime,
    config: NotifyConfig,
) -> list[Escalation]:
    """The escalation steps due at ``now`` (several if the dispatcher was down)."""
    steps: list[Escalation] = []
    floor = severity_rank(config.escalation_severity)
    for alert in alerts:
        chain = chains.get(alert.rule_id, ()) if alert.rule_id is not None else ()
        if alert.held or not chain or severity_rank(alert.severity) < floor:
            continue
        due = int((now - alert.notified_at) / config.escalation_after)
        for level in range(alert.escalation_level + 1, min(due, len(chain)) + 1):
            steps.append(Escalation(alert.alert_id, level, int(chain[level - 1])))
    return steps


def reminders(alerts: Sequence[Watched], now: datetime, config: NotifyConfig) -> list[str]:
    """Ids of the alerts whose reminder is due at ``now``."""
    every = config.reminder_every
    if every is None:
        return []
    return [
        a.alert_id for a in alerts if not a.held and now - (a.reminded_at or a.notified_at) >= every
    ]
