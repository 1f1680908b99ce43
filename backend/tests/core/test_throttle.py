"""The login throttle on its own: attempts in flight count, failures lock, sources group."""

from __future__ import annotations

import pytest

from app.core.errors import TooManyRequests, Unauthorized
from app.core.throttle import LoginThrottle, source_key

SOURCE = "198.51.100.4"


def fail(throttle: LoginThrottle, account: str, source: str = SOURCE) -> None:
    with pytest.raises(Unauthorized), throttle.attempt(account, source):
        raise Unauthorized("incorrect username or password")


def test_attempts_in_flight_use_the_budget_until_they_end() -> None:
    throttle = LoginThrottle(max_failures=2, max_per_source=100, window=300)
    with throttle.attempt("ada", SOURCE), throttle.attempt("ADA", SOURCE):
        with pytest.raises(TooManyRequests) as refused, throttle.attempt("ada", SOURCE):
            pass
        assert refused.value.retry_after == 1  # known as soon as the two are checked
    with throttle.attempt("ada", SOURCE):  # both succeeded: nothing was used up
        pass


def test_failures_lock_the_account_for_the_rest_of_the_window() -> None:
    throttle = LoginThrottle(max_failures=2, max_per_source=100, window=300)
    fail(throttle, "ada")
    fail(throttle, "ada")
    with pytest.raises(TooManyRequests) as locked, throttle.attempt("ada", "203.0.113.1"):
        pass
    assert 1 < locked.value.retry_after <= 300
    assert "for this account" in locked.value.message
    with throttle.attempt("bob", SOURCE):  # another account from the same source
        pass


def test_spraying_is_counted_per_source_across_accounts() -> None:
    throttle = LoginThrottle(max_failures=10, max_per_source=3, window=300)
    for name in ("a", "b", "c"):
        fail(throttle, name)
    with pytest.raises(TooManyRequests, match="from this address"), throttle.attempt("d", SOURCE):
        pass
    with throttle.attempt("d", "198.51.100.5"):
        pass


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("198.51.100.4", "198.51.100.4"),
        ("2001:db8:0:7::1", "2001:db8:0:7::/64"),
        ("2001:db8:0:7:ffff:1:2:3", "2001:db8:0:7::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("testclient", "testclient"),
    ],
)
def test_an_ipv6_source_is_its_64(address: str, key: str) -> None:
    assert source_key(address) == key
