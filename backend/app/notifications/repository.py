"""Every SQL statement the notification steps run (not the admin's CRUD: see ``admin``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, or_, select, text, update
from sqlalchemy.orm import Session

from app.db.models_alerts import Alert
from app.db.models_notify import (
    AlertNotifyState,
    DeviceGroup,
    NotifyChannel,
    NotifyEvent,
    NotifyRule,
    Silence,
)
from app.notifications.detection import ACTIVE, Draft
from app.notifications.grouping import PendingEvent
from app.notifications.routing import QuietHours, Rule
from app.notifications.silences import SilenceWindow

# Serialises the planning step of dispatchers sharing one PostgreSQL database.
PLAN_LOCK_KEY = 0x44574E54  # "DWNT"


def lock_planning(session: Session) -> None:
    """On PostgreSQL, hold a transaction lock so one dispatcher plans at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLAN_LOCK_KEY})


def alerts_to_observe(session: Session) -> list[tuple[Alert, AlertNotifyState | None]]:
    """Active alerts, alerts never seen, and alerts changed since they were last seen."""
    state = AlertNotifyState
    query = (
        select(Alert, state)
        .outerjoin(state, state.alert_id == Alert.alert_id)
        .where(
            or_(
                state.alert_id.is_(None),
                Alert.status.in_(ACTIVE),
                Alert.status != state.status,
                Alert.severity != state.severity,
            )
        )
        .order_by(Alert.created_at, Alert.alert_id)
    )
    return [(alert, seen) for alert, seen in session.execute(query)]


def group_membership(session: Session) -> dict[str, frozenset[str]]:
    """Device id -> names of the groups it belongs to."""
    members: dict[str, set[str]] = {}
    for name, devices in session.execute(select(DeviceGroup.name, DeviceGroup.device_ids)):
        for device in devices or []:
            members.setdefault(str(device), set()).add(name)
    return {device: frozenset(names) for device, names in members.items()}


def silence_window(row: Silence) -> SilenceWindow:
    """The pure view of a silence row."""
    return SilenceWindow(
        row.id, row.scope, row.target, row.starts_at, row.ends_at, row.reason, row.created_by
    )


def active_silences(session: Session, at: datetime) -> list[SilenceWindow]:
    """Silences running at ``at``."""
    query = select(Silence).where(Silence.starts_at <= at, Silence.ends_at > at)
    return [silence_window(row) for row in session.scalars(query)]


def rule_of(row: NotifyRule) -> Rule:
    """The pure view of a rule row."""
    quiet = None
    if row.quiet_from and row.quiet_until:
        quiet = QuietHours(
            datetime.strptime(row.quiet_from, "%H:%M").time(),
            datetime.strptime(row.quiet_until, "%H:%M").time(),
            row.timezone,
        )
    return Rule(
        id=row.id,
        name=row.name,
        channel_ids=tuple(row.channel_ids),
        severities=frozenset(row.severities),
        issue_types=frozenset(row.issue_types),
        device_ids=frozenset(row.device_ids),
        groups=frozenset(row.groups),
        quiet=quiet,
        escalation_channel_ids=tuple(row.escalation_channel_ids),
        continue_matching=row.continue_matching,
        enabled=row.enabled,
    )


def rules(session: Session) -> list[Rule]:
    """Every rule in evaluation order."""
    query = select(NotifyRule).order_by(NotifyRule.position, NotifyRule.id)
    return [rule_of(row) for row in session.scalars(query)]


def enabled_channels(session: Session) -> dict[int, str]:
    """Id -> name of the enabled channels."""
    query = select(NotifyChannel.id, NotifyChannel.name).where(NotifyChannel.enabled)
    return {int(i): str(n) for i, n in session.execute(query)}


def all_channels(session: Session) -> list[NotifyChannel]:
    """Every channel, by id."""
    return list(session.scalars(select(NotifyChannel).order_by(NotifyChannel.id)))


def add_events(session: Session, drafts: Sequence[Draft], at: datetime) -> None:
    """Record drafted events (one executemany)."""
    if drafts:
        rows = [
            {
                "alert_id": d.alert_id,
                "device_id": d.device_id,
                "event": d.event,
                "severity": d.severity,
                "at": at,
                "details": d.details,
                "state": d.state,
                "note": d.note,
            }
            for d in drafts
        ]
        session.execute(insert(NotifyEvent), rows)


def pending_events(session: Session) -> list[PendingEvent]:
    """Events waiting to be grouped, oldest first."""
    query = select(NotifyEvent).where(NotifyEvent.state == "pending").order_by(NotifyEvent.id)
    return [
        PendingEvent(e.id, e.alert_id, e.device_id, e.event, e.severity, e.at, e.details, e.note)
        for e in session.scalars(query)
    ]


def set_event_states(session: Session, states: dict[int, str]) -> None:
    """Move events to their new state (queued or unrouted)."""
    rows = [{"id": i, "state": s} for i, s in states.items()]
    if rows:
        session.execute(update(NotifyEvent), rows)


def states(session: Session, alert_ids: Sequence[str]) -> dict[str, AlertNotifyState]:
    """State rows of these alerts (loaded for update)."""
    if not alert_ids:
        return {}
    query = select(AlertNotifyState).where(AlertNotifyState.alert_id.in_(list(alert_ids)))
    return {s.alert_id: s for s in session.scalars(query)}


def watched(session: Session) -> list[tuple[AlertNotifyState, Alert]]:
    """Open alerts that were told (escalation and reminders look at these)."""
    query = (
        select(AlertNotifyState, Alert)
        .join(Alert, Alert.alert_id == AlertNotifyState.alert_id)
        .where(Alert.status == "open", AlertNotifyState.notified_at.is_not(None))
    )
    return [(s, a) for s, a in session.execute(query)]


def escalation_chains(session: Session) -> dict[int, list[int]]:
    """Rule id -> its escalation channels in order."""
    query = select(NotifyRule.id, NotifyRule.escalation_channel_ids).where(NotifyRule.enabled)
    return {int(i): [int(c) for c in chain] for i, chain in session.execute(query)}
