"""The auth matrix over real routes: 401 without or with bad credentials, 403 for the
wrong role, 200 for the right one; pod keys may only send telemetry."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from app import __version__
from app.core.config import Settings, get_settings
from tests.conftest import ADMIN_PASSWORD, SECRET_KEY
from tests.support import HOLD_DUCKDB

PUBLIC = {"/api/v1/health", "/api/ml/health", "/api/v1/auth/token"}
PASSWORD = "a-long-enough-password"
LONG_LOCK_TIMEOUT = 600.0  # s
CSV_ROW = (
    "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id\n"
    "2025-07-01T09:20:15Z,b4e1d9c2,410,7.3,52.393297,13.265675,67,F4:12:FA:6C:9D:21\n"
)
Headers = dict[str, str]


def _protected(client: TestClient, method: str | None = None) -> list[tuple[str, str]]:
    """Every (method, concrete path) of /api operations in OpenAPI that need credentials."""
    found = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        if not path.startswith("/api/") or path in PUBLIC:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        found += [(m.upper(), concrete) for m in operations if method in (None, m.upper())]
    return found


def _bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient, username: str, password: str) -> str:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _user(client: TestClient, admin: Headers, role: str, name: str | None = None) -> Headers:
    username = name or f"{role}-user"
    body = {"username": username, "role": role, "password": PASSWORD}
    assert client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    return _bearer(_login(client, username, PASSWORD))


def _key(client: TestClient, admin: Headers, role: str = "pod") -> dict[str, object]:
    response = client.post(
        "/api/v1/api-keys", json={"name": f"{role}-key", "role": role}, headers=admin
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_health_is_public_and_checks_both_stores(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "telemetry_store": "ok",
        "database": "ok",
    }


@pytest.fixture
def long_lock_timeout(env: Path, monkeypatch: pytest.MonkeyPatch) -> float:
    """A store lock timeout no busy machine comes near, set before the app starts."""
    monkeypatch.setenv("STORE_LOCK_TIMEOUT", str(LONG_LOCK_TIMEOUT))
    get_settings.cache_clear()
    return LONG_LOCK_TIMEOUT


def test_health_reports_a_busy_telemetry_store_at_once(
    long_lock_timeout: float, client: TestClient, settings: Settings
) -> None:
    """Health does not wait for the store lock as other reads do (STORE_LOCK_TIMEOUT)."""
    assert settings.store_lock_timeout == long_lock_timeout
    client.app.state.startup_ingest.join(timeout=30)  # type: ignore[attr-defined]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_DUCKDB, str(settings.duckdb_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        body = client.get("/api/v1/health").json()
        assert time.monotonic() - started < long_lock_timeout
    finally:
        holder.kill()
        holder.wait()
    assert (body["status"], body["telemetry_store"], body["database"]) == ("degraded", "busy", "ok")


def test_every_api_route_answers_401_without_a_token(client: TestClient) -> None:
    routes = _protected(client)
    assert {
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/api-keys"),
        ("GET", "/api/v1/auth/me"),
    } <= set(routes)
    for method, path in routes:
        response = client.request(method, path)
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_login_issues_a_bearer_token_for_the_first_admin(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    body = response.json()
    assert (body["token_type"], body["role"], body["expires_in"]) == ("bearer", "admin", 30 * 60)
    me = client.get("/api/v1/auth/me", headers=_bearer(body["access_token"]))
    assert me.json() == {"name": "admin", "role": "admin", "kind": "user"}


def test_wrong_password_gets_401(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token", data={"username": "admin", "password": "nope-nope"}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("role", "users", "me", "telemetry"),
    [("viewer", 403, 200, 403), ("operator", 403, 200, 200), ("admin", 200, 200, 200)],
)
def test_role_matrix(
    client: TestClient, admin_headers: Headers, role: str, users: int, me: int, telemetry: int
) -> None:
    headers = _user(client, admin_headers, role)
    assert client.get("/api/v1/users", headers=headers).status_code == users
    assert client.get("/api/v1/auth/me", headers=headers).status_code == me
    sent = client.post(
        "/api/v1/telemetry", content=CSV_ROW, headers={**headers, "Content-Type": "text/csv"}
    )
    assert (sent.status_code if sent.status_code in (401, 403) else 200) == telemetry, sent.text


def test_viewer_gets_403_on_every_admin_route(client: TestClient, admin_headers: Headers) -> None:
    viewer = _user(client, admin_headers, "viewer")
    for method, path in _protected(client):
        if path.startswith(("/api/v1/users", "/api/v1/api-keys")):
            assert client.request(method, path, headers=viewer).status_code == 403, (method, path)


def test_expired_and_forged_tokens_get_401(client: TestClient) -> None:
    now = datetime.now(UTC)
    expired = jwt.encode(
        {
            "sub": "admin",
            "role": "admin",
            "iat": now - timedelta(hours=2),
            "exp": now - timedelta(hours=1),
        },
        SECRET_KEY,
        algorithm="HS256",
    )
    claims = {"sub": "admin", "role": "admin", "iat": now, "exp": now + timedelta(hours=1)}
    forged = jwt.encode(claims, "someone-elses-secret-" + "k" * 32, algorithm="HS256")
    unsigned = jwt.encode(claims, "", algorithm="none")
    for token in (expired, forged, unsigned, "garbage"):
        response = client.get("/api/v1/auth/me", headers=_bearer(token))
        assert response.status_code == 401, token
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_pod_key_may_post_telemetry_and_nothing_else(
    client: TestClient, admin_headers: Headers
) -> None:
    pod = {"X-API-Key": str(_key(client, admin_headers)["key"])}
    sent = client.post(
        "/api/v1/telemetry", content=CSV_ROW, headers={**pod, "Content-Type": "text/csv"}
    )
    assert sent.status_code < 300, sent.text
    reads = _protected(client, "GET")
    assert ("GET", "/api/v1/auth/me") in reads
    for method, path in reads:
        assert client.request(method, path, headers=pod).status_code == 403, path
    keys = client.get("/api/v1/api-keys", headers=admin_headers).json()
    assert keys[0]["last_used_at"] is not None


def test_revoked_key_gets_401_and_keys_are_never_listed(
    client: TestClient, admin_headers: Headers
) -> None:
    created = _key(client, admin_headers, "viewer")
    key = {"X-API-Key": str(created["key"])}
    assert client.get("/api/v1/auth/me", headers=key).json()["kind"] == "api_key"
    listing = client.get("/api/v1/api-keys", headers=admin_headers)
    assert str(created["key"]) not in listing.text
    assert "key" not in listing.json()[0]
    revoked = client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin_headers)
    assert revoked.json()["revoked"] is True
    assert client.get("/api/v1/auth/me", headers=key).status_code == 401


def test_disabled_user_gets_401(client: TestClient, admin_headers: Headers) -> None:
    headers = _user(client, admin_headers, "operator", "olga")
    olga = next(
        u
        for u in client.get("/api/v1/users", headers=admin_headers).json()
        if u["username"] == "olga"
    )
    patched = client.patch(
        f"/api/v1/users/{olga['id']}", json={"active": False}, headers=admin_headers
    )
    assert patched.json()["active"] is False
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    again = client.post("/api/v1/auth/token", data={"username": "olga", "password": PASSWORD})
    assert again.status_code == 401


def test_user_management_answers_4xx_naming_the_problem(
    client: TestClient, admin_headers: Headers
) -> None:
    def create(**body: str) -> tuple[int, dict[str, object]]:
        payload = {"username": "ana", "role": "viewer", "password": PASSWORD, **body}
        response = client.post("/api/v1/users", json=payload, headers=admin_headers)
        return response.status_code, response.json()

    assert create()[0] == 201
    assert create() == (409, {"detail": "user 'ana' already exists", "field": "username"})
    assert create(username="other", role="pod")[1]["errors"][0]["field"] == "role"  # type: ignore[index]
    assert create(username="other", password="short")[1]["errors"][0]["field"] == "password"  # type: ignore[index]
    assert client.get("/api/v1/users/999", headers=admin_headers).status_code == 404
    admin_id = client.get("/api/v1/users", headers=admin_headers).json()[0]["id"]
    assert client.delete(f"/api/v1/users/{admin_id}", headers=admin_headers).status_code == 409


def test_admin_deletes_a_user(client: TestClient, admin_headers: Headers) -> None:
    _user(client, admin_headers, "viewer", "temp")
    temp = next(
        u
        for u in client.get("/api/v1/users", headers=admin_headers).json()
        if u["username"] == "temp"
    )
    assert client.delete(f"/api/v1/users/{temp['id']}", headers=admin_headers).status_code == 204
    names = [u["username"] for u in client.get("/api/v1/users", headers=admin_headers).json()]
    assert names == ["admin"]


def test_secrets_never_reach_app_log(client: TestClient, settings: Settings) -> None:
    token = _login(client, "admin", ADMIN_PASSWORD)
    admin = _bearer(token)
    _user(client, admin, "viewer", "vera")
    key = str(_key(client, admin)["key"])
    client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    client.post(
        "/api/v1/auth/token", data={"username": "admin", "password": "wrong-" + ADMIN_PASSWORD}
    )
    log = (settings.log_path / "app.log").read_text()
    assert "POST /api/v1/auth/token 200" in log
    for secret in (ADMIN_PASSWORD, PASSWORD, token, key, key.split("_", 2)[2], SECRET_KEY):
        assert secret not in log


def test_generated_admin_password_goes_to_stdout_only(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD")
    from app.core.config import get_settings
    from app.main import create_app

    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        password = capsys.readouterr().out.split("password: ")[1].split()[0]
        assert _login(client, "admin", password)
    with TestClient(create_app()):
        assert "password" not in capsys.readouterr().out
    log = (env / "logs" / "app.log").read_text()
    assert "created user 'admin'" in log
    assert password not in log
