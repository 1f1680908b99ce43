"""Bodies of /api/v1/notifications for operators: silences, assignment, comments, bulk
acknowledge, "my alerts" and per-alert annotations."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.ml import AlertRead, UtcDatetime


class SilenceCreate(BaseModel):
    """POST /silences: all devices, one device or one group, from ``starts_at`` (default
    now) until ``ends_at``."""

    model_config = ConfigDict(extra="forbid")

    scope: Literal["all", "device", "group"]
    target: str | None = Field(default=None, min_length=1, max_length=128)
    starts_at: UtcDatetime | None = None
    ends_at: UtcDatetime
    reason: str = Field(min_length=1, max_length=2000)


class SilenceRead(BaseModel):
    """A silence and whether it runs now."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    scope: str
    target: str | None
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    reason: str
    created_by: str
    created_at: UtcDatetime
    ended_by: str | None
    state: Literal["planned", "active", "ended"] = "active"


class AssignmentWrite(BaseModel):
    """PUT /alerts/{id}/assignment: a user name (null clears) and an optional due date."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(default=None, min_length=1, max_length=64)
    due_at: UtcDatetime | None = None


class AssignmentRead(BaseModel):
    """Who works on an alert, by when (null assignee: nobody)."""

    alert_id: str
    assignee: str | None
    due_at: UtcDatetime | None
    assigned_by: str | None
    assigned_at: UtcDatetime | None


class CommentWrite(BaseModel):
    """POST /alerts/{id}/comments."""

    body: str = Field(min_length=1, max_length=4000)


class CommentRead(BaseModel):
    """One comment in an alert's thread."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    alert_id: str
    author: str
    body: str
    created_at: UtcDatetime


class BulkAcknowledge(BaseModel):
    """POST /alerts/acknowledge: up to 200 alerts at once."""

    model_config = ConfigDict(extra="forbid")

    alert_ids: list[str] = Field(min_length=1, max_length=200)
    notes: str | None = Field(default=None, max_length=2000)


class BulkResult(BaseModel):
    """What happened to one alert of a bulk acknowledge."""

    alert_id: str
    ok: bool
    status: str | None
    error: str | None


class BulkRead(BaseModel):
    """Per alert: acknowledged, or why not."""

    acknowledged: int
    results: list[BulkResult]


class AnnotationRead(BaseModel):
    """What notifications know of an alert: assignment, comments, hold, who was told."""

    model_config = ConfigDict(from_attributes=True)

    alert_id: str
    assignee: str | None
    due_at: UtcDatetime | None
    overdue: bool
    comments: int
    held: Literal["silenced", "inhibited"] | None
    held_reason: str | None
    notified_at: UtcDatetime | None
    told: list[str]
    escalation_level: int


class MyAlert(BaseModel):
    """An alert assigned to the caller, with its due date."""

    alert: AlertRead
    due_at: UtcDatetime | None
    overdue: bool
    assigned_by: str
