"""The dispatcher end to end with a real webhook receiver: lifecycle notices, grouping,
signatures and idempotency keys, retries with backoff, parking and re-sending."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.notifications import outbox
from tests.notifications.conftest import Rig
from tests.notifications.factories import raise_alert
from tests.notifications.receivers import Webhook


def test_a_new_alert_reaches_the_webhook_signed_with_its_idempotency_key(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.rule("everything", [rig.webhook(hook)])
    alert = raise_alert(alerts, "dev-1", "motor", "HIGH")
    report = rig.tick()
    assert (report.events, report.notices, report.delivered) == (1, 1, 1)
    (request,) = hook.wait_for(1)
    assert request.signature_ok
    body = request.json
    assert body["idempotency_key"] == request.key == rig.notices()[0].id
    assert body["device_id"] == "dev-1"
    assert [(e["event"], e["alert_id"], e["severity"]) for e in body["events"]] == [
        ("new", alert.alert_id, "HIGH")
    ]
    assert body["subject"] == "[DrillWatch] dev-1: New HIGH motor alert"
    assert rig.notices()[0].status == "delivered"
    assert rig.tick().events == 0  # nothing changed, nothing sent again
    assert len(hook.received) == 1


def test_every_lifecycle_step_is_told(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.rule("everything", [rig.webhook(hook)])
    alert = raise_alert(alerts, "dev-1", "battery", "MEDIUM")
    rig.tick()
    raise_alert(alerts, "dev-1", "battery", "CRITICAL")
    rig.tick(minutes=1)
    alerts.acknowledge(alert.alert_id, "alice", "on my way")
    rig.tick(minutes=1)
    alerts.resolve(alert.alert_id, "bob", "confirmed_fault", "cell swollen")
    rig.tick(minutes=1)
    received = hook.wait_for(4)
    headlines = [r.json["events"][0] for r in received]
    assert [e["event"] for e in headlines] == [
        "new", "severity_raised", "acknowledged", "resolved",
    ]  # fmt: skip
    assert "Pod battery alert raised to CRITICAL" in received[1].json["subject"]
    assert "acknowledged by alice" in received[2].json["text"]
    assert "resolved by bob: confirmed fault" in received[3].json["text"]
    assert "Notes: cell swollen" in received[3].json["text"]
    assert len(set(hook.keys)) == 4


def test_a_lower_severity_is_not_a_notice(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.rule("everything", [rig.webhook(hook)])
    raise_alert(alerts, "dev-1", "motor", "HIGH")
    rig.tick()
    raise_alert(alerts, "dev-1", "motor", "MEDIUM")
    assert rig.tick(minutes=1).events == 0
    assert len(hook.wait_for(1)) == 1


def test_notices_of_one_device_within_the_group_wait_are_one_message(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.config = replace(rig.config, group_wait=timedelta(seconds=60))
    rig.rule("everything", [rig.webhook(hook)])
    raise_alert(alerts, "dev-1", "motor", "HIGH")
    assert rig.tick().notices == 0  # waiting for more of dev-1
    raise_alert(alerts, "dev-1", "gps", "LOW")
    raise_alert(alerts, "dev-2", "motor", "LOW")
    assert rig.tick(seconds=30).notices == 0
    assert rig.tick(seconds=30).notices == 1  # dev-1's first event waited 60 s
    assert rig.tick(seconds=30).notices == 1  # dev-2's waited 60 s too
    first, second = hook.wait_for(2)
    assert [e["issue_type"] for e in first.json["events"]] == ["motor", "gps"]
    assert first.json["subject"].endswith("(+1 more)")
    assert [e["issue_type"] for e in second.json["events"]] == ["motor"]
    assert second.json["device_id"] == "dev-2"


def test_failures_are_retried_with_doubling_waits_then_parked_and_resent(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.config = replace(rig.config, max_attempts=3)
    rig.rule("everything", [rig.webhook(hook)])
    hook.statuses = [500, 503, 502]
    raise_alert(alerts, "dev-1")
    rig.tick()
    (notice,) = rig.notices()
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert notice.next_attempt_at == rig.clock.now + timedelta(seconds=30)
    assert "HTTP 500" in (notice.last_error or "")
    assert rig.tick(seconds=29).delivered == 0
    assert len(hook.received) == 1  # not due yet
    rig.tick(seconds=1)
    assert rig.notices()[0].next_attempt_at == rig.clock.now + timedelta(seconds=60)
    report = rig.tick(seconds=60)
    assert report.parked == 1
    (parked,) = rig.notices()
    assert (parked.status, parked.attempts, parked.last_error) == (
        "parked", 3, "HTTP 502: receiver says no",
    )  # fmt: skip
    assert rig.tick(hours=24).delivered == 0
    with rig.factory.begin() as session:
        outbox.resend(session, parked.id, rig.clock.now)
    assert rig.tick().delivered == 1
    assert hook.keys == [parked.id] * 4  # one key across every attempt
    assert rig.notices()[0].status == "delivered"


def test_with_no_rule_nothing_is_sent_and_the_event_says_unrouted(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.webhook(hook)
    raise_alert(alerts, "dev-1")
    report = rig.tick()
    assert (report.events, report.notices) == (1, 0)
    assert rig.events() == [("dev-1", "new", "unrouted")]
    assert hook.received == []
