"""Admission control: a bounded number of requests in flight, a bounded queue, then 503.

Pure ASGI middleware in front of the guard. At most SERVER_MAX_CONCURRENCY requests run
at once; up to SERVER_MAX_QUEUE more wait (in arrival order) for at most
SERVER_QUEUE_TIMEOUT seconds; any other request gets 503 with Retry-After at once. A
waiting request holds nothing but a future, so the threads and SQL connections sized in
``app.core.capacity`` always suffice for the admitted ones. Health checks bypass the gate.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.errors import error_response
from app.core.config import Settings
from app.core.errors import Overloaded

HEALTH_PATHS = frozenset({"/api/v1/health", "/api/ml/health"})


@dataclass(frozen=True)
class AdmissionLimits:
    """How many requests run, how many wait, and how long one may wait."""

    concurrency: int
    queue: int
    queue_timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> AdmissionLimits:
        """SERVER_MAX_CONCURRENCY, SERVER_MAX_QUEUE and SERVER_QUEUE_TIMEOUT."""
        return cls(
            settings.server_max_concurrency,
            settings.server_max_queue,
            settings.server_queue_timeout,
        )

    @property
    def retry_after(self) -> int:
        """Seconds a refused client should wait: one queue time-out, at least 1."""
        return max(1, math.ceil(self.queue_timeout))


class AdmissionGate:
    """Slots for running requests; a freed slot is handed to the oldest waiter."""

    def __init__(self, limits: AdmissionLimits) -> None:
        self.limits = limits
        self.running = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Requests queued for a slot."""
        return len(self._waiters)

    async def enter(self) -> bool:
        """Take a slot (waiting in the queue if allowed); False when the request is shed."""
        if self.running < self.limits.concurrency:
            self.running += 1
            return True
        if self.waiting >= self.limits.queue:
            return False
        slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(slot)
        try:
            async with asyncio.timeout(self.limits.queue_timeout):
                await slot
            return True
        except TimeoutError:
            return self._settle(slot)
        except asyncio.CancelledError:  # the client went away while queued
            if self._settle(slot):
                self.leave()
            raise

    def _settle(self, slot: asyncio.Future[None]) -> bool:
        """After a wait was cut short: True when the slot was handed over just before."""
        if slot.done() and not slot.cancelled():
            return True
        slot.cancel()
        if slot in self._waiters:
            self._waiters.remove(slot)
        return False

    def leave(self) -> None:
        """Free a slot: hand it to the oldest live waiter, or return it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.running -= 1


class AdmissionMiddleware:
    """Runs at most SERVER_MAX_CONCURRENCY requests; sheds the excess with 503 + Retry-After."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.gate = AdmissionGate(AdmissionLimits.from_settings(settings))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass health checks and admitted requests on; refuse the rest."""
        if scope["type"] != "http" or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
            return
        if not await self.gate.enter():
            await error_response(self._busy())(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.leave()

    def _busy(self) -> Overloaded:
        limits = self.gate.limits
        return Overloaded(
            f"server busy: {limits.concurrency} requests running and {self.gate.waiting} "
            f"queued (SERVER_MAX_CONCURRENCY, SERVER_MAX_QUEUE); retry in {limits.retry_after} s",
            retry_after=limits.retry_after,
        )
