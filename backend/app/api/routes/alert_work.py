"""/api/v1/notifications for operators: silences, assignment and due dates, comments,
bulk acknowledge, "my alerts" and per-alert annotations. Every change is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import DbDep, Operator, SourceDep, Viewer
from app.api.params import Id
from app.api.routes.ml import ML
from app.core.errors import AppError, BadInput
from app.db.base import utcnow
from app.db.models_notify import Silence
from app.ml.alerts.records import AlertRecord
from app.notifications import maintenance, work
from app.schemas.alert_work import (
    AnnotationRead,
    AssignmentRead,
    AssignmentWrite,
    BulkAcknowledge,
    BulkRead,
    BulkResult,
    CommentRead,
    CommentWrite,
    MyAlert,
    SilenceCreate,
    SilenceRead,
)
from app.schemas.ml import AlertRead
from app.services import audit

router = APIRouter(prefix="/api/v1/notifications", tags=["alert work"])
MAX_ANNOTATED = 500


def _silence_read(row: Silence) -> SilenceRead:
    now = utcnow()
    ended = maintenance.has_ended(row, now)
    state = "ended" if ended else "planned" if row.starts_at > now else "active"
    return SilenceRead.model_validate(row).model_copy(update={"state": state})


@router.get("/silences")
def list_silences(
    _: Viewer, db: DbDep, include_ended: Annotated[bool, Query()] = False
) -> list[SilenceRead]:
    """Running and planned silences (ended ones too with include_ended), newest first."""
    rows = maintenance.list_silences(db, include_ended=include_ended, at=utcnow())
    return [_silence_read(row) for row in rows]


@router.post("/silences", status_code=201)
def create_silence(
    principal: Operator, db: DbDep, source: SourceDep, body: SilenceCreate
) -> SilenceRead:
    """Silence all devices, a device or a group for a maintenance window."""
    row = maintenance.create_silence(
        db,
        scope=body.scope,
        target=body.target,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        reason=body.reason,
        by=principal.name,
    )
    details = {"id": row.id, "scope": row.scope, "ends_at": row.ends_at.isoformat()}
    audit.record_audit(db, principal, audit.SILENCE_CREATE, row.target or "all", details, source)
    return _silence_read(row)


@router.post("/silences/{silence_id}/end")
def end_silence(principal: Operator, db: DbDep, source: SourceDep, silence_id: Id) -> SilenceRead:
    """End a silence now (it would otherwise end on its own)."""
    row = maintenance.end_silence(db, silence_id, principal.name)
    details = {"id": row.id}
    audit.record_audit(db, principal, audit.SILENCE_END, row.target or "all", details, source)
    return _silence_read(row)


@router.put("/alerts/{alert_id}/assignment")
def assign_alert(
    principal: Operator, db: DbDep, source: SourceDep, alert_id: str, body: AssignmentWrite
) -> AssignmentRead:
    """Assign the alert to a user with an optional due date (null assignee: unassign)."""
    row = work.assign(db, alert_id, assignee=body.assignee, due_at=body.due_at, by=principal.name)
    due = body.due_at.isoformat() if body.due_at else None
    details = {"assignee": body.assignee, "due_at": due}
    audit.record_audit(db, principal, audit.ALERT_ASSIGN, alert_id, details, source)
    return AssignmentRead(
        alert_id=alert_id,
        assignee=row.assignee if row else None,
        due_at=row.due_at if row else None,
        assigned_by=row.assigned_by if row else None,
        assigned_at=row.assigned_at if row else None,
    )


@router.get("/alerts/{alert_id}/comments")
def list_comments(_: Viewer, db: DbDep, alert_id: str) -> list[CommentRead]:
    """The alert's comment thread, oldest first."""
    return [CommentRead.model_validate(c) for c in work.comments(db, alert_id)]


@router.post("/alerts/{alert_id}/comments", status_code=201)
def add_comment(
    principal: Operator, db: DbDep, source: SourceDep, alert_id: str, body: CommentWrite
) -> CommentRead:
    """Add a comment to the alert's thread."""
    row = work.add_comment(db, alert_id, body=body.body, by=principal.name)
    audit.record_audit(db, principal, audit.ALERT_COMMENT, alert_id, {"id": row.id}, source)
    return CommentRead.model_validate(row)


@router.post("/alerts/acknowledge")
def acknowledge_many(
    principal: Operator, ml: ML, db: DbDep, source: SourceDep, body: BulkAcknowledge
) -> BulkRead:
    """Acknowledge several open alerts; each one that cannot be says why."""
    results = []
    for alert_id in dict.fromkeys(body.alert_ids):
        try:
            record: AlertRecord = ml.acknowledge(alert_id, principal.name, body.notes)
        except AppError as exc:
            results.append(BulkResult(alert_id=alert_id, ok=False, status=None, error=exc.message))
            continue
        results.append(BulkResult(alert_id=alert_id, ok=True, status=record.status, error=None))
    # audit rows only after the last acknowledgement: a flushed audit row would hold
    # SQLite's write lock against the alert service's own session
    for done in (r for r in results if r.ok):
        details = {"bulk": True}
        audit.record_audit(db, principal, audit.ALERT_ACKNOWLEDGE, done.alert_id, details, source)
    return BulkRead(acknowledged=sum(r.ok for r in results), results=results)


@router.get("/alerts/mine")
def my_alerts(
    principal: Operator, db: DbDep, include_resolved: Annotated[bool, Query()] = False
) -> list[MyAlert]:
    """The alerts assigned to the caller, soonest due first."""
    now = utcnow()
    return [
        MyAlert(
            alert=AlertRead.model_validate(AlertRecord.from_model(alert)),
            due_at=assignment.due_at,
            overdue=bool(assignment.due_at and assignment.due_at < now),
            assigned_by=assignment.assigned_by,
        )
        for alert, assignment in work.assigned_to(
            db, principal.name, include_resolved=include_resolved
        )
    ]


@router.get("/alerts/annotations")
def alert_annotations(
    _: Viewer,
    db: DbDep,
    alert_id: Annotated[list[str], Query(description="Repeated alert ids (at most 500)")],
) -> list[AnnotationRead]:
    """Assignee, due date, comment count, hold and whom each alert has told."""
    if len(alert_id) > MAX_ANNOTATED:
        raise BadInput(f"at most {MAX_ANNOTATED} alert ids at once", field="alert_id")
    return [AnnotationRead.model_validate(a) for a in work.annotate(db, alert_id)]
