"""An API client with one user per role, and alerts raised on the app's own SQL store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.db.models_alerts import Alert
from app.db.models_audit import AuditEvent
from app.db.models_notify import (
    AlertAssignment,
    AlertComment,
    AlertNotifyState,
    DeviceGroup,
    NotifyChannel,
    NotifyEvent,
    NotifyRule,
    OutboxNotice,
    Silence,
)
from app.ml.alerts.predictive_alerts import AlertRecord, PredictiveAlertService
from app.ml.alerts.rules import AlertRules
from tests.conftest import _fresh_postgres_database
from tests.notifications.factories import raise_alert
from tests.support import ADMIN_PASSWORD, use_env

PASSWORD = "a-long-enough-password"
Headers = dict[str, str]


def login(client: TestClient, username: str, password: str) -> Headers:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass
class Api:
    """Calls as admin, operator ("olga") or viewer ("vic")."""

    client: TestClient
    roles: dict[str, Headers]

    def call(self, method: str, path: str, role: str = "admin", **kwargs: Any) -> Any:
        return self.client.request(
            method, "/api/v1/notifications" + path, headers=self.roles[role], **kwargs
        )

    def ok(self, method: str, path: str, role: str = "admin", **kwargs: Any) -> Any:
        response = self.call(method, path, role, **kwargs)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def raise_alert(self, device: str, issue: str = "motor", severity: str = "HIGH") -> AlertRecord:
        factory = self.client.app.state.session_factory  # type: ignore[attr-defined]
        return raise_alert(PredictiveAlertService(AlertRules(), factory), device, issue, severity)

    def audit(self, action: str) -> list[dict[str, Any]]:
        response = self.client.get(
            "/api/v1/audit", params={"action": action}, headers=self.roles["admin"]
        )
        return list(response.json()["items"])


def make_api(client: TestClient, admin: Headers) -> Api:
    for name, role in (("olga", "operator"), ("vic", "viewer")):
        body = {"username": name, "role": role, "password": PASSWORD}
        assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    roles = {
        "admin": admin,
        "operator": login(client, "olga", PASSWORD),
        "viewer": login(client, "vic", PASSWORD),
    }
    return Api(client, roles)


CLEARED = (
    AlertComment, AlertAssignment, AlertNotifyState, NotifyEvent, OutboxNotice,
    NotifyRule, NotifyChannel, DeviceGroup, Silence, Alert, AuditEvent,
)  # fmt: skip


def clear(api: Api) -> None:
    """Forget every notification row, alert and audit entry (users stay)."""
    factory = api.client.app.state.session_factory  # type: ignore[attr-defined]
    with factory.begin() as session:
        for model in CLEARED:
            session.execute(delete(model))


@pytest.fixture(scope="module")
def module_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One served app per test module (ML off, dispatcher off): logins cost bcrypt time."""
    from app.main import create_app

    root: Path = tmp_path_factory.mktemp("notify-api")
    server = os.environ.get("TEST_DATABASE_URL")
    databases = _fresh_postgres_database(server) if server else iter([None])
    url = next(databases)
    with pytest.MonkeyPatch.context() as patch:
        use_env(patch, root, url)
        patch.setenv("ML_ENABLED", "true")
        patch.setenv("NOTIFY_ENABLED", "false")
        with TestClient(create_app()) as client:
            admin = login(client, "admin", ADMIN_PASSWORD)
            yield make_api(client, admin)
    for _ in databases:  # drops the PostgreSQL database
        pass


@pytest.fixture
def api(module_api: Api) -> Iterator[Api]:
    """The module's app with no notification data left by an earlier test."""
    clear(module_api)
    return module_api
