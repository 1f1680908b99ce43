"""The planning steps of a dispatcher tick, in one transaction: observe alerts (events and
holds), add escalations and reminders, group due events into outbox notices.

Only glue lives here: each decision is a pure function of its own module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.db.models_alerts import Alert
from app.db.models_notify import AlertNotifyState
from app.notifications import outbox, repository
from app.notifications.config import NotifyConfig
from app.notifications.detection import ACTIVE, AlertView, Draft, Hold, Seen, detect
from app.notifications.escalation import Watched, escalations, reminders
from app.notifications.grouping import PendingEvent, due_devices, plan_notices
from app.notifications.inhibition import ActiveAlert, inhibitions
from app.notifications.routing import AlertFacts, Rule, route
from app.notifications.silences import SilenceWindow, covering_silence

ROUTED = ("new", "severity_raised")


@dataclass(frozen=True)
class PlanReport:
    """What one planning step did."""

    events: int = 0
    notices: int = 0


def snapshot(alert: Alert) -> dict[str, Any]:
    """What notices show of an alert, as plain JSON values."""

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "issue_type": alert.predicted_issue_type,
        "kind": alert.kind,
        "status": alert.status,
        "confidence": alert.confidence,
        "health_score": alert.health_score,
        "predicted_timeframe": alert.predicted_timeframe,
        "predicted_failure_at": iso(alert.predicted_failure_at),
        "recommended_actions": list(alert.recommended_actions or []),
        "model_version": alert.model_version,
        "created_at": iso(alert.created_at),
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_notes": alert.acknowledged_notes,
        "resolved_by": alert.resolved_by,
        "outcome": alert.outcome,
        "resolution_notes": alert.resolution_notes,
    }


def active_alert(alert: Alert) -> ActiveAlert:
    """The inhibition view of an alert."""
    return ActiveAlert(
        alert.alert_id, alert.device_id, alert.predicted_issue_type, alert.kind, alert.severity
    )


def current_holds(
    alerts: Sequence[Alert],
    silences: Sequence[SilenceWindow],
    groups: dict[str, frozenset[str]],
    at: datetime,
    config: NotifyConfig,
) -> dict[str, Hold]:
    """Alert id -> what holds it back now (a silence before an inhibiting alert)."""
    active = [a for a in alerts if a.status in ACTIVE]
    inhibited = inhibitions([active_alert(a) for a in active], config.inhibit_battery_severity)
    holds: dict[str, Hold] = {}
    for alert in active:
        silence = covering_silence(
            silences, alert.device_id, groups.get(alert.device_id, frozenset()), at
        )
        if silence is not None:
            holds[alert.alert_id] = Hold("silenced", str(silence.id), silence.describe())
        elif alert.alert_id in inhibited:
            found = inhibited[alert.alert_id]
            holds[alert.alert_id] = Hold("inhibited", found.source_id, found.reason)
    return holds


def _save_state(
    session: Session,
    rows: Sequence[tuple[Alert, AlertNotifyState | None]],
    holds: dict[str, Hold],
    at: datetime,
) -> None:
    for alert, state in rows:
        if state is None:
            state = AlertNotifyState(
                alert_id=alert.alert_id,
                device_id=alert.device_id,
                seen_at=at,
                channel_ids=[],
                escalation_level=0,
            )
            session.add(state)
        hold = holds.get(alert.alert_id)
        state.severity, state.status = alert.severity, alert.status
        state.held = hold.kind if hold else None
        state.held_by = hold.by if hold else None
        state.held_reason = hold.reason if hold else None


def observe(session: Session, at: datetime, config: NotifyConfig) -> int:
    """Record the lifecycle events of changed alerts and refresh every alert's hold."""
    rows = repository.alerts_to_observe(session)
    groups = repository.group_membership(session)
    alerts = [alert for alert, _ in rows]
    holds = current_holds(alerts, repository.active_silences(session, at), groups, at, config)
    seen = {
        a.alert_id: Seen(s.severity, s.status, s.notified_at is not None, s.held)
        for a, s in rows
        if s is not None
    }
    views = [AlertView(a.alert_id, a.device_id, a.severity, a.status, snapshot(a)) for a in alerts]
    drafts = detect(views, seen, holds)
    repository.add_events(session, drafts, at)
    _save_state(session, rows, holds, at)
    return len(drafts)


