"""The notification service the lifespan builds: config, secret box and dispatcher."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.notifications.config import NotifyConfig
from app.notifications.crypto import SecretBox
from app.notifications.dispatcher import Dispatcher


class Notifications:
    """Everything notifications need at run time, built once at start-up."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.config = NotifyConfig.from_settings(settings)
        self.box = SecretBox.from_settings(settings)
        self.dispatcher = Dispatcher(sessions, self.config, self.box)

    def start(self) -> None:
        """Start the dispatcher unless NOTIFY_ENABLED=false."""
        if self.config.enabled:
            self.dispatcher.start()

    def close(self) -> None:
        """Stop the dispatcher (its current delivery finishes first)."""
        self.dispatcher.stop()
