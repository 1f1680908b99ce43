"""Silences, inhibition, detection, escalation and grouping as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from app.core.config import load_settings
from app.notifications.config import NotifyConfig
from app.notifications.detection import AlertView, Hold, Seen, detect
from app.notifications.escalation import Escalation, Watched, escalations, reminders
from app.notifications.grouping import PendingEvent, due_devices, plan_notices
from app.notifications.inhibition import ActiveAlert, inhibitions
from app.notifications.silences import SilenceWindow, covering_silence

T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def window(i: int, scope: str, target: str | None, start: datetime, end: datetime) -> SilenceWindow:
    return SilenceWindow(i, scope, target, start, end, "pump swap", "alice")


def test_a_silence_covers_its_scope_from_start_until_end() -> None:
    silences = [
        window(1, "device", "pump-1", T, T + HOUR),
        window(2, "group", "north", T + HOUR, T + 2 * HOUR),
        window(3, "all", None, T - 2 * HOUR, T - HOUR),
    ]
    north = frozenset({"north"})
    assert covering_silence(silences, "pump-1", frozenset(), T) == silences[0]
    assert covering_silence(silences, "pump-1", frozenset(), T + HOUR) is None  # ended
    assert covering_silence(silences, "pump-2", north, T + HOUR) == silences[1]
    assert covering_silence(silences, "pump-2", frozenset(), T + HOUR) is None
    assert (
        covering_silence(silences, "pump-3", frozenset(), T - 90 * timedelta(minutes=1))
        == silences[2]
    )
    assert "until 2026-03-02 13:00 UTC by alice: pump swap" in silences[0].describe()


def alert(
    i: str, device: str, issue: str, severity: str = "HIGH", kind: str = "degradation"
) -> ActiveAlert:
    return ActiveAlert(i, device, issue, kind, severity)


def test_a_dying_battery_or_an_offline_pod_holds_back_gps_and_telemetry_of_that_device() -> None:
    active = [
        alert("b1", "pod-1", "battery", "HIGH"),
        alert("g1", "pod-1", "gps"),
        alert("t1", "pod-1", "telemetry"),
        alert("m1", "pod-1", "motor"),
        alert("g2", "pod-2", "gps"),  # other device: not explained
        alert("o3", "pod-3", "motor", kind="offline"),
        alert("t3", "pod-3", "telemetry", "LOW"),
        alert("b4", "pod-4", "battery", "MEDIUM"),  # below HIGH: explains nothing
        alert("g4", "pod-4", "gps"),
    ]
    held = inhibitions(active, "HIGH")
    assert set(held) == {"g1", "t1", "t3"}
    assert held["g1"].source_id == "b1"
    assert held["g1"].reason == "held back: the pod battery is dying (HIGH battery alert b1)"
    assert held["t3"].reason == "held back: the pod is offline (HIGH motor alert o3)"
    assert set(inhibitions(active, "MEDIUM")) == {"g1", "t1", "t3", "g4"}


def test_an_offline_gps_alert_is_the_explanation_not_the_explained() -> None:
    active = [alert("o1", "pod-1", "gps", kind="offline"), alert("t1", "pod-1", "telemetry")]
    assert set(inhibitions(active, "HIGH")) == {"t1"}


def view(status: str, severity: str = "HIGH") -> AlertView:
    return AlertView("a1", "pod-1", severity, status, {"issue_type": "motor"})


def test_detection_names_each_lifecycle_step() -> None:
    def events(
        alert: AlertView, seen: Seen | None, holds: dict[str, Hold] | None = None
    ) -> list[tuple[str, str]]:
        seen_map = {"a1": seen} if seen else {}
        return [(d.event, d.state) for d in detect([alert], seen_map, holds or {})]

    assert events(view("open"), None) == [("new", "pending")]
    assert events(view("resolved"), None) == []
    assert events(view("open", "CRITICAL"), Seen("HIGH", "open")) == [
        ("severity_raised", "pending")
    ]
    assert events(view("open", "LOW"), Seen("HIGH", "open")) == []
    assert events(view("acknowledged"), Seen("HIGH", "open")) == [("acknowledged", "pending")]
    assert events(view("resolved"), Seen("HIGH", "acknowledged")) == [("resolved", "pending")]
    silenced = {"a1": Hold("silenced", "4", "silence 4")}
    assert events(view("open"), None, silenced) == [("new", "silenced")]
    released = events(view("open"), Seen("HIGH", "open", notified=False, held="silenced"))
    assert released == [("new", "pending")]
    told = Seen("HIGH", "open", notified=True, held="silenced")
    assert events(view("open"), told) == []


def test_escalation_steps_through_the_chain_and_reminders_repeat() -> None:
    config = NotifyConfig.from_settings(
        load_settings(notify_escalation_minutes=30, notify_reminder_minutes=20)
    )
    told = Watched("a1", "CRITICAL", T, rule_id=5)
    chains = {5: [7, 8]}
    assert escalations([told], chains, T + timedelta(minutes=29), config) == []
    assert escalations([told], chains, T + timedelta(minutes=30), config) == [
        Escalation("a1", 1, 7)
    ]
    later = replace(told, escalation_level=1)
    assert escalations([later], chains, T + timedelta(minutes=65), config) == [
        Escalation("a1", 2, 8)
    ]
    assert escalations([replace(told, escalation_level=2)], chains, T + 9 * HOUR, config) == []
    assert escalations([told], chains, T + 2 * HOUR, config) == [
        Escalation("a1", 1, 7), Escalation("a1", 2, 8),
    ]  # fmt: skip
    assert escalations([replace(told, severity="HIGH")], chains, T + 2 * HOUR, config) == []
    assert escalations([replace(told, held=True)], chains, T + 2 * HOUR, config) == []
    assert reminders([told], T + timedelta(minutes=19), config) == []
    assert reminders([told], T + timedelta(minutes=20), config) == ["a1"]
    reminded = replace(told, reminded_at=T + timedelta(minutes=20))
    assert reminders([reminded], T + timedelta(minutes=39), config) == []


def test_escalation_severity_and_reminder_settings_take_effect() -> None:
    high = NotifyConfig.from_settings(
        load_settings(notify_escalation_severity="high", notify_reminder_minutes=0)
    )
    told = Watched("a1", "HIGH", T, rule_id=5)
    assert escalations([told], {5: [7]}, T + HOUR, high) == [Escalation("a1", 1, 7)]
    assert reminders([told], T + 9 * HOUR, high) == []


def event(i: int, device: str, at: datetime) -> PendingEvent:
    return PendingEvent(i, f"a{i}", device, "new", "HIGH", at, {})


def test_grouping_waits_for_the_oldest_event_and_splits_by_channel_and_time() -> None:
    events = [
        event(1, "pod-1", T),
        event(2, "pod-1", T + timedelta(seconds=50)),
        event(3, "pod-2", T + timedelta(seconds=30)),
    ]
    wait = timedelta(seconds=60)
    assert due_devices(events, T + timedelta(seconds=59), wait) == set()
    assert due_devices(events, T + timedelta(seconds=60), wait) == {"pod-1"}
    later = T + HOUR
    targets = {1: {10: None, 11: later}, 2: {10: None}}
    plans = plan_notices(events[:2], targets)
    assert [(p.channel_id, p.deliver_after, [e.id for e in p.events]) for p in plans] == [
        (10, None, [1, 2]), (11, later, [1]),
    ]  # fmt: skip
