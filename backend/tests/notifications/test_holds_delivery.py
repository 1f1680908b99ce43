"""Silences, inhibition, escalation, reminders and quiet hours through the dispatcher, with
a real webhook receiver."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from app.db.models_notify import AlertNotifyState
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.notifications import maintenance
from tests.notifications.conftest import Rig
from tests.notifications.factories import T0, raise_alert
from tests.notifications.receivers import Webhook, webhook_receiver


def silence(rig: Rig, scope: str, target: str | None, hours: float) -> int:
    with rig.factory.begin() as session:
        return maintenance.create_silence(
            session, scope=scope, target=target, starts_at=rig.clock.now,
            ends_at=rig.clock.now + timedelta(hours=hours), reason="pump swap", by="alice",
        ).id  # fmt: skip


def state(rig: Rig, alert_id: str) -> AlertNotifyState:
    with rig.factory() as session:
        return session.get_one(AlertNotifyState, alert_id)


def test_alerts_raised_in_a_silence_are_recorded_not_sent_and_told_when_it_ends(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.clock.now = T0.replace(year=2099)  # silences must end in the future
    rig.rule("all", [rig.webhook(hook)])
    rig.group("north", ["pod-1", "pod-2"])
    silence(rig, "group", "north", hours=2)
    quiet = raise_alert(alerts, "pod-1", at=rig.clock.now)
    raise_alert(alerts, "pod-3", at=rig.clock.now)
    rig.tick()
    assert sorted(rig.events()) == [("pod-1", "new", "silenced"), ("pod-3", "new", "queued")]
    assert [r.json["device_id"] for r in hook.wait_for(1)] == ["pod-3"]
    held = state(rig, quiet.alert_id)
    assert held.held == "silenced"
    assert held.held_reason is not None
    assert "pump swap" in held.held_reason
    rig.tick(minutes=119)
    assert len(hook.received) == 1
    rig.tick(minutes=1)  # the silence ended on its own
    second = hook.wait_for(2)[1].json
    assert (second["device_id"], second["events"][0]["note"]) == ("pod-1", "no longer held back")
    assert state(rig, quiet.alert_id).held is None


def test_a_silence_on_all_devices_also_holds_lifecycle_notices(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.clock.now = T0.replace(year=2099)
    rig.rule("all", [rig.webhook(hook)])
    alert = raise_alert(alerts, "pod-1", at=rig.clock.now)
    rig.tick()
    silence(rig, "all", None, hours=1)
    raise_alert(alerts, "pod-1", severity="CRITICAL", at=rig.clock.now)
    rig.tick(minutes=1)
    alerts.acknowledge(alert.alert_id, "alice")
    rig.tick(minutes=1)
    assert [e[1:] for e in rig.events()] == [
        ("new", "queued"), ("severity_raised", "silenced"), ("acknowledged", "silenced"),
    ]  # fmt: skip
    assert len(hook.wait_for(1)) == 1


def test_a_dying_battery_holds_back_gps_and_telemetry_and_says_why(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.rule("all", [rig.webhook(hook)])
    battery = raise_alert(alerts, "pod-1", "battery", "CRITICAL")
    gps = raise_alert(alerts, "pod-1", "gps", "MEDIUM")
    raise_alert(alerts, "pod-2", "gps", "MEDIUM")
    rig.tick()
    assert sorted(rig.events()) == [
        ("pod-1", "new", "inhibited"), ("pod-1", "new", "queued"), ("pod-2", "new", "queued"),
    ]  # fmt: skip
    assert state(rig, gps.alert_id).held_reason == (
        f"held back: the pod battery is dying (CRITICAL battery alert {battery.alert_id})"
    )
    told = [r.json["events"][0]["issue_type"] for r in hook.wait_for(2)]
    assert sorted(told) == ["battery", "gps"]  # pod-1's battery, pod-2's GPS
    alerts.resolve(battery.alert_id, "bob", "maintenance_done")
    rig.tick(minutes=1)  # the battery is fixed: the GPS alert now stands on its own
    grouped = hook.wait_for(3)[2].json  # both pod-1 notices in one message
    assert sorted((e["event"], e["issue_type"]) for e in grouped["events"]) == [
        ("new", "gps"), ("resolved", "battery"),
    ]  # fmt: skip


def test_an_unacknowledged_critical_alert_escalates_along_the_chain_and_reminds(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.config = replace(rig.config, reminder_every=timedelta(minutes=60))
    with webhook_receiver() as pager, webhook_receiver() as manager:
        first, second = rig.webhook(pager, "pager"), rig.webhook(manager, "manager")
        rig.rule("crew", [rig.webhook(hook)], escalation_channel_ids=[first, second])
        alert = raise_alert(alerts, "pod-1", severity="CRITICAL")
        raise_alert(alerts, "pod-2", severity="HIGH")  # below CRITICAL: never escalates
        rig.tick()
        rig.tick(minutes=29)
        assert pager.received == []
        rig.tick(minutes=1)
        (page,) = pager.wait_for(1)
        assert page.json["events"][0]["event"] == "escalated"
        assert page.json["subject"].startswith("[DrillWatch] pod-1: Escalated (step 1)")
        rig.tick(minutes=30)  # 60 min: a reminder to everyone told, and the next step
        (boss,) = manager.wait_for(1)
        assert boss.json["events"][0]["level"] == 2
        reminders = [r for r in hook.received if r.json["events"][0]["event"] == "reminder"]
        assert {r.json["device_id"] for r in reminders} == {"pod-1", "pod-2"}
        assert pager.wait_for(2)[1].json["events"][0]["event"] == "reminder"
        alerts.acknowledge(alert.alert_id, "alice")
        rig.tick(minutes=1)
        assert pager.wait_for(3)[2].json["events"][0]["event"] == "acknowledged"
        count = len(pager.received)
        rig.tick(hours=5)
        assert len(pager.received) == count  # acknowledged: no more steps or reminders
        assert state(rig, alert.alert_id).escalation_level == 2


def test_quiet_hours_hold_delivery_until_they_end(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.clock.now = T0.replace(hour=23)
    rig.rule("night", [rig.webhook(hook)], quiet_from="22:00", quiet_until="06:00")
    raise_alert(alerts, "pod-1")
    report = rig.tick()
    assert (report.notices, report.delivered) == (1, 0)
    assert rig.notices()[0].next_attempt_at == T0.replace(day=3, hour=6)
    rig.tick(hours=6, minutes=59)
    assert hook.received == []
    assert rig.tick(minutes=1).delivered == 1
    with rig.factory() as session:
        assert session.scalar(select(AlertNotifyState.notified_at)) == T0.replace(day=3, hour=6)
