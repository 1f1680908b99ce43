"""Bodies of /api/v1/notifications: channels, rules, groups, previews, the outbox."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from app.notifications import channel_schema
from app.schemas.ml import UtcDatetime

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w .@:-]+$")]
DeviceId = Annotated[str, Field(min_length=1, max_length=128)]
Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
IssueType = Literal["motor", "battery", "gps", "telemetry"]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["22:00"])]
ChannelId = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _kind(kind: str, config: JsonValue, secrets: JsonValue, *required: str) -> JsonValue:
    properties: dict[str, JsonValue] = {
        "kind": {"const": kind},
        "config": config,
        "secrets": secrets,
    }
    return {"properties": properties, "required": ["kind", "config", *required]}


# what each kind's config and secrets must hold (app.notifications.channels checks them)
CHANNEL_KINDS: list[JsonValue] = [
    _kind("webhook", channel_schema.WEBHOOK_CONFIG, channel_schema.WEBHOOK_SECRETS, "secrets"),
    _kind("email", channel_schema.EMAIL_CONFIG, channel_schema.EMAIL_SECRETS),
]


class ChannelCreate(BaseModel):
    """POST /channels: ``config`` and ``secrets`` as the kind defines them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": CHANNEL_KINDS})

    name: Name
    kind: Literal["webhook", "email"]
    enabled: bool = True
    config: dict[str, Any] = Field(
        description="webhook: url, format (json|slack|teams); email: host, port, "
        "security (starttls|tls|none), username, sender, recipients"
    )
    secrets: dict[str, str] = Field(
        default_factory=dict,
        description="webhook: signing_secret (16+ characters); email: password. "
        "Stored encrypted, never returned.",
    )


class ChannelUpdate(BaseModel):
    """PATCH /channels/{id}: what is given changes; ``secrets`` replaces all secrets."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    enabled: bool | None = None
    config: dict[str, Any] | None = None
    secrets: dict[str, str | None] | None = Field(
        default=None,
        description="Replaces every stored secret; left out, they stay. A secret given as "
        'null is cleared: {"password": null} removes an e-mail channel\'s SMTP password '
        "(a webhook's signing_secret cannot be cleared).",
    )


class ChannelRead(BaseModel):
    """A channel without its secrets (only which secret fields are set)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    enabled: bool
    config: dict[str, Any]
    secret_fields: list[str]
    created_by: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ChannelTestResult(BaseModel):
    """POST /channels/{id}/test: whether the test notice went through."""

    ok: bool
    error: str | None
    idempotency_key: str


class RuleWrite(BaseModel):
    """POST /rules and PUT /rules/{id}: matchers (empty = any), quiet hours, channels."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    enabled: bool = True
    severities: list[Severity] = Field(default_factory=list, max_length=4)
    issue_types: list[IssueType] = Field(default_factory=list, max_length=4)
    device_ids: list[DeviceId] = Field(default_factory=list, max_length=1000)
    groups: list[Name] = Field(default_factory=list, max_length=100)
    quiet_from: ClockTime | None = None
    quiet_until: ClockTime | None = None
    timezone: str = Field(default="UTC", max_length=64, examples=["Europe/Berlin"])
    channel_ids: list[ChannelId] = Field(default_factory=list, max_length=20)
    escalation_channel_ids: list[ChannelId] = Field(default_factory=list, max_length=20)
    continue_matching: bool = False
    position: int | None = Field(default=None, ge=0, le=10_000, description="default: last")


class RuleRead(BaseModel):
    """A routing rule."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    position: int
    enabled: bool
    severities: list[str]
    issue_types: list[str]
    device_ids: list[str]
    groups: list[str]
    quiet_from: str | None
    quiet_until: str | None
    timezone: str
    channel_ids: list[int]
    escalation_channel_ids: list[int]
    continue_matching: bool
    created_by: str
    created_at: UtcDatetime
    updated_at: UtcDatetime


class RuleOrder(BaseModel):
    """PUT /rules/order: every rule id, in the new evaluation order."""

    rule_ids: list[int] = Field(max_length=1000, json_schema_extra={"uniqueItems": True})


class GroupWrite(BaseModel):
    """POST /groups and PUT /groups/{id}."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: str = Field(default="", max_length=2000)
    device_ids: list[DeviceId] = Field(default_factory=list, max_length=10_000)


class GroupRead(BaseModel):
    """A device group."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    device_ids: list[str]
    created_at: UtcDatetime
    updated_at: UtcDatetime


def _named(*names: str) -> JsonValue:
    return {"required": list(names), "properties": {n: {"type": "string"} for n in names}}


# an alert_id, or all three facts of an imagined alert (none of them null)
PREVIEW_OF: list[JsonValue] = [_named("alert_id"), _named("device_id", "severity", "issue_type")]


class PreviewRequest(BaseModel):
    """POST /rules/preview: an existing alert, or the facts of an imagined one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": PREVIEW_OF})

    alert_id: str | None = Field(default=None, max_length=36)
    device_id: DeviceId | None = None
    severity: Severity | None = None
    issue_type: IssueType | None = None
    kind: Literal["degradation", "offline"] = "degradation"
    at: UtcDatetime | None = Field(default=None, description="default: now")


class PreviewHit(BaseModel):
    """A rule the alert hits and the channels it would tell."""

    rule_id: int
    rule_name: str
    channels: list[str]
    deliver_after: UtcDatetime | None = Field(description="set during the rule's quiet hours")


class PreviewRead(BaseModel):
    """Which rules an alert would hit, whom it would tell, and what would hold it back."""

    device_id: str
    severity: str
    issue_type: str
    groups: list[str]
    hits: list[PreviewHit]
    channels: list[str]
    escalation_rule: str | None
    held: Literal["silenced", "inhibited"] | None
    held_reason: str | None


class NoticeRead(BaseModel):
    """One outbox notice (its id is the idempotency key receivers get)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    channel_id: int
    channel_name: str
    device_id: str
    payload: dict[str, Any]
    status: Literal["pending", "delivered", "parked"]
    attempts: int
    created_at: UtcDatetime
    next_attempt_at: UtcDatetime
    last_attempt_at: UtcDatetime | None
    delivered_at: UtcDatetime | None
    last_error: str | None


class NoticePage(BaseModel):
    """GET /outbox."""

    items: list[NoticeRead]
    total: int
    limit: int
    offset: int
    counts: dict[str, int]


class DispatcherRead(BaseModel):
    """GET /status: the dispatcher and the outbox at a glance."""

    enabled: bool
    running: bool
    last_tick: UtcDatetime | None
    last_error: str | None
    outbox: dict[str, int]
    channels: int
    rules: int
    active_silences: int
