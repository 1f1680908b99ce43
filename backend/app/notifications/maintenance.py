"""Silences (maintenance windows): create, list, end early. They end on their own."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import BadInput, Conflict, NotFound
from app.db.base import utcnow
from app.db.models_notify import DeviceGroup, Silence

MAX_LENGTH = timedelta(days=366)


def create_silence(
    session: Session,
    *,
    scope: str,
    target: str | None,
    starts_at: datetime | None,
    ends_at: datetime,
    reason: str,
    by: str,
) -> Silence:
    """A silence for all devices, one device or one group (BadInput names the field)."""
    start = starts_at or utcnow()
    if ends_at <= start:
        raise BadInput("ends_at must be after starts_at", field="ends_at")
    if ends_at - start > MAX_LENGTH:
        raise BadInput("a silence may last at most 366 days", field="ends_at")
    if ends_at <= utcnow():
        raise BadInput("ends_at is in the past", field="ends_at")
    if (scope == "all") != (target is None):
        raise BadInput("target names the device or group (none for scope all)", field="target")
    if (
        scope == "group"
        and session.scalar(select(DeviceGroup.id).where(DeviceGroup.name == target)) is None
    ):
        raise BadInput(f"no device group named {target}", field="target")
    if not reason.strip():
        raise BadInput("reason is required", field="reason")
    row = Silence(
        scope=scope,
        target=target,
        starts_at=start,
        ends_at=ends_at,
        reason=reason.strip(),
        created_by=by,
    )
    session.add(row)
    session.flush()
    return row


def has_ended(row: Silence, at: datetime) -> bool:
    """True once the silence is over: its end has passed, or it was ended before it began
    (an empty window, ``ends_at == starts_at``)."""
    return row.ends_at <= at or row.ends_at <= row.starts_at


def list_silences(session: Session, *, include_ended: bool, at: datetime) -> list[Silence]:
    """Running and planned silences (and ended ones when asked), newest first."""
    query = select(Silence).order_by(Silence.starts_at.desc(), Silence.id.desc())
    if not include_ended:
        query = query.where(Silence.ends_at > at, Silence.ends_at > Silence.starts_at)
    return list(session.scalars(query.limit(500)))


def end_silence(session: Session, silence_id: int, by: str) -> Silence:
    """End a running or planned silence now."""
    row = session.get(Silence, silence_id)
    if row is None:
        raise NotFound(f"silence {silence_id} not found", field="silence_id")
    now = utcnow()
    if has_ended(row, now):
        raise Conflict(f"silence {silence_id} has already ended")
    row.ends_at = max(now, row.starts_at)
    row.ended_by = by
    session.flush()
    return row
