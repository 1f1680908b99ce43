"""The audit trail in the SQL store: who did what to which target, when and from where.

``record_audit`` adds a row to the caller's session; it is committed with the change it
describes (services never commit). Names of actions are ``domain.verb``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.roles import Principal
from app.db.models_audit import AuditEvent

LOGIN = "auth.login"
LOGIN_FAILED = "auth.login_failed"
USER_CREATE = "user.create"
USER_UPDATE = "user.update"
USER_DELETE = "user.delete"
API_KEY_CREATE = "api_key.create"
API_KEY_REVOKE = "api_key.revoke"
MODEL_TRAIN = "model.train"
MODEL_DEPLOY = "model.deploy"
MODEL_ROLLBACK = "model.rollback"
ALERT_ACKNOWLEDGE = "alert.acknowledge"
ALERT_RESOLVE = "alert.resolve"
ALERT_ASSIGN = "alert.assign"
ALERT_COMMENT = "alert.comment"
CHANNEL_CREATE = "notify.channel_create"
CHANNEL_UPDATE = "notify.channel_update"
CHANNEL_DELETE = "notify.channel_delete"
CHANNEL_TEST = "notify.channel_test"
RULE_CREATE = "notify.rule_create"
RULE_UPDATE = "notify.rule_update"
RULE_DELETE = "notify.rule_delete"
RULE_REORDER = "notify.rule_reorder"
GROUP_SAVE = "notify.group_save"
GROUP_DELETE = "notify.group_delete"
NOTICE_RESEND = "notify.resend"
SILENCE_CREATE = "silence.create"
SILENCE_END = "silence.end"
TELEMETRY_PURGE = "telemetry.purge"
TELEMETRY_ARCHIVE = "telemetry.archive"
TELEMETRY_UNARCHIVE = "telemetry.unarchive"
STORE_BACKUP = "store.backup"
STORE_RESTORE = "store.restore"


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


def record_audit(
    session: Session,
    actor: str | Principal,
    action: str,
    target: str | None,
    details: Mapping[str, Any] | None,
    source: str | None,
) -> AuditEvent:
    """Add one audit row (never a secret in ``details``); the caller's commit keeps it."""
    name = actor.name if isinstance(actor, Principal) else actor
    event = AuditEvent(
        actor=_clip(name, 128),
        action=action[:64],
        target=_clip(target, 256),
        details=dict(details or {}),
        source=_clip(source, 64),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to list; ``None`` means any."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(query: Select[Any], where: AuditFilter) -> Select[Any]:
    if where.actor is not None:
        query = query.where(AuditEvent.actor == where.actor)
    if where.action is not None:
        query = query.where(AuditEvent.action == where.action)
    if where.target is not None:
        query = query.where(AuditEvent.target == where.target)
    if where.since is not None:
        query = query.where(AuditEvent.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.at < where.until)
    return query


AuditSort = Literal["at", "actor", "action", "target", "source"]
SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "at": AuditEvent.at,
    "actor": AuditEvent.actor,
    "action": AuditEvent.action,
    "target": AuditEvent.target,
    "source": AuditEvent.source,
}


def list_audit(
    session: Session,
    where: AuditFilter,
    *,
    limit: int,
    offset: int,
    sort: AuditSort = "at",
    descending: bool = True,
) -> tuple[list[AuditEvent], int]:
    """One page of matching rows (newest first unless sorted), and how many match in all.

    Ties, and missing targets or sources (always last), go newest first.
    """
    column = SORT_COLUMNS[sort]
    rows = session.scalars(
        _filtered(select(AuditEvent), where)
        .order_by(column.is_(None), column.desc() if descending else column.asc())
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(_filtered(select(func.count()).select_from(AuditEvent), where))
    return list(rows), int(total or 0)
