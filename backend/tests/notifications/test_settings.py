"""Every NOTIFY_* setting takes effect (each test builds the config from Settings)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import ConfigError, load_settings
from app.db.models_notify import NotifyEvent
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.notifications.config import NotifyConfig
from app.notifications.crypto import SecretBox
from app.notifications.dispatcher import Dispatcher
from app.notifications.grouping import PendingEvent, due_devices
from app.notifications.inhibition import ActiveAlert, inhibitions
from app.notifications.messages import render
from app.notifications.retention import Purged, purge
from tests.notifications.conftest import Rig
from tests.notifications.factories import T0, raise_alert
from tests.notifications.receivers import Webhook, webhook_receiver


def config(**values: object) -> NotifyConfig:
    return NotifyConfig.from_settings(load_settings(**values))


def test_group_wait_seconds() -> None:
    events = [PendingEvent(1, "a", "pod-1", "new", "HIGH", T0, {})]
    at = T0 + timedelta(seconds=10)
    assert due_devices(events, at, config(notify_group_wait_seconds=10).group_wait) == {"pod-1"}
    assert due_devices(events, at, config(notify_group_wait_seconds=11).group_wait) == set()


def test_retry_base_and_max_seconds() -> None:
    chosen = config(notify_retry_base_seconds=5, notify_retry_max_seconds=30)
    assert [chosen.retry_delay(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 30, 30]
    with pytest.raises(ConfigError, match="NOTIFY_RETRY_MAX_SECONDS=4 is below"):
        load_settings(notify_retry_base_seconds=5, notify_retry_max_seconds=4)


def test_lease_must_outlast_the_timeout() -> None:
    with pytest.raises(ConfigError, match="NOTIFY_LEASE_SECONDS=10 must exceed"):
        load_settings(notify_lease_seconds=10, notify_timeout_seconds=10)
    assert config(notify_lease_seconds=45).lease == timedelta(seconds=45)


def test_inhibit_battery_severity() -> None:
    active = [
        ActiveAlert("b", "pod", "battery", "degradation", "MEDIUM"),
        ActiveAlert("g", "pod", "gps", "degradation", "LOW"),
    ]
    assert inhibitions(active, config().inhibit_battery_severity) == {}
    chosen = config(notify_inhibit_battery_severity="medium").inhibit_battery_severity
    assert set(inhibitions(active, chosen)) == {"g"}


def test_dashboard_url_puts_a_link_in_every_notice() -> None:
    payload = {
        "device_id": "pod 1",
        "events": [{"event": "new", "severity": "LOW", "issue_type": "gps"}],
    }
    assert render(payload, config().dashboard_url).link is None
    message = render(payload, config(notify_dashboard_url="https://dw.example/").dashboard_url)
    assert message.link == "https://dw.example/alerts?device=pod%201"
    assert "https://dw.example/alerts?device=pod%201" in message.text
    with pytest.raises(ConfigError, match="NOTIFY_DASHBOARD_URL"):
        load_settings(notify_dashboard_url="dw.example")


def test_max_attempts_and_timeout_seconds(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.config = config(
        notify_group_wait_seconds=0, notify_max_attempts=2, notify_timeout_seconds=1,
        notify_lease_seconds=5, notify_reminder_minutes=0,
    )  # fmt: skip
    rig.rule("all", [rig.webhook(hook)])
    hook.hold = threading.Event()  # the receiver never answers in time
    raise_alert(alerts, "pod-1")
    rig.tick()
    (notice,) = rig.notices()
    assert (notice.status, notice.last_error) == ("pending", "no answer within 1 s")
    assert rig.tick(seconds=30).parked == 1
    assert rig.notices()[0].attempts == 2


def test_poll_seconds_is_the_pause_between_ticks(
    factory: sessionmaker[Session], settings: object
) -> None:
    chosen = config(notify_poll_seconds=0.05)
    box = SecretBox("k" * 32)
    dispatcher = Dispatcher(factory, chosen, box)
    waits: list[float] = []
    original = dispatcher._stop.wait

    def record(timeout: float | None = None) -> bool:
        waits.append(float(timeout or 0))
        if len(waits) >= 3:
            dispatcher._stop.set()
        return original(0)

    dispatcher._stop.wait = record  # type: ignore[method-assign]
    dispatcher.start()
    assert dispatcher._thread is not None
    dispatcher._thread.join(60)
    assert waits == [0.05, 0.05, 0.05]
    assert dispatcher.last_error is None


def test_retention_days_purges_delivered_and_parked_notices_and_keeps_pending_ones(
    rig: Rig, alerts: PredictiveAlertService, hook: Webhook
) -> None:
    rig.config = config(
        notify_retention_days=7, notify_group_wait_seconds=0, notify_reminder_minutes=0,
        notify_max_attempts=2, notify_retry_base_seconds=60, notify_retry_max_seconds=60,
    )  # fmt: skip
    with webhook_receiver() as down:
        down.statuses = [500] * 100
        ok, bad = rig.webhook(hook), rig.webhook(down, "down-hook")
        rig.rule("motor", [ok, bad], issue_types=["motor"])
        rig.rule("gps", [ok], issue_types=["gps"])
        raise_alert(alerts, "pod-1", at=rig.clock.now)
        rig.tick()
        assert rig.tick(seconds=60).parked == 1  # pod-1: delivered to ok, parked for bad
        raise_alert(alerts, "pod-2", "gps", at=rig.clock.advance(days=6))
        assert rig.tick().delivered == 1
        report = rig.tick(days=1, minutes=2)  # pod-1's notices are 7 days old now
        assert report.purged == Purged(notices=2, events=1)
        assert [(n.device_id, n.status) for n in rig.notices()] == [("pod-2", "delivered")]
        assert [e[:2] for e in rig.events()] == [("pod-2", "new")]
        raise_alert(alerts, "pod-3", at=rig.clock.now)
        rig.tick()  # pod-3: delivered to ok, pending a retry for bad
    with rig.factory.begin() as session:
        assert purge(session, rig.clock.now + timedelta(days=1000)) == Purged(2, 2)
        assert session.scalars(select(NotifyEvent)).all() == []  # notices carry their events
    assert [(n.device_id, n.status) for n in rig.notices()] == [("pod-3", "pending")]


def test_retention_purges_at_most_once_an_hour_and_zero_keeps_everything(
    factory: sessionmaker[Session],
) -> None:
    box = SecretBox("k" * 32)
    hourly = Dispatcher(factory, config(notify_retention_days=1), box)
    assert hourly.tick(T0).purged == Purged()
    assert hourly.tick(T0 + timedelta(minutes=59)).purged is None
    assert hourly.tick(T0 + timedelta(minutes=60)).purged == Purged()
    never = Dispatcher(factory, config(notify_retention_days=0), box)
    assert never.config.retention is None
    assert never.tick(T0 + timedelta(days=4000)).purged is None
