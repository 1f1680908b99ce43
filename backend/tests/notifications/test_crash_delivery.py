"""At-least-once across kill -9: a real server is killed mid-delivery and restarted; the
notice is sent again with the same idempotency key, and a receiver that deduplicates by
that key acts once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.config import load_settings
from app.db.models_notify import OutboxNotice
from app.db.session import build_engine, build_session_factory, migrate
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.ml.alerts.rules import AlertRules
from app.notifications import admin
from app.notifications.crypto import SecretBox
from app.schemas.notifications import ChannelCreate, RuleWrite
from tests.live import live_server
from tests.notifications.factories import raise_alert
from tests.notifications.receivers import Webhook, webhook_receiver
from tests.support import SECRET_KEY

pytestmark = pytest.mark.slow
SERVER = {
    "NOTIFY_POLL_SECONDS": "0.2",
    "NOTIFY_GROUP_WAIT_SECONDS": "0",
    "NOTIFY_TIMEOUT_SECONDS": "5",
    "NOTIFY_LEASE_SECONDS": "6",
    "NOTIFY_RETRY_BASE_SECONDS": "1",
    "NOTIFY_RETRY_MAX_SECONDS": "1",
}


def prepare(database_url: str, hook: Webhook) -> str:
    """Migrate, add a channel and a rule as an admin would, raise one alert."""
    engine = build_engine(load_settings(database_url=database_url))
    migrate(engine)
    factory = build_session_factory(engine)
    body = ChannelCreate(
        name="crew",
        kind="webhook",
        config={"url": hook.url},
        secrets={"signing_secret": hook.secret},
    )
    with factory.begin() as session:
        channel = admin.create_channel(session, SecretBox(SECRET_KEY), body, "admin")
        admin.create_rule(session, RuleWrite(name="all", channel_ids=[channel.id]), "admin")
    alert = raise_alert(PredictiveAlertService(AlertRules(), factory), "pod-1", "motor", "HIGH")
    engine.dispose()
    return alert.alert_id


def notices(database_url: str) -> list[OutboxNotice]:
    engine = build_engine(load_settings(database_url=database_url))
    try:
        with build_session_factory(engine)() as session:
            return list(session.scalars(select(OutboxNotice)))
    finally:
        engine.dispose()


def test_a_notice_in_flight_when_the_server_is_killed_is_delivered_after_restart(
    tmp_path: Path, database_url: str
) -> None:
    with webhook_receiver() as hook:
        hook.hold = threading.Event()  # the first delivery hangs until the server is dead
        alert_id = prepare(database_url, hook)
        with live_server(tmp_path / "first", database_url, **SERVER) as first:
            (request,) = hook.wait_for(1)
            first.process.kill()  # SIGKILL: no shutdown code runs
            first.process.wait()
        (stuck,) = notices(database_url)
        assert stuck.status == "pending"
        assert stuck.attempts >= 1
        hook.hold.set()
        with live_server(tmp_path / "second", database_url, **SERVER):
            received = hook.wait_for(2)
            deadline = time.monotonic() + 60
            while notices(database_url)[0].status != "delivered" and time.monotonic() < deadline:
                time.sleep(0.1)
    (done,) = notices(database_url)
    assert done.status == "delivered"
    assert {r.key for r in received} == {request.key} == {done.id}
    assert all(r.signature_ok for r in received)
    acted_on = {r.key: r.json for r in received}  # a receiver deduplicating by key
    (notice,) = acted_on.values()
    assert [e["alert_id"] for e in notice["events"]] == [alert_id]


def test_alerts_changed_while_the_server_was_down_are_told_after_it_starts(
    tmp_path: Path, database_url: str
) -> None:
    with webhook_receiver() as hook:
        prepare(database_url, hook)  # raised before any dispatcher ran
        with live_server(tmp_path / "server", database_url, **SERVER):
            (request,) = hook.wait_for(1)
    assert request.json["events"][0]["event"] == "new"
    assert request.signature_ok
