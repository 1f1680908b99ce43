"""Every write is committed before its response starts: another connection already sees it
when the client gets its status line (no commit-after-response dependency)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Message, Receive, Scope, Send

from app.core.config import Settings
from app.db.models import ApiKey, User
from tests.support import ADMIN_PASSWORD

Check = Callable[[], object]


class SeenAtResponseStart:
    """ASGI wrapper: runs ``check`` (a fresh SQL session) the moment a response starts."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.check: Check | None = None
        self.seen: list[object] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start" and self.check is not None:
                self.seen.append(self.check())
            await send(message)

        await self.app(scope, receive, observed)


@pytest.fixture
def observed(settings: Settings) -> Iterator[tuple[TestClient, SeenAtResponseStart]]:
    from app.main import create_app

    wrapper = SeenAtResponseStart(create_app())
    with TestClient(wrapper) as client:
        form = {"username": "admin", "password": ADMIN_PASSWORD}
        token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client, wrapper


Factory = sessionmaker[Session]


def _fresh(wrapper: SeenAtResponseStart, query: Callable[[Factory], object]) -> Check:
    factory: Factory = wrapper.app.state.session_factory
    return lambda: query(factory)


def test_a_revoke_is_committed_before_its_response_starts(
    observed: tuple[TestClient, SeenAtResponseStart],
) -> None:
    client, wrapper = observed
    key = client.post("/api/v1/api-keys", json={"name": "k", "role": "viewer"}).json()

    def revoked(factory: Factory) -> object:
        with factory() as db:
            return db.scalar(select(ApiKey.revoked).where(ApiKey.id == key["id"]))

    wrapper.check = _fresh(wrapper, revoked)
    assert client.delete(f"/api/v1/api-keys/{key['id']}").status_code == 200
    assert wrapper.seen == [True]


def test_a_disable_is_committed_before_its_response_starts(
    observed: tuple[TestClient, SeenAtResponseStart],
) -> None:
    client, wrapper = observed
    body = {"username": "olga", "role": "viewer", "password": "a-long-enough-password"}
    user = client.post("/api/v1/users", json=body).json()

    def active(factory: Factory) -> object:
        with factory() as db:
            return db.scalar(select(User.active).where(User.id == user["id"]))

    wrapper.check = _fresh(wrapper, active)
    assert client.patch(f"/api/v1/users/{user['id']}", json={"active": False}).is_success
    assert wrapper.seen == [False]