def escalate(session: Session, at: datetime, config: NotifyConfig) -> int:
    """Record due escalations and reminders of told, unacknowledged alerts."""
    pairs = repository.watched(session)
    by_id = {state.alert_id: (state, alert) for state, alert in pairs}
    watched = [
        Watched(
            s.alert_id,
            a.severity,
            s.notified_at or at,
            s.escalation_level,
            s.reminded_at,
            s.rule_id,
            s.held is not None,
        )
        for s, a in pairs
    ]
    drafts: list[Draft] = []
    for step in escalations(watched, repository.escalation_chains(session), at, config):
        state, alert = by_id[step.alert_id]
        state.escalation_level = max(state.escalation_level, step.level)
        details = {**snapshot(alert), "level": step.level, "channel_id": step.channel_id}
        drafts.append(Draft(alert.alert_id, alert.device_id, "escalated", alert.severity, details))
    for alert_id in reminders(watched, at, config):
        state, alert = by_id[alert_id]
        state.reminded_at = at
        drafts.append(
            Draft(alert.alert_id, alert.device_id, "reminder", alert.severity, snapshot(alert))
        )
    repository.add_events(session, drafts, at)
    return len(drafts)


def _targets(
    event: PendingEvent,
    state: AlertNotifyState,
    rules: Sequence[Rule],
    groups: dict[str, frozenset[str]],
    at: datetime,
) -> dict[int, datetime | None]:
    """Channels ``event`` goes to (and when); records whom the alert has now told."""
    if event.event in ROUTED:
        facts = AlertFacts(
            event.device_id,
            event.severity,
            str(event.details.get("issue_type")),
            groups.get(event.device_id, frozenset()),
        )
        decision = route(facts, rules, at)
        chosen = decision.channels
        state.rule_id = decision.escalation_rule_id or state.rule_id
    elif event.event == "escalated":
        chosen = {int(event.details["channel_id"]): None}
    else:
        chosen = dict.fromkeys(state.channel_ids)
    return chosen


def group(session: Session, at: datetime, config: NotifyConfig) -> int:
    """Turn the events of devices whose group wait is over into outbox notices."""
    pending = repository.pending_events(session)
    due = due_devices(pending, at, config.group_wait)
    events = [e for e in pending if e.device_id in due]
    if not events:
        return 0
    rules, groups = repository.rules(session), repository.group_membership(session)
    channels = repository.enabled_channels(session)
    states = repository.states(session, [e.alert_id for e in events])
    targets: dict[int, dict[int, datetime | None]] = {}
    for event in events:
        state = states[event.alert_id]
        chosen = {
            c: after
            for c, after in _targets(event, state, rules, groups, at).items()
            if c in channels
        }
        targets[event.id] = chosen
        if chosen:
            state.channel_ids = sorted(set(state.channel_ids) | set(chosen))
            told = min(after or at for after in chosen.values())
            state.notified_at = state.notified_at or told
    plans = plan_notices(events, targets)
    outbox.enqueue(session, plans, channels, at)
    repository.set_event_states(
        session, {e.id: "queued" if targets[e.id] else "unrouted" for e in events}
    )
    return len(plans)


def plan(session: Session, at: datetime, config: NotifyConfig) -> PlanReport:
    """Observe, escalate and group, in the caller's transaction."""
    repository.lock_planning(session)
    events = observe(session, at, config) + escalate(session, at, config)
    session.flush()
    return PlanReport(events=events, notices=group(session, at, config))
