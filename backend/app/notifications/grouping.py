"""Grouping as pure functions: a device's events within NOTIFY_GROUP_WAIT_SECONDS of its
oldest pending one go out together, one notice per channel (and delivery time)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class PendingEvent:
    """A recorded event waiting to be sent."""

    id: int
    alert_id: str
    device_id: str
    event: str
    severity: str
    at: datetime
    details: dict[str, Any]
    note: str | None = None


@dataclass(frozen=True)
class NoticePlan:
    """One message: a device's events for one channel, deliverable from ``deliver_after``."""

    device_id: str
    channel_id: int
    deliver_after: datetime | None
    events: tuple[PendingEvent, ...]


def due_devices(events: Sequence[PendingEvent], now: datetime, wait: timedelta) -> set[str]:
    """Devices whose oldest pending event has waited ``wait``."""
    oldest: dict[str, datetime] = {}
    for event in events:
        oldest[event.device_id] = min(oldest.get(event.device_id, event.at), event.at)
    return {device for device, at in oldest.items() if now - at >= wait}


def plan_notices(
    events: Sequence[PendingEvent], targets: Mapping[int, Mapping[int, datetime | None]]
) -> list[NoticePlan]:
    """Group events by device, channel and delivery time (``targets``: event id -> channels)."""
    grouped: dict[tuple[str, int, datetime | None], list[PendingEvent]] = {}
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        for channel, after in targets.get(event.id, {}).items():
            grouped.setdefault((event.device_id, channel, after), []).append(event)
    return [
        NoticePlan(device, channel, after, tuple(items))
        for (device, channel, after), items in grouped.items()
    ]
