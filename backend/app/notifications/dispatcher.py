"""The background dispatcher: every NOTIFY_POLL_SECONDS, plan notices and deliver due ones.

Started in the server's lifespan and stopped with it (the current delivery finishes, then
the thread ends). With no channel configured, ticks find nothing to send.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from app.core.errors import AppError
from app.db.base import utcnow
from app.db.models_notify import NotifyChannel
from app.notifications import outbox, pipeline, retention
from app.notifications.channels import DeliveryError, build_channel
from app.notifications.config import NotifyConfig
from app.notifications.crypto import SecretBox
from app.notifications.messages import render

log = logging.getLogger("drillwatch.notifications")
BATCH = 50
PURGE_EVERY = timedelta(hours=1)  # retention is in days: one purge an hour is plenty


@dataclass(frozen=True)
class TickReport:
    """What one tick did."""

    events: int = 0
    notices: int = 0
    delivered: int = 0
    retried: int = 0
    parked: int = 0
    purged: retention.Purged | None = None


class Dispatcher:
    """Plans notices from alert changes and delivers the outbox, at least once."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: NotifyConfig,
        box: SecretBox,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.box = box
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_tick: datetime | None = None
        self.last_error: str | None = None
        self.last_purge: datetime | None = None

    @property
    def running(self) -> bool:
        """True while the background thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Run ticks in a daemon thread until ``stop``."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="notify-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to end after its current step and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout if timeout is not None else self.config.lease.total_seconds())
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
                self.last_error = None
            except Exception as exc:  # one bad tick must not end the thread
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("notification tick failed")
            self._stop.wait(self.config.poll_seconds)

    def tick(self, now: datetime | None = None) -> TickReport:
        """Plan, then deliver every due notice (in batches until none is due)."""
        at = now or self.clock()
        with self.sessions.begin() as session:
            planned = pipeline.plan(session, at, self.config)
        counts = {"delivered": 0, "pending": 0, "parked": 0}
        while not self._stop.is_set():
            with self.sessions.begin() as session:
                claimed = outbox.claim(session, at, self.config, BATCH)
            for notice in claimed:
                counts[self._deliver(notice, at if now else None)] += 1
            if len(claimed) < BATCH:
                break
        self.last_tick = at
        return TickReport(
            planned.events,
            planned.notices,
            counts["delivered"],
            counts["pending"],
            counts["parked"],
            self._purge(at),
        )

    def _purge(self, at: datetime) -> retention.Purged | None:
        """Delete notices past NOTIFY_RETENTION_DAYS, at most once per PURGE_EVERY."""
        kept = self.config.retention
        if kept is None or (self.last_purge is not None and at - self.last_purge < PURGE_EVERY):
            return None
        with self.sessions.begin() as session:
            purged = retention.purge(session, at - kept)
        self.last_purge = at
        if purged.notices or purged.events:
            log.info("notices_purged notices=%d events=%d", purged.notices, purged.events)
        return purged

    def _deliver(self, notice: outbox.Claimed, fixed: datetime | None) -> str:
        """Send one claimed notice and record the result; its new status."""
        park = False
        try:
            self._send(notice)
        except (DeliveryError, AppError) as exc:
            error, park = str(exc), isinstance(exc, AppError)
        else:
            with self.sessions.begin() as session:
                outbox.delivered(session, notice.id, fixed or self.clock())
            log.info("notice_delivered id=%s channel=%s", notice.id, notice.channel_id)
            return "delivered"
        with self.sessions.begin() as session:
            status = outbox.failed(
                session, notice, error, fixed or self.clock(), self.config, park=park
            )
        log.warning(
            "notice_failed id=%s channel=%s attempt=%d status=%s error=%s",
            notice.id,
            notice.channel_id,
            notice.attempts,
            status,
            error,
        )
        return status

    def _send(self, notice: outbox.Claimed) -> None:
        """Render and send through the notice's channel (AppError: cannot be sent as is)."""
        with self.sessions() as session:
            row = session.get(NotifyChannel, notice.channel_id)
            if row is None:
                raise AppError(f"channel {notice.channel_id} was deleted")
            if not row.enabled:
                raise AppError(f"channel {row.name} is disabled")
            kind, config, token = row.kind, dict(row.config), row.secret
        channel = build_channel(kind, config, self.box.open(token), self.config.timeout_seconds)
        channel.send(notice.payload, notice.id, render(notice.payload, self.config.dashboard_url))
