"""Worker threads and SQL connections sized from SERVER_MAX_CONCURRENCY.

The admission gate bounds the requests that run; these bounds make sure none of them
ever waits for a thread or a SQL connection held by another that waits in turn. Health
checks bypass the gate, so they get threads of their own, and a request may hold two
SQL sessions at once (a failed login writes its audit row in a second one).
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from app.core.config import Settings

HEALTH_THREADS = 8  # threads left for health checks when every admitted request has one
BACKGROUND_CONNECTIONS = 8  # ML watcher, notification dispatcher, start-up ingest, slack


@dataclass(frozen=True)
class Capacity:
    """Threads for sync routes and the SQL pool's size and overflow."""

    threads: int
    pool_size: int
    max_overflow: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Capacity:
        """Derived from SERVER_MAX_CONCURRENCY."""
        concurrency = settings.server_max_concurrency
        return cls(
            threads=concurrency + HEALTH_THREADS,
            pool_size=concurrency + BACKGROUND_CONNECTIONS,
            max_overflow=concurrency + HEALTH_THREADS,
        )

    def apply_threads(self) -> None:
        """Size the thread pool that runs sync routes and dependencies (call in the loop)."""
        anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
