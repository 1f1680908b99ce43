"""Threads and SQL connections follow SERVER_MAX_CONCURRENCY."""

from __future__ import annotations

import anyio
import anyio.to_thread
from sqlalchemy.pool import QueuePool

from app.core.capacity import Capacity
from app.core.config import Settings
from app.db.session import build_engine


def with_concurrency(settings: Settings, concurrency: int) -> Settings:
    return settings.model_copy(update={"server_max_concurrency": concurrency})


def test_the_sql_pool_holds_a_connection_per_running_request_and_a_margin(
    settings: Settings,
) -> None:
    for concurrency in (1, 16, 40):
        engine = build_engine(with_concurrency(settings, concurrency))
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool._max_overflow) == (concurrency + 8, concurrency + 8)
        engine.dispose()


def test_worker_threads_exceed_running_requests_by_the_health_margin(settings: Settings) -> None:
    async def threads() -> float:
        Capacity.from_settings(with_concurrency(settings, 50)).apply_threads()
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(threads) == 58
