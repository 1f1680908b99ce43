"""SQL models of notifications: channels, routing rules, device groups, silences, the
per-alert notification state, lifecycle events, the delivery outbox, and alert work
(assignment and comments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, utcnow

CHANNEL_KINDS = ("webhook", "email")
SILENCE_SCOPES = ("all", "device", "group")
EVENTS = ("new", "severity_raised", "escalated", "reminder", "acknowledged", "resolved")
EVENT_STATES = ("pending", "queued", "silenced", "inhibited", "unrouted")
OUTBOX_STATES = ("pending", "delivered", "parked")
HOLDS = ("silenced", "inhibited")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class NotifyChannel(Base):
    """Where notices go: a webhook or an SMTP mailbox; secrets kept encrypted."""

    __tablename__ = "notify_channels"
    __table_args__ = (CheckConstraint(_in("kind", CHANNEL_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    secret: Mapped[str | None] = mapped_column(Text, default=None)  # Fernet token
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotifyRule(Base):
    """One routing rule; rules are tried in ``position`` order (first match or continue)."""

    __tablename__ = "notify_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    severities: Mapped[list[str]] = mapped_column(JSON, default=list)
    issue_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    device_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    quiet_from: Mapped[str | None] = mapped_column(String(5), default=None)
    quiet_until: Mapped[str | None] = mapped_column(String(5), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    escalation_channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    continue_matching: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeviceGroup(Base):
    """A named set of devices that rules and silences can name."""

    __tablename__ = "notify_device_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    device_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Silence(Base):
    """A maintenance window: notices of matching alerts are recorded, not sent."""

    __tablename__ = "notify_silences"
    __table_args__ = (
        CheckConstraint(_in("scope", SILENCE_SCOPES), name="scope"),
        Index("ix_notify_silences_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))
    target: Mapped[str | None] = mapped_column(String(128), default=None)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_by: Mapped[str | None] = mapped_column(String(128), default=None)


class AlertNotifyState(Base):
    """What notifications last saw of an alert, whom they told, and what holds it back."""

    __tablename__ = "notify_alert_state"
    __table_args__ = (CheckConstraint(f"held IS NULL OR {_in('held', HOLDS)}", name="held"),)

    alert_id: Mapped[str] = mapped_column(ForeignKey("ml_alerts.alert_id"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(128), index=True)
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime]
    notified_at: Mapped[datetime | None] = mapped_column(default=None)
    channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    rule_id: Mapped[int | None] = mapped_column(Integer, default=None)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    held: Mapped[str | None] = mapped_column(String(16), default=None)
    held_by: Mapped[str | None] = mapped_column(String(64), default=None)
    held_reason: Mapped[str | None] = mapped_column(Text, default=None)


class NotifyEvent(Base):
    """One lifecycle step of an alert, waiting to be grouped into notices (or held)."""

    __tablename__ = "notify_events"
    __table_args__ = (
        CheckConstraint(_in("event", EVENTS), name="event"),
        CheckConstraint(_in("state", EVENT_STATES), name="state"),
        Index("ix_notify_events_state_device", "state", "device_id"),
        Index("ix_notify_events_alert", "alert_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    note: Mapped[str | None] = mapped_column(Text, default=None)


class OutboxNotice(Base):
    """One message for one channel; ``id`` is the idempotency key receivers get."""

    __tablename__ = "notify_outbox"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATES), name="status"),
        Index("ix_notify_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer)
    channel_name: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class AlertAssignment(Base):
    """Who works on an alert and by when."""

    __tablename__ = "alert_assignments"

    alert_id: Mapped[str] = mapped_column(ForeignKey("ml_alerts.alert_id"), primary_key=True)
    assignee: Mapped[str] = mapped_column(String(64), index=True)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    assigned_by: Mapped[str] = mapped_column(String(128))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertComment(Base):
    """One comment in an alert's thread."""

    __tablename__ = "alert_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[str] = mapped_column(ForeignKey("ml_alerts.alert_id"), index=True)
    author: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
