"""Notice retention: delivered and parked notices, and the events already grouped or held,
are deleted NOTIFY_RETENTION_DAYS after their last delivery attempt (0: kept for ever).

Pending notices and pending events are never purged: they still have work to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_
from sqlalchemy.orm import Session

from app.db.models_notify import NotifyEvent, OutboxNotice


@dataclass(frozen=True)
class Purged:
    """How many rows one purge deleted."""

    notices: int = 0
    events: int = 0


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def purge(session: Session, before: datetime) -> Purged:
    """Delete notices delivered or parked before ``before`` and older settled events."""
    notices = session.execute(
        delete(OutboxNotice)
        .where(
            or_(
                and_(OutboxNotice.status == "delivered", OutboxNotice.delivered_at < before),
                and_(OutboxNotice.status == "parked", OutboxNotice.last_attempt_at < before),
            )
        )
        .execution_options(synchronize_session=False)
    )
    events = session.execute(
        delete(NotifyEvent)
        .where(NotifyEvent.state != "pending", NotifyEvent.at < before)
        .execution_options(synchronize_session=False)
    )
    return Purged(_count(notices), _count(events))
