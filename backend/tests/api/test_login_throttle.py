"""Failed logins are throttled per account and per source address, as the settings say."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings, get_settings
from tests.conftest import ADMIN_PASSWORD


def login(client: TestClient, username: str, password: str) -> int:
    """Status of one login attempt."""
    form = {"username": username, "password": password}
    return client.post("/api/v1/auth/token", data=form).status_code


def start(monkeypatch: pytest.MonkeyPatch, window: int) -> TestClient:
    """The app with LOGIN_MAX_FAILURES=3 and a window of ``window`` seconds."""
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("LOGIN_WINDOW_SECONDS", str(window))
    get_settings.cache_clear()
    from app.main import create_app

    return TestClient(create_app())


@pytest.fixture
def throttled(env: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A 60 s window: longer than any test takes, however busy the machine."""
    with start(monkeypatch, 60) as client:
        yield client


def test_defaults_allow_ten_failures_per_account_fifty_per_source_in_five_minutes(
    settings: Settings,
) -> None:
    assert (settings.login_max_failures, settings.login_window_seconds) == (10, 300)
    assert settings.login_max_failures_per_source == 50


def test_spraying_one_password_across_names_is_limited_per_source(
    env: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_SOURCE", "4")
    get_settings.cache_clear()
    from app.main import create_app

    with TestClient(create_app()) as client:
        sprayed = [login(client, f"user{i}", "Summer2025!") for i in range(5)]
        assert sprayed == [401, 401, 401, 401, 429]
        refused = client.post(
            "/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert refused.status_code == 429
        assert "from this address" in refused.json()["detail"]


def test_after_max_failures_even_the_right_password_waits(throttled: TestClient) -> None:
    assert [login(throttled, "admin", "wrong") for _ in range(3)] == [401, 401, 401]
    response = throttled.post(
        "/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "too many failed logins for this account" in response.json()["detail"]


def test_other_user_names_are_not_affected(throttled: TestClient) -> None:
    for _ in range(3):
        login(throttled, "ghost", "wrong")
    assert login(throttled, "ghost", "wrong") == 429
    assert login(throttled, "admin", ADMIN_PASSWORD) == 200


def test_the_window_passes_and_logins_work_again(
    env: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start(monkeypatch, 1) as client:
        for _ in range(3):
            login(client, "admin", "wrong")
        time.sleep(1.1)  # the failures have left the window, however slow they were
        assert login(client, "admin", ADMIN_PASSWORD) == 200


def test_a_success_clears_earlier_failures(throttled: TestClient) -> None:
    for _ in range(2):
        login(throttled, "admin", "wrong")
    assert login(throttled, "admin", ADMIN_PASSWORD) == 200
    assert [login(throttled, "admin", "wrong") for _ in range(3)] == [401, 401, 401]
