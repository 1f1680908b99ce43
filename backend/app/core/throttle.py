"""Rate limits (the ``limits`` library, moving windows in memory).

``LoginThrottle`` counts failed logins per account and per source address, so neither
guessing one password nor spraying one password across many names gets far.
``RequestLimiter`` caps requests per user or API key, with its own limit for /api/ml.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.core.config import Settings
from app.core.errors import TooManyRequests


def _seconds_until(reset_time: float) -> int:
    return max(math.ceil(reset_time - time.time()), 1)


class LoginThrottle:
    """Refuses logins for an account, or from a source, after too many failures in a window."""

    def __init__(self, max_failures: int, max_per_source: int, window: int) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._account = RateLimitItemPerSecond(max_failures, window, namespace="account")
        self._source = RateLimitItemPerSecond(max_per_source, window, namespace="source")

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        """LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_SOURCE and LOGIN_WINDOW_SECONDS."""
        return cls(
            settings.login_max_failures,
            settings.login_max_failures_per_source,
            settings.login_window_seconds,
        )

    def check(self, account: str, source: str) -> None:
        """Raise ``TooManyRequests`` while the account or the source has used up its failures."""
        for item, key, what in (
            (self._account, account.lower(), "for this account"),
            (self._source, source, "from this address"),
        ):
            if not self._limiter.test(item, key):
                wait = _seconds_until(self._limiter.get_window_stats(item, key).reset_time)
                raise TooManyRequests(
                    f"too many failed logins {what}; try again in {wait} s", retry_after=wait
                )

    def failed(self, account: str, source: str) -> None:
        """Count one failed attempt against the account and the source."""
        self._limiter.hit(self._account, account.lower())
        self._limiter.hit(self._source, source)

    def succeeded(self, account: str) -> None:
        """Forget the account's failures; the source's stay, so one valid login ends no spray."""
        self._limiter.clear(self._account, account.lower())


class RequestLimiter:
    """Requests per minute for each principal: one budget for /api/ml, one for the rest."""

    def __init__(self, per_minute: int, ml_per_minute: int) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items: dict[bool, RateLimitItem | None] = {
            False: RateLimitItemPerMinute(per_minute, namespace="api") if per_minute else None,
            True: RateLimitItemPerMinute(ml_per_minute, namespace="ml") if ml_per_minute else None,
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestLimiter:
        """RATE_LIMIT_PER_MINUTE and ML_RATE_LIMIT_PER_MINUTE (0 switches one off)."""
        return cls(settings.rate_limit_per_minute, settings.ml_rate_limit_per_minute)

    def hit(self, identity: str, path: str) -> None:
        """Count one request of ``identity``; raise ``TooManyRequests`` beyond its budget."""
        ml = path.startswith("/api/ml/")
        item = self._items[ml]
        if item is None or self._limiter.hit(item, identity):
            return
        wait = _seconds_until(self._limiter.get_window_stats(item, identity).reset_time)
        setting = "ML_RATE_LIMIT_PER_MINUTE" if ml else "RATE_LIMIT_PER_MINUTE"
        raise TooManyRequests(
            f"rate limit of {item.amount} requests per minute exceeded ({setting}); "
            f"try again in {wait} s",
            retry_after=wait,
        )
