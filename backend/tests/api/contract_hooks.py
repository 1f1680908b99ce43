"""Valid data for rules JSON Schema cannot state, so that every positive case must be accepted.

Schemathesis hooks (applied to positive cases only) put generated values in the order the
server requires (an end after its start) and point references at rows that exist now
(channels, device groups, time zones). Values the rules already allow are left as drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from schemathesis.hooks import HookContext, HookDispatcher, HookScope

RULES = {"POST /api/v1/notifications/rules", "PUT /api/v1/notifications/rules/{rule_id}"}
SILENCES = "POST /api/v1/notifications/silences"
PURGE = "POST /api/v1/telemetry/purge"
# A silence starting this close to now keeps its drawn start; others start now.
SILENCE_WINDOW = timedelta(days=30)


def moment(text: Any) -> datetime | None:
    """``text`` as naive UTC, as the server reads it (a date is its midnight); None if not one."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        parsed = datetime.fromisoformat(text)
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (ValueError, OverflowError):
        return None


def in_order(values: dict[str, Any], start: str, end: str) -> dict[str, Any]:
    """``values`` with ``start`` and ``end`` swapped when the end comes first."""
    first, last = moment(values.get(start)), moment(values.get(end))
    if first is not None and last is not None and last < first:
        values[start], values[end] = values[end], values[start]
    return values


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Server:
    """What the running server holds now, read through its API as the admin."""

    url: str
    headers: dict[str, str]

    def ids(self, path: str, key: str) -> list[Any]:
        response = httpx.get(self.url + path, headers=self.headers, timeout=60)
        response.raise_for_status()
        body = response.json()
        items = body["items"] if isinstance(body, dict) else body
        return [item[key] for item in items]


@dataclass(frozen=True)
class ValidBody:
    """``map_body``: a body the server's cross-field and stored-row rules accept."""

    server: Server

    def __call__(self, context: HookContext, body: Any) -> Any:
        label = context.operation.label if context.operation else ""
        if not isinstance(body, dict):
            return body
        if label in RULES:
            return self.rule(body)
        if label == SILENCES:
            return self.silence(body)
        if label == PURGE:
            return purge(body)
        return body

    def rule(self, body: dict[str, Any]) -> dict[str, Any]:
        channels = self.server.ids("/api/v1/notifications/channels", "id")
        for field in ("channel_ids", "escalation_channel_ids"):
            body[field] = existing(body.get(field, []), channels)
        groups = self.server.ids("/api/v1/notifications/groups", "name")
        body["groups"] = existing(body.get("groups", []), groups)
        if (body.get("quiet_from") is None) != (body.get("quiet_until") is None):
            body["quiet_from"] = body["quiet_until"] = body.get("quiet_from") or body["quiet_until"]
        if not known_zone(body.get("timezone", "UTC")):
            body["timezone"] = "UTC"
        return body

    def silence(self, body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC).replace(tzinfo=None)
        start = moment(body.get("starts_at"))
        if start is None or abs(start - now) > SILENCE_WINDOW:
            body["starts_at"], start = None, now
        end = moment(body["ends_at"])
        if end is None or not max(start, now) < end <= start + timedelta(days=366):
            body["ends_at"] = iso(max(start, now) + timedelta(days=1))
        if body["scope"] == "group":
            groups = self.server.ids("/api/v1/notifications/groups", "name")
            body["target"] = groups[0] if groups else None
            body["scope"] = "group" if groups else "all"
        if body["scope"] == "all":
            body["target"] = None
        elif body.get("target") is None:
            body["target"] = "rig-1"
        if not body["reason"].strip():
            body["reason"] = "maintenance"
        return body


def purge(body: dict[str, Any]) -> dict[str, Any]:
    """``to`` after ``from``: swapped when before, dropped when equal (``from`` still narrows)."""
    body = in_order(body, "from", "to")
    first, last = moment(body.get("from")), moment(body.get("to"))
    if first is not None and first == last:
        body["to"] = None
    return body


def existing(drawn: list[Any], present: list[Any]) -> list[Any]:
    """Each drawn reference replaced by one that exists (none when none exists)."""
    if not present:
        return []
    picked = {present[index % len(present)] for index, _ in enumerate(drawn)}
    return sorted(picked, key=present.index)


def known_zone(name: Any) -> bool:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def dates_in_order(_context: HookContext, query: Any) -> Any:
    """``map_query``: ``end_date`` not before ``start_date`` (swapped when it is)."""
    return in_order(query, "start_date", "end_date") if isinstance(query, dict) else query


def positive_hooks(url: str, headers: dict[str, str]) -> HookDispatcher:
    """Hooks for positive cases against the server at ``url``."""
    hooks = HookDispatcher(scope=HookScope.TEST)
    hooks.register_hook_with_name(dates_in_order, "map_query")
    hooks.register_hook_with_name(ValidBody(Server(url, headers)), "map_body")
    return hooks
