"""Rate limits (the ``limits`` library, moving windows in memory).

``LoginThrottle`` counts failed logins per account and per source address (an IPv6 source
is its /64), so neither guessing one password nor spraying one password across many names
gets far.
``RequestLimiter`` caps requests per user or API key, with its own limit for /api/ml.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.core.config import Settings
from app.core.errors import TooManyRequests, Unauthorized

# Any IPv6 host gets at least a /64 to pick addresses from; counting per address would let
# it spray from 2^64 sources.
IPV6_SOURCE_PREFIX = 64


def _seconds_until(reset_time: float) -> int:
    return max(math.ceil(reset_time - time.time()), 1)


def source_key(address: str) -> str:
    """What one sprayer controls: an IPv4 address, or a whole IPv6 /64 (one site's subnet)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # no address (a test client, a unix socket): counted as given
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_SOURCE_PREFIX}", strict=False))
    return str(ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip)


class LoginThrottle:
    """Refuses logins for an account, or from a source, after too many failures in a window.

    An attempt is reserved while its password is checked, so a burst of parallel guesses
    counts in full: at most the allowed number is ever checked, however many arrive at once.
    """

    def __init__(self, max_failures: int, max_per_source: int, window: int) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._account = RateLimitItemPerSecond(max_failures, window, namespace="account")
        self._source = RateLimitItemPerSecond(max_per_source, window, namespace="source")
        self._pending: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        """LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_SOURCE and LOGIN_WINDOW_SECONDS."""
        return cls(
            settings.login_max_failures,
            settings.login_max_failures_per_source,
            settings.login_window_seconds,
        )

    def _budgets(self, account: str, source: str) -> list[tuple[RateLimitItem, str, str]]:
        return [
            (self._account, account.lower(), "for this account"),
            (self._source, source_key(source), "from this address"),
        ]

    @contextmanager
    def attempt(self, account: str, source: str) -> Iterator[None]:
        """Reserve one attempt for the account and the source while its password is checked.

        Raises ``TooManyRequests`` when recorded failures plus attempts in flight have used
        up either budget; an ``Unauthorized`` raised inside counts as a failure of both.
        """
        budgets = self._budgets(account, source)
        with self._lock:
            for item, key, what in budgets:
                in_flight = self._pending[(item.namespace, key)]
                if not self._limiter.test(item, key, cost=1 + in_flight):
                    wait = self._wait(item, key)
                    raise TooManyRequests(
                        f"too many failed logins {what}; try again in {wait} s", retry_after=wait
                    )
            for item, key, _ in budgets:
                self._pending[(item.namespace, key)] += 1
        try:
            yield
        except Unauthorized:
            with self._lock:  # counted before its reservation is released: no gap to slip in
                for item, key, _ in budgets:
                    self._limiter.hit(item, key)
            raise
        finally:
            with self._lock:
                for item, key, _ in budgets:
                    self._pending[(item.namespace, key)] -= 1
                    if not self._pending[(item.namespace, key)]:
                        del self._pending[(item.namespace, key)]

    def _wait(self, item: RateLimitItem, key: str) -> int:
        if self._limiter.test(item, key):  # full only with the attempts in flight: soon known
            return 1
        return _seconds_until(self._limiter.get_window_stats(item, key).reset_time)

    def succeeded(self, account: str) -> None:
        """Forget the account's failures; the source's stay, so one valid login ends no spray."""
        with self._lock:
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
