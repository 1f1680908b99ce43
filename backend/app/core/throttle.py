"""Brute-force protection for logins: failures counted per key in a sliding window."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque

from app.core.errors import TooManyRequests


class LoginThrottle:
    """Refuses a key after ``max_failures`` failed attempts within ``window`` seconds."""

    def __init__(self, max_failures: int, window: float) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Raise ``TooManyRequests`` while ``key`` has used up its failures."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent(key, now)
            if len(recent) >= self.max_failures:
                wait = math.ceil(recent[0] + self.window - now)
                raise TooManyRequests(
                    f"too many failed logins; try again in {wait} s", retry_after=max(wait, 1)
                )

    def failed(self, key: str) -> None:
        """Count one failed attempt for ``key``."""
        with self._lock:
            self._failures[key].append(time.monotonic())

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures after a successful login."""
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._failures[key]
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if not recent:
            del self._failures[key]
            return deque()
        return recent
