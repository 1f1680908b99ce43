"""Alert work: assignee and due date, the comment thread, "my alerts", and what the
notification side knows of each alert (held back, told whom, escalation step)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import BadInput, NotFound
from app.db.base import utcnow
from app.db.models import User
from app.db.models_alerts import Alert
from app.db.models_notify import AlertAssignment, AlertComment, AlertNotifyState, NotifyChannel

MAX_COMMENT = 4000


def _alert(session: Session, alert_id: str) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} not found", field="alert_id")
    return alert


def assign(
    session: Session, alert_id: str, *, assignee: str | None, due_at: datetime | None, by: str
) -> AlertAssignment | None:
    """Set (or clear, with no assignee) who works on the alert and by when."""
    _alert(session, alert_id)
    current = session.get(AlertAssignment, alert_id)
    if assignee is None:
        if due_at is not None:
            raise BadInput("a due date needs an assignee", field="assignee")
        if current is not None:
            session.delete(current)
        return None
    user = session.scalar(select(User).where(User.username == assignee, User.active))
    if user is None:
        raise BadInput(f"no active user named {assignee}", field="assignee")
    row = current or AlertAssignment(alert_id=alert_id)
    row.assignee, row.due_at, row.assigned_by, row.assigned_at = assignee, due_at, by, utcnow()
    session.add(row)
    session.flush()
    return row


def add_comment(session: Session, alert_id: str, *, body: str, by: str) -> AlertComment:
    """Append a comment to the alert's thread."""
    _alert(session, alert_id)
    text = body.strip()
    if not text:
        raise BadInput("comment is empty", field="body")
    if len(text) > MAX_COMMENT:
        raise BadInput(f"comment is longer than {MAX_COMMENT} characters", field="body")
    row = AlertComment(alert_id=alert_id, author=by, body=text)
    session.add(row)
    session.flush()
    return row


def comments(session: Session, alert_id: str) -> list[AlertComment]:
    """The alert's thread, oldest first."""
    _alert(session, alert_id)
    query = select(AlertComment).where(AlertComment.alert_id == alert_id)
    return list(session.scalars(query.order_by(AlertComment.created_at, AlertComment.id)))


@dataclass(frozen=True)
class Annotation:
    """What the notification side knows of one alert."""

    alert_id: str
    assignee: str | None = None
    due_at: datetime | None = None
    overdue: bool = False
    comments: int = 0
    held: str | None = None
    held_reason: str | None = None
    notified_at: datetime | None = None
    told: tuple[str, ...] = ()
    escalation_level: int = 0


def annotate(session: Session, alert_ids: Sequence[str]) -> list[Annotation]:
    """Assignment, comment count, hold and whom was told, per alert id (known ones)."""
    ids = list(dict.fromkeys(alert_ids))
    known = set(session.scalars(select(Alert.alert_id).where(Alert.alert_id.in_(ids))))
    assigned = {
        a.alert_id: a
        for a in session.scalars(select(AlertAssignment).where(AlertAssignment.alert_id.in_(ids)))
    }
    counted = select(AlertComment.alert_id, func.count()).where(AlertComment.alert_id.in_(ids))
    counts = dict(session.execute(counted.group_by(AlertComment.alert_id)).all())
    states = {
        s.alert_id: s
        for s in session.scalars(select(AlertNotifyState).where(AlertNotifyState.alert_id.in_(ids)))
    }
    names = dict(session.execute(select(NotifyChannel.id, NotifyChannel.name)).all())
    now = utcnow()
    found = []
    for alert_id in (i for i in ids if i in known):
        a, s = assigned.get(alert_id), states.get(alert_id)
        found.append(
            Annotation(
                alert_id,
                assignee=a.assignee if a else None,
                due_at=a.due_at if a else None,
                overdue=bool(a and a.due_at and a.due_at < now),
                comments=int(counts.get(alert_id, 0)),
                held=s.held if s else None,
                held_reason=s.held_reason if s else None,
                notified_at=s.notified_at if s else None,
                told=tuple(names.get(c, f"channel {c}") for c in (s.channel_ids if s else [])),
                escalation_level=s.escalation_level if s else 0,
            )
        )
    return found


def assigned_to(
    session: Session, username: str, *, include_resolved: bool
) -> list[tuple[Alert, AlertAssignment]]:
    """The alerts assigned to ``username``, soonest due first (no due date last)."""
    query = (
        select(Alert, AlertAssignment)
        .join(AlertAssignment, AlertAssignment.alert_id == Alert.alert_id)
        .where(AlertAssignment.assignee == username)
    )
    if not include_resolved:
        query = query.where(Alert.status != "resolved")
    query = query.order_by(
        AlertAssignment.due_at.is_(None), AlertAssignment.due_at, Alert.created_at.desc()
    )
    return [(a, s) for a, s in session.execute(query.limit(500))]
