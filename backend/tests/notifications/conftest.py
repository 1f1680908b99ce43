"""Fixtures for notifications: a migrated SQL store, alerts raised through the real alert
service, channels and rules saved through the admin service, and a dispatcher on a
clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.db.models_alerts import Alert
from app.db.models_notify import NotifyEvent, OutboxNotice
from app.db.session import build_engine, build_session_factory
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.ml.alerts.rules import AlertRules
from app.notifications import admin
from app.notifications.config import NotifyConfig
from app.notifications.crypto import SecretBox
from app.notifications.dispatcher import Dispatcher
from app.schemas.notifications import ChannelCreate, GroupWrite, RuleWrite
from tests.notifications.api_helpers import Api, api, module_api
from tests.notifications.factories import T0, raise_alert
from tests.notifications.receivers import Webhook

__all__ = ["T0", "Api", "api", "module_api", "raise_alert"]


@pytest.fixture
def factory(migrated_settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database (SQLite file, or PostgreSQL when set)."""
    engine = build_engine(migrated_settings)
    with engine.begin() as connection:
        connection.execute(delete(Alert))
    yield build_session_factory(engine)
    engine.dispose()


@pytest.fixture
def alerts(factory: sessionmaker[Session]) -> PredictiveAlertService:
    """The real SQL alert service (cooldown 0 so tests can raise again)."""
    return PredictiveAlertService(AlertRules(cooldown=timedelta(0)), factory)


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Rig:
    """A dispatcher on a test clock, and helpers to configure it like an admin."""

    factory: sessionmaker[Session]
    box: SecretBox
    config: NotifyConfig
    clock: Clock = field(default_factory=Clock)

    @property
    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.factory, self.config, self.box, self.clock)

    def tick(self, **advance: float) -> Any:
        if advance:
            self.clock.advance(**advance)
        return self.dispatcher.tick(self.clock.now)

    def webhook(self, hook: Webhook, name: str = "ops-hook", fmt: str = "json") -> int:
        body = ChannelCreate(
            name=name,
            kind="webhook",
            config={"url": hook.url, "format": fmt},
            secrets={"signing_secret": hook.secret},
        )
        with self.factory.begin() as session:
            return admin.create_channel(session, self.box, body, "admin").id

    def channel(self, body: ChannelCreate) -> int:
        with self.factory.begin() as session:
            return admin.create_channel(session, self.box, body, "admin").id

    def rule(self, name: str, channels: list[int], **matchers: Any) -> int:
        with self.factory.begin() as session:
            return admin.create_rule(
                session, RuleWrite(name=name, channel_ids=channels, **matchers), "admin"
            ).id

    def group(self, name: str, devices: list[str]) -> int:
        with self.factory.begin() as session:
            return admin.save_group(session, GroupWrite(name=name, device_ids=devices)).id

    def events(self) -> list[tuple[str, str, str]]:
        """(device, event, state) of every recorded event, in order."""
        with self.factory() as session:
            rows = session.scalars(select(NotifyEvent).order_by(NotifyEvent.id))
            return [(e.device_id, e.event, e.state) for e in rows]

    def notices(self) -> list[OutboxNotice]:
        with self.factory() as session:
            query = select(OutboxNotice).order_by(OutboxNotice.created_at, OutboxNotice.id)
            return list(session.scalars(query))


@pytest.fixture
def config() -> NotifyConfig:
    """Defaults, but no group wait and no reminders (tests that want them set their own)."""
    return NotifyConfig(
        group_wait=timedelta(0), retry_base_seconds=30, timeout_seconds=5, reminder_every=None
    )


@pytest.fixture
def rig(factory: sessionmaker[Session], settings: Settings, config: NotifyConfig) -> Rig:
    return Rig(factory, SecretBox.from_settings(settings), config)


@pytest.fixture
def hook() -> Iterator[Webhook]:
    from tests.notifications.receivers import webhook_receiver

    with webhook_receiver() as receiver:
        yield receiver
