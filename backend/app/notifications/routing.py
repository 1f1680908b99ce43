"""Routing as a pure function: an alert's facts and the ordered rules -> who is told, when.

Rules are tried in order, as Alertmanager's routes are: the first matching rule decides
unless it says ``continue_matching``, in which case later rules may match too. A rule
matches when every matcher it sets (severities, issue types, devices, groups) contains
the alert's value; an empty matcher matches anything. During a rule's quiet hours its
channels are still chosen, but delivery waits until the quiet hours end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """A daily window in a time zone; ``start > end`` wraps midnight (22:00-06:00)."""

    start: time
    end: time
    zone: str = "UTC"

    def end_of_quiet(self, at: datetime) -> datetime | None:
        """When the quiet hours that contain ``at`` end (UTC), or None outside them."""
        local = at.astimezone(ZoneInfo(self.zone))
        now = local.time().replace(tzinfo=None)
        if self.start == self.end:
            return None
        wraps = self.start > self.end
        inside = (self.start <= now or now < self.end) if wraps else self.start <= now < self.end
        if not inside:
            return None
        day = local.date() + timedelta(days=1 if wraps and now >= self.start else 0)
        end = datetime.combine(day, self.end, tzinfo=ZoneInfo(self.zone))
        return end.astimezone(UTC)


@dataclass(frozen=True)
class Rule:
    """One routing rule as the router sees it."""

    id: int
    name: str
    channel_ids: tuple[int, ...]
    severities: frozenset[str] = frozenset()
    issue_types: frozenset[str] = frozenset()
    device_ids: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    quiet: QuietHours | None = None
    escalation_channel_ids: tuple[int, ...] = ()
    continue_matching: bool = False
    enabled: bool = True

    def matches(self, alert: AlertFacts) -> bool:
        """Every matcher set on the rule accepts the alert."""
        return (
            self.enabled
            and (not self.severities or alert.severity in self.severities)
            and (not self.issue_types or alert.issue_type in self.issue_types)
            and (not self.device_ids or alert.device_id in self.device_ids)
            and (not self.groups or bool(self.groups & alert.groups))
        )


@dataclass(frozen=True)
class AlertFacts:
    """What routing looks at: severity, issue type, device and the device's groups."""

    device_id: str
    severity: str
    issue_type: str
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RuleHit:
    """A matching rule, its channels and, in its quiet hours, when they may be told."""

    rule_id: int
    rule_name: str
    channel_ids: tuple[int, ...]
    deliver_after: datetime | None = None


@dataclass(frozen=True)
class RouteDecision:
    """Every matching rule in order (the last one stopped the search unless it continued)."""

    hits: tuple[RuleHit, ...] = field(default_factory=tuple)
    escalation_rule_id: int | None = None

    @property
    def channels(self) -> dict[int, datetime | None]:
        """Channel id -> earliest delivery time (None: at once) over all hits."""
        chosen: dict[int, datetime | None] = {}
        for hit in self.hits:
            for channel in hit.channel_ids:
                if channel not in chosen:
                    chosen[channel] = hit.deliver_after
                else:
                    chosen[channel] = _earliest(chosen[channel], hit.deliver_after)
        return chosen


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return None
    return min(a, b)


def route(alert: AlertFacts, rules: Sequence[Rule], at: datetime) -> RouteDecision:
    """The rules ``alert`` hits at ``at``, first match or continue (no I/O)."""
    hits: list[RuleHit] = []
    escalation: int | None = None
    for rule in rules:
        if not rule.matches(alert):
            continue
        later = rule.quiet.end_of_quiet(at) if rule.quiet else None
        hits.append(RuleHit(rule.id, rule.name, rule.channel_ids, later))
        if escalation is None and rule.escalation_channel_ids:
            escalation = rule.id
        if not rule.continue_matching:
            break
    return RouteDecision(tuple(hits), escalation)
