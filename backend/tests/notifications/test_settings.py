"""Every NOTIFY_* setting takes effect (each test builds the config from Settings)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import ConfigError, load_settings
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.notifications.config import NotifyConfig
from app.notifications.crypto import SecretBox
from app.notifications.dispatcher import Dispatcher
from app.notifications.grouping import PendingEvent, due_devices
from app.notifications.inhibition import ActiveAlert, inhibitions
from app.notifications.messages import render
from tests.notifications.conftest import Rig
from tests.notifications.factories import T0, raise_alert
from tests.notifications.receivers import Webhook


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
