"""Recently checked tokens and API keys skip the user lookup (AUTH_CACHE_SECONDS), and a
change to the records they rest on is seen at once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

from app.api.principal_cache import PrincipalCache
from app.core.config import Settings, get_settings
from app.core.data_version import DataVersion, Source
from app.core.roles import Principal, Role

PASSWORD = "a-long-enough-password"
VIEWER = Principal(name="viewer-1", role=Role.viewer, kind="user", id=7)
CREDENTIAL = ("a-token", None)


def test_a_cached_principal_holds_until_the_records_change() -> None:
    version = DataVersion()
    cache = PrincipalCache(60.0, version)
    cache.put(CREDENTIAL, VIEWER, cache.snapshot(), expires=None)
    assert cache.get(CREDENTIAL) == VIEWER
    assert cache.get(("another-token", None)) is None
    version.bump(Source.telemetry)  # telemetry says nothing about users
    assert cache.get(CREDENTIAL) == VIEWER
    version.bump(Source.records)
    assert cache.get(CREDENTIAL) is None


def test_a_principal_read_before_a_change_is_not_kept() -> None:
    version = DataVersion()
    cache = PrincipalCache(60.0, version)
    read_at = cache.snapshot()
    version.bump(Source.records)  # a write while the lookup ran
    cache.put(CREDENTIAL, VIEWER, read_at, expires=None)
    assert cache.get(CREDENTIAL) is None


def test_a_cached_principal_ends_with_its_seconds_and_its_token() -> None:
    version = DataVersion()
    expired = datetime.now(UTC) - timedelta(seconds=1)
    cache = PrincipalCache(60.0, version)
    cache.put(CREDENTIAL, VIEWER, cache.snapshot(), expires=expired)
    assert cache.get(CREDENTIAL) is None
    brief = PrincipalCache(0.05, version)
    brief.put(CREDENTIAL, VIEWER, brief.snapshot(), expires=None)
    time.sleep(0.1)
    assert brief.get(CREDENTIAL) is None
    never = PrincipalCache(0.0, version)
    never.put(CREDENTIAL, VIEWER, never.snapshot(), expires=None)
    assert never.get(CREDENTIAL) is None


@pytest.fixture
def auth_cache_seconds(
    request: pytest.FixtureRequest, env: Path, monkeypatch: pytest.MonkeyPatch
) -> float:
    """AUTH_CACHE_SECONDS for the app the test starts (parametrised)."""
    seconds = float(request.param)
    monkeypatch.setenv("AUTH_CACHE_SECONDS", str(seconds))
    get_settings.cache_clear()
    return seconds


@contextmanager
def _user_lookups(client: TestClient) -> Iterator[list[str]]:
    """The SQL statements reading the users table while the block runs."""
    engine: Engine = client.app.state.session_factory.kw["bind"]  # type: ignore[attr-defined]
    seen: list[str] = []

    def count(conn, cursor, statement: str, *args: object) -> None:  # type: ignore[no-untyped-def]
        if "FROM users" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _viewer(client: TestClient, admin: dict[str, str]) -> tuple[int, dict[str, str]]:
    """A new viewer's id and bearer header."""
    body = {"username": "viewer-1", "role": "viewer", "password": PASSWORD}
    created = client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    form = {"username": "viewer-1", "password": PASSWORD}
    token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
    return int(created.json()["id"]), {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("auth_cache_seconds", "lookups"), [(600, 1), (0, 3)], indirect=["auth_cache_seconds"]
)
def test_auth_cache_seconds_decides_how_often_the_user_is_looked_up(
    auth_cache_seconds: float, lookups: int, client: TestClient, admin_headers: dict[str, str]
) -> None:
    _, viewer = _viewer(client, admin_headers)
    with _user_lookups(client) as seen:
        for _ in range(3):
            assert client.get("/api/v1/auth/me", headers=viewer).status_code == 200
        assert len(seen) == lookups


@pytest.mark.parametrize("auth_cache_seconds", [600], indirect=True)
def test_a_user_disabled_through_the_api_is_refused_at_once(
    auth_cache_seconds: float, client: TestClient, admin_headers: dict[str, str]
) -> None:
    user_id, viewer = _viewer(client, admin_headers)
    assert client.get("/api/v1/auth/me", headers=viewer).status_code == 200
    response = client.patch(
        f"/api/v1/users/{user_id}", json={"active": False}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert client.get("/api/v1/auth/me", headers=viewer).status_code == 401


@pytest.mark.parametrize("auth_cache_seconds", [600, 0], indirect=True)
def test_a_user_disabled_by_another_process_is_refused_when_the_store_tells(
    auth_cache_seconds: float, client: TestClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    """SQLite: the file's change is seen at once. PostgreSQL gives no such signal, so only
    AUTH_CACHE_SECONDS=0 refuses at once there."""
    _, viewer = _viewer(client, admin_headers)
    assert client.get("/api/v1/auth/me", headers=viewer).status_code == 200
    other = create_engine(settings.database_url, poolclass=NullPool)  # as another process
    with other.begin() as connection:
        connection.execute(text("UPDATE users SET active = false WHERE username = 'viewer-1'"))
    other.dispose()
    seen_at_once = settings.sqlite_path is not None or auth_cache_seconds == 0
    expected = 401 if seen_at_once else 200
    assert client.get("/api/v1/auth/me", headers=viewer).status_code == expected
