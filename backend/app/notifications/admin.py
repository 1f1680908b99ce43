"""Admin services: channels (secrets sealed), routing rules (ordered) and device groups.

Services take the caller's session first and never commit (the request does).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import BadInput, Conflict, NotFound
from app.db.base import utcnow
from app.db.models_notify import DeviceGroup, NotifyChannel, NotifyRule, Silence
from app.notifications.channels import KINDS, DeliveryError, build_channel
from app.notifications.config import NotifyConfig
from app.notifications.crypto import SecretBox
from app.notifications.messages import render
from app.schemas.notifications import ChannelCreate, ChannelUpdate, GroupWrite, RuleWrite


def _validated(
    kind: str, config: dict[str, Any], secrets: Mapping[str, str | None]
) -> tuple[Any, Any]:
    """The kind's config and secrets models, or BadInput naming the first bad field."""
    channel = KINDS[kind]
    try:
        return channel.config_model.model_validate(config), channel.secrets_model.model_validate(
            secrets
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        section = "secrets" if exc.title == channel.secrets_model.__name__ else "config"
        raise BadInput(f"{section}.{where}: {error['msg']}", field=f"{section}.{where}") from None


def _flush_unique(session: Session, what: str, name: str) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a {what} named {name} already exists", field="name") from None


def _channel(session: Session, channel_id: int) -> NotifyChannel:
    row = session.get(NotifyChannel, channel_id)
    if row is None:
        raise NotFound(f"channel {channel_id} not found", field="channel_id")
    return row


def secret_fields(box: SecretBox, row: NotifyChannel) -> list[str]:
    """Names of the secrets a channel has set (never their values)."""
    try:
        return sorted(k for k, v in box.open(row.secret).items() if v)
    except Conflict:
        return ["unreadable"]


def list_channels(session: Session) -> list[NotifyChannel]:
    """Every channel by name."""
    return list(session.scalars(select(NotifyChannel).order_by(NotifyChannel.name)))


def create_channel(session: Session, box: SecretBox, body: ChannelCreate, by: str) -> NotifyChannel:
    """A new channel with its secrets sealed."""
    config, secrets = _validated(body.kind, body.config, body.secrets)
    row = NotifyChannel(
        name=body.name,
        kind=body.kind,
        enabled=body.enabled,
        config=config.model_dump(),
        secret=box.seal(secrets.model_dump(exclude_none=True)),
        created_by=by,
    )
    session.add(row)
    _flush_unique(session, "channel", body.name)
    return row


def update_channel(
    session: Session, box: SecretBox, channel_id: int, body: ChannelUpdate
) -> NotifyChannel:
    """Change what the body gives; secrets are replaced only when given (null clears one)."""
    row = _channel(session, channel_id)
    given = body.secrets
    current: Mapping[str, str | None] = box.open(row.secret) if given is None else given
    config, secrets = _validated(row.kind, body.config or row.config, current)
    row.config = config.model_dump()
    row.secret = box.seal(secrets.model_dump(exclude_none=True))
    row.name = body.name or row.name
    row.enabled = row.enabled if body.enabled is None else body.enabled
    row.updated_at = utcnow()
    _flush_unique(session, "channel", row.name)
    return row


def delete_channel(session: Session, channel_id: int) -> NotifyChannel:
    """Delete a channel no rule uses (Conflict names the rules that do)."""
    row = _channel(session, channel_id)
    users = [
        r.name
        for r in session.scalars(select(NotifyRule))
        if channel_id in r.channel_ids or channel_id in r.escalation_channel_ids
    ]
    if users:
        raise Conflict(f"channel {row.name} is used by rule(s) {', '.join(sorted(users))}")
    session.delete(row)
    return row


TEST_PAYLOAD_DEVICE = "drillwatch-test"


def test_payload(by: str) -> dict[str, Any]:
    """A notice that says it is a test."""
    event = {
        "event": "new",
        "severity": "LOW",
        "issue_type": "telemetry",
        "kind": "degradation",
        "alert_id": "test",
        "predicted_timeframe": "not predicted",
        "recommended_actions": [],
        "note": f"test notice sent by {by}; no action needed",
        "at": datetime.now(UTC).isoformat(),
    }
    return {"device_id": TEST_PAYLOAD_DEVICE, "events": [event], "test": True}


def send_test(
    session: Session, box: SecretBox, channel_id: int, config: NotifyConfig, by: str
) -> tuple[str, str | None]:
    """Send a test notice now, outside the outbox; (key, error or None)."""
    row = _channel(session, channel_id)
    channel = build_channel(row.kind, row.config, box.open(row.secret), config.timeout_seconds)
    key = "test-" + uuid.uuid4().hex
    payload = test_payload(by)
    try:
        channel.send(payload, key, render(payload, config.dashboard_url))
    except DeliveryError as exc:
        return key, str(exc)
    return key, None


def _rule(session: Session, rule_id: int) -> NotifyRule:
    row = session.get(NotifyRule, rule_id)
    if row is None:
        raise NotFound(f"rule {rule_id} not found", field="rule_id")
    return row


def _check_rule(session: Session, body: RuleWrite) -> None:
    """Channels and groups must exist; quiet hours need both ends and a real zone."""
    known = set(session.scalars(select(NotifyChannel.id)))
    for field in ("channel_ids", "escalation_channel_ids"):
        unknown = sorted(set(getattr(body, field)) - known)
        if unknown:
            raise BadInput(f"no channel with id {unknown[0]}", field=field)
    groups = set(session.scalars(select(DeviceGroup.name)))
    missing = sorted(set(body.groups) - groups)
    if missing:
        raise BadInput(f"no device group named {missing[0]}", field="groups")
    if (body.quiet_from is None) != (body.quiet_until is None):
        raise BadInput("quiet hours need both quiet_from and quiet_until", field="quiet_until")
    try:
        ZoneInfo(body.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {body.timezone!r}", field="timezone") from None


def list_rules(session: Session) -> list[NotifyRule]:
    """Every rule in evaluation order."""
    return list(session.scalars(select(NotifyRule).order_by(NotifyRule.position, NotifyRule.id)))


def _assign(row: NotifyRule, body: RuleWrite) -> None:
    for field, value in body.model_dump(exclude={"position"}).items():
        setattr(row, field, sorted(set(value)) if field in ("severities", "issue_types") else value)


def _renumber(session: Session, ordered: list[NotifyRule]) -> None:
    for position, row in enumerate(ordered):
        row.position = position
    session.flush()


def create_rule(session: Session, body: RuleWrite, by: str) -> NotifyRule:
    """A new rule at ``position`` (default: last)."""
    _check_rule(session, body)
    row = NotifyRule(created_by=by, position=0)
    _assign(row, body)
    ordered = list_rules(session)
    ordered.insert(len(ordered) if body.position is None else body.position, row)
    session.add(row)
    _flush_unique(session, "rule", body.name)
    _renumber(session, ordered)
    return row


def update_rule(session: Session, rule_id: int, body: RuleWrite) -> NotifyRule:
    """Replace a rule's matchers and channels (and move it when ``position`` is given)."""
    row = _rule(session, rule_id)
    _check_rule(session, body)
    _assign(row, body)
    row.updated_at = utcnow()
    _flush_unique(session, "rule", body.name)
    if body.position is not None:
        ordered = [r for r in list_rules(session) if r.id != row.id]
        ordered.insert(body.position, row)
        _renumber(session, ordered)
    return row


def delete_rule(session: Session, rule_id: int) -> NotifyRule:
    """Delete a rule; the others keep their order."""
    row = _rule(session, rule_id)
    session.delete(row)
    session.flush()
    _renumber(session, list_rules(session))
    return row


def reorder_rules(session: Session, rule_ids: list[int]) -> list[NotifyRule]:
    """Put every rule in the given order (the list must name each rule once)."""
    rows = {r.id: r for r in list_rules(session)}
    if len(set(rule_ids)) != len(rule_ids):
        raise BadInput("rule_ids must name every rule exactly once", field="rule_ids")
    if sorted(rule_ids) != sorted(rows):  # valid input that does not fit the rules stored now
        raise Conflict(
            f"rule_ids must name every rule exactly once; the rules now are {sorted(rows)}",
            field="rule_ids",
        )
    _renumber(session, [rows[i] for i in rule_ids])
    return [rows[i] for i in rule_ids]


def _group(session: Session, group_id: int) -> DeviceGroup:
    row = session.get(DeviceGroup, group_id)
    if row is None:
        raise NotFound(f"device group {group_id} not found", field="group_id")
    return row


def list_groups(session: Session) -> list[DeviceGroup]:
    """Every device group by name."""
    return list(session.scalars(select(DeviceGroup).order_by(DeviceGroup.name)))


def save_group(session: Session, body: GroupWrite, group_id: int | None = None) -> DeviceGroup:
    """Create a group, or replace one (renaming is refused while rules or silences use it)."""
    row = DeviceGroup() if group_id is None else _group(session, group_id)
    if group_id is not None and row.name != body.name:
        _refuse_if_used(session, row.name)
    row.name, row.description = body.name, body.description
    row.device_ids = sorted(set(body.device_ids))
    row.updated_at = utcnow()
    session.add(row)
    _flush_unique(session, "device group", body.name)
    return row


def _refuse_if_used(session: Session, name: str) -> None:
    rules = [r.name for r in session.scalars(select(NotifyRule)) if name in r.groups]
    silenced = session.scalar(
        select(func.count())
        .select_from(Silence)
        .where(Silence.scope == "group", Silence.target == name, Silence.ends_at > utcnow())
    )
    if rules or silenced:
        users = [f"rule(s) {', '.join(sorted(rules))}"] if rules else []
        users += [f"{silenced} running or planned silence(s)"] if silenced else []
        raise Conflict(f"device group {name} is used by {' and '.join(users)}")


def delete_group(session: Session, group_id: int) -> DeviceGroup:
    """Delete a group no rule or current silence names."""
    row = _group(session, group_id)
    _refuse_if_used(session, row.name)
    session.delete(row)
    return row
