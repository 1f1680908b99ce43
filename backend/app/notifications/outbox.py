"""The delivery outbox in the SQL store: at-least-once, retried, deduplicated, parked.

A notice is written in the same transaction as the events it groups, so it survives a
crash. To send it, a dispatcher first claims it (``locked_until`` = now + the lease,
``attempts`` + 1) and commits; only then does it talk to the receiver. A dispatcher
killed mid-send leaves the claim to expire and the notice is sent again with the same
idempotency key (its id). A failure waits NOTIFY_RETRY_BASE_SECONDS, doubling up to
NOTIFY_RETRY_MAX_SECONDS; after NOTIFY_MAX_ATTEMPTS it is parked with its last error
until an admin sends it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.errors import Conflict, NotFound
from app.db.models_notify import OutboxNotice
from app.notifications.config import NotifyConfig
from app.notifications.grouping import NoticePlan

MAX_ERROR = 500


@dataclass(frozen=True)
class Claimed:
    """A notice this dispatcher holds the lease of."""

    id: str
    channel_id: int
    payload: dict[str, Any]
    attempts: int


def payload_of(plan: NoticePlan, at: datetime) -> dict[str, Any]:
    """The stored notice: the device and its events as they were recorded."""
    events = [
        {
            **e.details,
            "event": e.event,
            "alert_id": e.alert_id,
            "severity": e.severity,
            "at": e.at.isoformat(),
            "note": e.note,
        }
        for e in plan.events
    ]
    return {"device_id": plan.device_id, "events": events, "created_at": at.isoformat()}


def enqueue(
    session: Session, plans: Sequence[NoticePlan], names: dict[int, str], at: datetime
) -> list[str]:
    """Write one pending notice per plan; returns their ids (the idempotency keys)."""
    rows = [
        {
            "id": uuid.uuid4().hex,
            "channel_id": plan.channel_id,
            "channel_name": names.get(plan.channel_id, str(plan.channel_id)),
            "device_id": plan.device_id,
            "payload": payload_of(plan, at),
            "status": "pending",
            "attempts": 0,
            "created_at": at,
            "next_attempt_at": plan.deliver_after or at,
        }
        for plan in plans
    ]
    if rows:
        session.execute(insert(OutboxNotice), rows)
    return [str(r["id"]) for r in rows]


def claim(session: Session, now: datetime, config: NotifyConfig, limit: int) -> list[Claimed]:
    """Lease up to ``limit`` due notices (the caller commits before sending)."""
    due = select(OutboxNotice.id).where(
        OutboxNotice.status == "pending",
        OutboxNotice.next_attempt_at <= now,
        or_(OutboxNotice.locked_until.is_(None), OutboxNotice.locked_until <= now),
    )
    ids = list(session.scalars(due.order_by(OutboxNotice.next_attempt_at).limit(limit)))
    claimed: list[Claimed] = []
    for notice_id in ids:
        taken = session.execute(
            update(OutboxNotice)
            .where(
                OutboxNotice.id == notice_id,
                OutboxNotice.status == "pending",
                or_(OutboxNotice.locked_until.is_(None), OutboxNotice.locked_until <= now),
            )
            .values(
                locked_until=now + config.lease,
                attempts=OutboxNotice.attempts + 1,
                last_attempt_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) == 1:
            row = session.get_one(OutboxNotice, notice_id, populate_existing=True)
            claimed.append(Claimed(row.id, row.channel_id, row.payload, row.attempts))
    return claimed


def delivered(session: Session, notice_id: str, at: datetime) -> None:
    """The receiver took it."""
    session.execute(
        update(OutboxNotice)
        .where(OutboxNotice.id == notice_id)
        .values(status="delivered", delivered_at=at, locked_until=None)
        .execution_options(synchronize_session=False)
    )


def failed(
    session: Session,
    notice: Claimed,
    error: str,
    at: datetime,
    config: NotifyConfig,
    *,
    park: bool = False,
) -> str:
    """Schedule a retry with backoff, or park after the last attempt; the new status."""
    parked = park or notice.attempts >= config.max_attempts
    values: dict[str, Any] = {"last_error": error[:MAX_ERROR], "locked_until": None}
    if parked:
        values["status"] = "parked"
    else:
        values["next_attempt_at"] = at + config.retry_delay(notice.attempts)
    session.execute(
        update(OutboxNotice)
        .where(OutboxNotice.id == notice.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return "parked" if parked else "pending"


def resend(session: Session, notice_id: str, at: datetime) -> OutboxNotice:
    """Put a parked notice back in the queue with fresh attempts (same idempotency key)."""
    notice = session.get(OutboxNotice, notice_id)
    if notice is None:
        raise NotFound(f"notice {notice_id} not found", field="notice_id")
    if notice.status != "parked":
        raise Conflict(f"notice {notice_id} is {notice.status}; only parked notices are resent")
    notice.status, notice.attempts, notice.next_attempt_at = "pending", 0, at
    notice.locked_until = None
    session.flush()
    return notice


OutboxSort = Literal["created_at", "channel_name", "device_id", "status", "attempts", "last_error"]
SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "created_at": OutboxNotice.created_at,
    "channel_name": OutboxNotice.channel_name,
    "device_id": OutboxNotice.device_id,
    "status": OutboxNotice.status,
    "attempts": OutboxNotice.attempts,
    "last_error": OutboxNotice.last_error,
}


def page(
    session: Session,
    status: str | None,
    limit: int,
    offset: int,
    sort: OutboxSort = "created_at",
    descending: bool = True,
) -> tuple[list[OutboxNotice], int]:
    """Notices (optionally of one status) sorted by ``sort`` and how many match.

    Missing errors go last both ways; ties go newest first, then by id.
    """
    query = select(OutboxNotice)
    count = select(func.count()).select_from(OutboxNotice)
    if status is not None:
        query = query.where(OutboxNotice.status == status)
        count = count.where(OutboxNotice.status == status)
    column = SORT_COLUMNS[sort]
    ordered = query.order_by(column.is_(None), column.desc() if descending else column.asc())
    ordered = ordered.order_by(OutboxNotice.created_at.desc(), OutboxNotice.id)
    rows = session.scalars(ordered.limit(limit).offset(offset))
    return list(rows), int(session.scalar(count) or 0)


def counts(session: Session) -> dict[str, int]:
    """Notices per status."""
    query = select(OutboxNotice.status, func.count()).group_by(OutboxNotice.status)
    found = {str(s): int(n) for s, n in session.execute(query)}
    return {s: found.get(s, 0) for s in ("pending", "delivered", "parked")}
