"""Audit trail rows as the API lists them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from app.schemas.sessions import UtcDatetime


class AuditEventRead(BaseModel):
    """One audited action."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcDatetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]
    source: str | None


class AuditPage(BaseModel):
    """A page of audit rows, newest first."""

    items: list[AuditEventRead]
    total: int
    limit: int
    offset: int
