"""Admission gate: each setting's effect, shown with requests held open by an event.

The app behind the gate is a small ASGI app whose /hold route waits until the test
releases it, so what runs and what queues never depends on the machine's speed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.api.admission import AdmissionGate, AdmissionLimits, AdmissionMiddleware
from app.core.config import Settings

WAIT = 30.0  # generous bound for things that happen at once


class HeldApp:
    """/hold runs until ``release`` is set; /api/v1/health answers at once."""

    def __init__(self, settings: Settings) -> None:
        self.release = asyncio.Event()
        self.running = 0
        routes = [Route("/hold", self._hold), Route("/api/v1/health", self._health)]
        self.admission = AdmissionMiddleware(Starlette(routes=routes), settings=settings)
        transport = httpx.ASGITransport(app=self.admission)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://test")

    async def _hold(self, _: Request) -> JSONResponse:
        self.running += 1
        await self.release.wait()
        return JSONResponse({"held": True})

    async def _health(self, _: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    def hold(self) -> asyncio.Task[httpx.Response]:
        """Start a /hold request in the background."""
        return asyncio.create_task(self.http.get("/hold"))

    async def until(self, condition: Callable[[], bool]) -> None:
        """Wait (bounded) until ``condition`` holds."""
        async with asyncio.timeout(WAIT):
            while not condition():
                await asyncio.sleep(0.01)


def limited(settings: Settings, concurrency: int, queue: int, timeout: float = 60.0) -> Settings:
    return settings.model_copy(
        update={
            "server_max_concurrency": concurrency,
            "server_max_queue": queue,
            "server_queue_timeout": timeout,
        }
    )


def run(test: Callable[[HeldApp], Awaitable[None]], settings: Settings) -> None:
    async def main() -> None:
        held = HeldApp(settings)
        try:
            await test(held)
        finally:
            held.release.set()
            await held.http.aclose()

    asyncio.run(main())


def assert_shed(response: httpx.Response, retry_after: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == retry_after
    assert "SERVER_MAX_CONCURRENCY" in response.json()["detail"]


def test_defaults_are_16_running_256_queued_5_seconds(settings: Settings) -> None:
    assert AdmissionLimits.from_settings(settings) == AdmissionLimits(16, 256, 5.0)


def test_one_running_and_no_queue_sheds_the_second_request(settings: Settings) -> None:
    async def scenario(app: HeldApp) -> None:
        first = app.hold()
        await app.until(lambda: app.running == 1)
        assert_shed(await app.http.get("/hold"), retry_after="60")
        app.release.set()
        assert (await first).status_code == 200
        assert (await app.http.get("/hold")).status_code == 200  # the slot was given back

    run(scenario, limited(settings, concurrency=1, queue=0))


def test_max_concurrency_requests_run_at_once(settings: Settings) -> None:
    async def scenario(app: HeldApp) -> None:
        held = [app.hold() for _ in range(3)]
        await app.until(lambda: app.running == 3)
        assert_shed(await app.http.get("/hold"), retry_after="60")
        app.release.set()
        assert [(await h).status_code for h in held] == [200, 200, 200]

    run(scenario, limited(settings, concurrency=3, queue=0))


def test_queued_requests_run_when_a_slot_frees_and_the_queue_is_bounded(
    settings: Settings,
) -> None:
    async def scenario(app: HeldApp) -> None:
        first = app.hold()
        await app.until(lambda: app.running == 1)
        queued = [app.hold() for _ in range(2)]
        await app.until(lambda: app.admission.gate.waiting == 2)
        assert app.running == 1  # queued, not running
        assert_shed(await app.http.get("/hold"), retry_after="60")
        app.release.set()
        responses = [await first, *[await q for q in queued]]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert app.running == 3
        assert app.admission.gate.running == 0

    run(scenario, limited(settings, concurrency=1, queue=2))


def test_a_request_queued_past_the_timeout_gets_503(settings: Settings) -> None:
    async def scenario(app: HeldApp) -> None:
        first = app.hold()
        await app.until(lambda: app.running == 1)
        started = time.monotonic()
        assert_shed(await app.http.get("/hold"), retry_after="1")  # ceil(0.2 s)
        assert time.monotonic() - started >= 0.2
        assert app.admission.gate.waiting == 0
        assert not first.done()
        app.release.set()
        assert (await first).status_code == 200

    run(scenario, limited(settings, concurrency=1, queue=5, timeout=0.2))


def test_health_answers_while_every_slot_and_the_queue_are_full(settings: Settings) -> None:
    async def scenario(app: HeldApp) -> None:
        held = [app.hold() for _ in range(2)]
        await app.until(lambda: app.running == 1 and app.admission.gate.waiting == 1)
        health = await app.http.get("/api/v1/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        app.release.set()
        assert [(await h).status_code for h in held] == [200, 200]

    run(scenario, limited(settings, concurrency=1, queue=1))


def test_a_cancelled_waiter_leaves_the_queue_and_a_handed_slot_is_returned() -> None:
    async def scenario() -> dict[str, Any]:
        gate = AdmissionGate(AdmissionLimits(concurrency=1, queue=2, queue_timeout=60))
        assert await gate.enter()
        waiter = asyncio.create_task(gate.enter())
        await asyncio.sleep(0)
        assert gate.waiting == 1
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        after_cancel = gate.waiting
        handed = asyncio.create_task(gate.enter())
        await asyncio.sleep(0)
        gate.leave()  # hands the slot to ``handed``...
        handed.cancel()  # ...which is cancelled before it resumes and must give it back
        await asyncio.gather(handed, return_exceptions=True)
        return {"after_cancel": after_cancel, "running": gate.running, "waiting": gate.waiting}

    assert asyncio.run(scenario()) == {"after_cancel": 0, "running": 0, "waiting": 0}
