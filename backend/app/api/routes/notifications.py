"""/api/v1/notifications (admin): channels, routing rules, device groups, the routing
preview, the outbox and the dispatcher's status. Every change is audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy import func, select

from app.api.deps import Admin, DbDep, SourceDep
from app.api.params import Id, Offset
from app.db.base import utcnow
from app.db.models_notify import NotifyChannel, NotifyRule, Silence
from app.notifications import admin, outbox
from app.notifications.preview import preview
from app.notifications.service import Notifications
from app.schemas.notifications import (
    ChannelCreate,
    ChannelRead,
    ChannelTestResult,
    ChannelUpdate,
    DispatcherRead,
    GroupRead,
    GroupWrite,
    NoticePage,
    NoticeRead,
    PreviewHit,
    PreviewRead,
    PreviewRequest,
    RuleOrder,
    RuleRead,
    RuleWrite,
)
from app.schemas.sessions import SortOrder
from app.services import audit

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


def notifications(request: Request) -> Notifications:
    """The notification service built in the lifespan."""
    service: Notifications = request.app.state.notifications
    return service


NotifyDep = Annotated[Notifications, Depends(notifications)]


def _channel_read(service: Notifications, row: NotifyChannel) -> ChannelRead:
    values: dict[str, Any] = {
        c: getattr(row, c)
        for c in ("id", "name", "kind", "enabled", "config", "created_by", "created_at")
    }
    values["updated_at"] = row.updated_at
    return ChannelRead(**values, secret_fields=admin.secret_fields(service.box, row))


@router.get("/status")
def dispatcher_status(_: Admin, db: DbDep, service: NotifyDep) -> DispatcherRead:
    """Whether the dispatcher runs, its last pass, the outbox by status."""
    now = utcnow()
    running = (
        select(func.count())
        .select_from(Silence)
        .where(Silence.starts_at <= now, Silence.ends_at > now)
    )
    dispatcher = service.dispatcher
    return DispatcherRead(
        enabled=service.config.enabled,
        running=dispatcher.running,
        last_tick=dispatcher.last_tick,
        last_error=dispatcher.last_error,
        outbox=outbox.counts(db),
        channels=int(db.scalar(select(func.count()).select_from(NotifyChannel)) or 0),
        rules=int(db.scalar(select(func.count()).select_from(NotifyRule)) or 0),
        active_silences=int(db.scalar(running) or 0),
    )


@router.get("/channels")
def list_channels(_: Admin, db: DbDep, service: NotifyDep) -> list[ChannelRead]:
    """Every channel (secrets never returned; ``secret_fields`` says which are set)."""
    return [_channel_read(service, row) for row in admin.list_channels(db)]


@router.post("/channels", status_code=status.HTTP_201_CREATED)
def create_channel(
    principal: Admin, db: DbDep, source: SourceDep, service: NotifyDep, body: ChannelCreate
) -> ChannelRead:
    """Add a webhook or e-mail channel."""
    row = admin.create_channel(db, service.box, body, principal.name)
    details = {"id": row.id, "kind": row.kind}
    audit.record_audit(db, principal, audit.CHANNEL_CREATE, row.name, details, source)
    return _channel_read(service, row)


@router.patch("/channels/{channel_id}")
def update_channel(
    principal: Admin,
    db: DbDep,
    source: SourceDep,
    service: NotifyDep,
    channel_id: Id,
    body: ChannelUpdate,
) -> ChannelRead:
    """Change a channel; ``secrets`` given replaces the stored ones."""
    row = admin.update_channel(db, service.box, channel_id, body)
    changed = sorted(body.model_dump(exclude_unset=True))
    details = {"id": row.id, "changed": changed}
    audit.record_audit(db, principal, audit.CHANNEL_UPDATE, row.name, details, source)
    return _channel_read(service, row)


@router.delete("/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_channel(principal: Admin, db: DbDep, source: SourceDep, channel_id: Id) -> Response:
    """Delete a channel that no rule uses."""
    row = admin.delete_channel(db, channel_id)
    audit.record_audit(db, principal, audit.CHANNEL_DELETE, row.name, {"id": channel_id}, source)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/channels/{channel_id}/test")
def test_channel(
    principal: Admin, db: DbDep, source: SourceDep, service: NotifyDep, channel_id: Id
) -> ChannelTestResult:
    """Send a test notice now and say whether it went through."""
    key, error = admin.send_test(db, service.box, channel_id, service.config, principal.name)
    details = {"id": channel_id, "ok": error is None}
    audit.record_audit(db, principal, audit.CHANNEL_TEST, str(channel_id), details, source)
    return ChannelTestResult(ok=error is None, error=error, idempotency_key=key)


@router.get("/rules")
def list_rules(_: Admin, db: DbDep) -> list[RuleRead]:
    """Every rule in evaluation order."""
    return [RuleRead.model_validate(row) for row in admin.list_rules(db)]


@router.post("/rules", status_code=status.HTTP_201_CREATED)
def create_rule(principal: Admin, db: DbDep, source: SourceDep, body: RuleWrite) -> RuleRead:
    """Add a rule (last, or at ``position``)."""
    row = admin.create_rule(db, body, principal.name)
    audit.record_audit(db, principal, audit.RULE_CREATE, row.name, {"id": row.id}, source)
    return RuleRead.model_validate(row)


@router.put("/rules/order")
def reorder_rules(
    principal: Admin, db: DbDep, source: SourceDep, body: RuleOrder
) -> list[RuleRead]:
    """Set the evaluation order (every rule id once)."""
    rows = admin.reorder_rules(db, body.rule_ids)
    details = {"order": body.rule_ids}
    audit.record_audit(db, principal, audit.RULE_REORDER, None, details, source)
    return [RuleRead.model_validate(row) for row in rows]


@router.put("/rules/{rule_id}")
def update_rule(
    principal: Admin, db: DbDep, source: SourceDep, rule_id: Id, body: RuleWrite
) -> RuleRead:
    """Replace a rule."""
    row = admin.update_rule(db, rule_id, body)
    audit.record_audit(db, principal, audit.RULE_UPDATE, row.name, {"id": row.id}, source)
    return RuleRead.model_validate(row)


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(principal: Admin, db: DbDep, source: SourceDep, rule_id: Id) -> Response:
    """Delete a rule."""
    row = admin.delete_rule(db, rule_id)
    audit.record_audit(db, principal, audit.RULE_DELETE, row.name, {"id": rule_id}, source)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/rules/preview")
def preview_rules(_: Admin, db: DbDep, service: NotifyDep, body: PreviewRequest) -> PreviewRead:
    """Which rules an alert (existing, or described) would hit now, or at ``at``."""
    found = preview(
        db,
        service.config,
        body.at or utcnow(),
        alert_id=body.alert_id,
        device_id=body.device_id,
        severity=body.severity,
        issue_type=body.issue_type,
        kind=body.kind,
    )
    names = found.names
    hits = [
        PreviewHit(
            rule_id=h.rule_id,
            rule_name=h.rule_name,
            channels=[names.get(c, str(c)) for c in h.channel_ids],
            deliver_after=h.deliver_after,
        )
        for h in found.decision.hits
    ]
    chain = found.decision.escalation_rule_id
    escalation = next((h.rule_name for h in found.decision.hits if h.rule_id == chain), None)
    return PreviewRead(
        device_id=found.facts.device_id,
        severity=found.facts.severity,
        issue_type=found.facts.issue_type,
        groups=sorted(found.facts.groups),
        hits=hits,
        channels=[names.get(c, str(c)) for c in found.decision.channels],
        escalation_rule=escalation,
        held=found.hold.kind if found.hold else None,
        held_reason=found.hold.reason if found.hold else None,
    )


@router.get("/groups")
def list_groups(_: Admin, db: DbDep) -> list[GroupRead]:
    """Every device group."""
    return [GroupRead.model_validate(row) for row in admin.list_groups(db)]


@router.post("/groups", status_code=status.HTTP_201_CREATED)
def create_group(principal: Admin, db: DbDep, source: SourceDep, body: GroupWrite) -> GroupRead:
    """Add a device group."""
    row = admin.save_group(db, body)
    details = {"id": row.id, "devices": len(row.device_ids)}
    audit.record_audit(db, principal, audit.GROUP_SAVE, row.name, details, source)
    return GroupRead.model_validate(row)


@router.put("/groups/{group_id}")
def update_group(
    principal: Admin, db: DbDep, source: SourceDep, group_id: Id, body: GroupWrite
) -> GroupRead:
    """Replace a device group's name, description and devices."""
    row = admin.save_group(db, body, group_id)
    details = {"id": row.id, "devices": len(row.device_ids)}
    audit.record_audit(db, principal, audit.GROUP_SAVE, row.name, details, source)
    return GroupRead.model_validate(row)


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_group(principal: Admin, db: DbDep, source: SourceDep, group_id: Id) -> Response:
    """Delete a device group no rule or current silence names."""
    row = admin.delete_group(db, group_id)
    audit.record_audit(db, principal, audit.GROUP_DELETE, row.name, {"id": group_id}, source)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/outbox")
def list_outbox(
    _: Admin,
    db: DbDep,
    status_filter: Annotated[
        Literal["pending", "delivered", "parked"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
    sort: Annotated[outbox.OutboxSort, Query(description="Column to sort by")] = "created_at",
    order: SortOrder = "desc",
) -> NoticePage:
    """Notices newest first unless sorted (ties newest first); parked ones carry their error."""
    descending = order == "desc"
    rows, total = outbox.page(db, status_filter, limit, offset, sort, descending)
    return NoticePage(
        items=[NoticeRead.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
        counts=outbox.counts(db),
    )


@router.post("/outbox/{notice_id}/resend")
def resend_notice(principal: Admin, db: DbDep, source: SourceDep, notice_id: str) -> NoticeRead:
    """Queue a parked notice again (same idempotency key, fresh attempts)."""
    row = outbox.resend(db, notice_id[:32], utcnow())
    details = {"channel": row.channel_name, "device_id": row.device_id}
    audit.record_audit(db, principal, audit.NOTICE_RESEND, row.id, details, source)
    return NoticeRead.model_validate(row)
