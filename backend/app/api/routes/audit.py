"""Admin-only reading of the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import Admin, DbDep
from app.api.params import IsoDatetime, Offset
from app.schemas.audit import AuditEventRead, AuditPage
from app.schemas.sessions import SortOrder
from app.services import audit

router = APIRouter(prefix="/api/v1", tags=["audit"])


def _utc(value: datetime | None) -> datetime | None:
    """Times without a zone are taken as UTC."""
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


@router.get("/audit")
def list_audit(
    _: Admin,
    db: DbDep,
    actor: Annotated[str | None, Query(max_length=128, description="Who acted")] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. auth.login")] = None,
    target: Annotated[str | None, Query(max_length=256, description="What was acted on")] = None,
    since: Annotated[IsoDatetime | None, Query(description="From this time on (ISO 8601)")] = None,
    until: Annotated[IsoDatetime | None, Query(description="Before this time (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    sort: Annotated[audit.AuditSort, Query(description="Column to sort by")] = "at",
    order: SortOrder = "desc",
) -> AuditPage:
    """Audited actions (logins, account, model and alert changes), newest first unless sorted."""
    where = audit.AuditFilter(
        actor=actor, action=action, target=target, since=_utc(since), until=_utc(until)
    )
    descending = order == "desc"
    rows, total = audit.list_audit(
        db, where, limit=limit, offset=offset, sort=sort, descending=descending
    )
    items = [AuditEventRead.model_validate(row) for row in rows]
    return AuditPage(items=items, total=total, limit=limit, offset=offset)
