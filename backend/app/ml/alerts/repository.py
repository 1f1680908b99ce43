"""Every SQL statement on ``ml_alerts``: rule state, bulk writes, transitions, listings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.db.models_alerts import Alert
from app.ml.alerts.rules import ACTIVE, STATE_COLUMNS

ALERT_FIELDS = tuple(column.key for column in Alert.__table__.columns)


def load_state(session: Session, device_ids: Sequence[str], since: datetime) -> pd.DataFrame:
    """Active alerts of ``device_ids`` and those resolved at or after ``since``."""
    columns = [getattr(Alert, name) for name in STATE_COLUMNS]
    query = select(*columns).where(
        Alert.device_id.in_(list(device_ids)),
        or_(Alert.status.in_(ACTIVE), Alert.resolved_at >= since),
    )
    rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(STATE_COLUMNS), dtype=object)


def insert_alerts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert new alerts in one executemany."""
    if rows:
        session.execute(insert(Alert), rows)


def update_alerts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Update alerts by primary key in one executemany (each row carries alert_id)."""
    if rows:
        session.execute(update(Alert), rows)


def fetch(session: Session, alert_ids: Sequence[str]) -> list[Alert]:
    """The alerts with these ids (any order)."""
    if not alert_ids:
        return []
    return list(session.scalars(select(Alert).where(Alert.alert_id.in_(list(alert_ids)))))


def get(session: Session, alert_id: str) -> Alert | None:
    """One alert by id, or None."""
    return session.get(Alert, alert_id)


def transition(
    session: Session, alert_id: str, allowed_from: Sequence[str], values: dict[str, Any]
) -> bool:
    """Atomically set ``values`` if the alert's status is in ``allowed_from``; True if it did."""
    statement = (
        update(Alert)
        .where(Alert.alert_id == alert_id, Alert.status.in_(list(allowed_from)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


def _filtered(query: Select[Any], filters: dict[str, str | None]) -> Select[Any]:
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(Alert, name) == value)
    return query


def page(
    session: Session, filters: dict[str, str | None], limit: int, offset: int
) -> tuple[list[Alert], int]:
    """One page of alerts, newest first, and the total matching ``filters``."""
    total = session.scalar(_filtered(select(func.count()).select_from(Alert), filters)) or 0
    query = _filtered(select(Alert), filters).order_by(Alert.created_at.desc(), Alert.alert_id)
    return list(session.scalars(query.limit(limit).offset(offset))), int(total)


def counts(session: Session, column: str) -> dict[str, int]:
    """Number of alerts per value of ``column`` (NULLs left out)."""
    attribute = getattr(Alert, column)
    query = select(attribute, func.count()).where(attribute.is_not(None)).group_by(attribute)
    return {str(key): int(n) for key, n in session.execute(query).all()}
