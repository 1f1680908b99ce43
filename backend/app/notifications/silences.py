"""Silences (maintenance windows) as pure functions: which silence covers a device now.

A silence names all devices, one device or one device group, and runs from ``starts_at``
to ``ends_at``; it ends on its own. While it covers a device, that device's notices are
recorded as silenced and not sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SilenceWindow:
    """One silence as the matcher sees it."""

    id: int
    scope: str  # all | device | group
    target: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str

    def is_active(self, at: datetime) -> bool:
        """True from ``starts_at`` (inclusive) until ``ends_at`` (exclusive)."""
        return self.starts_at <= at < self.ends_at

    def covers(self, device_id: str, groups: frozenset[str]) -> bool:
        """True when the silence's scope names the device (or all, or one of its groups)."""
        if self.scope == "all":
            return True
        if self.scope == "device":
            return self.target == device_id
        return self.target in groups

    def describe(self) -> str:
        """A phrase such as 'silenced by maintenance window 3 (pump swap) of alice'."""
        where = {"all": "all devices", "device": f"device {self.target}"}.get(
            self.scope, f"group {self.target}"
        )
        until = self.ends_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"silence {self.id} on {where} until {until} by {self.created_by}: {self.reason}"


def covering_silence(
    silences: Sequence[SilenceWindow], device_id: str, groups: frozenset[str], at: datetime
) -> SilenceWindow | None:
    """The active silence covering the device at ``at`` that ends last, if any."""
    active = [s for s in silences if s.is_active(at) and s.covers(device_id, groups)]
    return max(active, key=lambda s: (s.ends_at, s.id)) if active else None
