"""The guard: credentials before the body, body size, JSON depth and string length, and the
per-user / per-key rate limits, each set by its setting; never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import get_settings
from app.core.json_limits import json_depth, longest_string
from tests.support import ADMIN_PASSWORD

CSV = (
    "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id\n"
    "2025-07-01T09:20:15Z,pod-1,1,7.3,52.39,13.26,67,\n"
)
USER = {"username": "nina", "role": "viewer", "password": "a-long-enough-password"}
Headers = dict[str, str]
App = Callable[..., TestClient]


@pytest.fixture
def app_with(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    """Start the app with the given settings (as variables); closed after the test."""
    clients: list[TestClient] = []

    def start(**variables: str) -> TestClient:
        for key, value in variables.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        from app.main import create_app

        client = TestClient(create_app())
        clients.append(client.__enter__())
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def admin(client: TestClient) -> Headers:
    form = {"username": "admin", "password": ADMIN_PASSWORD}
    token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_scanner_ignores_brackets_and_quotes_inside_strings() -> None:
    body = json.dumps({"a": ["[[[{", {"b": 'say "hi" \\ ]]'}], "c": "x" * 40}).encode()
    assert json_depth(body) == 3
    assert longest_string(body) == 40
    assert json_depth(nested(100_000).encode()) == 100_000
    assert json_depth(b"") == 0


def test_credentials_are_checked_before_the_body_is_read(app_with: App) -> None:
    client = app_with()
    for body in (nested(100_000), "x" * (2 * 2**20), json.dumps(USER)):
        response = client.post("/api/v1/users", content=body)
        assert response.status_code == 401, response.text
    viewer_token = client.post(
        "/api/v1/users", json=USER, headers=admin(client)
    ).status_code  # a viewer to try an admin route with
    assert viewer_token == 201
    form = {"username": USER["username"], "password": USER["password"]}
    token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
    forbidden = client.post(
        "/api/v1/users", content=nested(100_000), headers={"Authorization": f"Bearer {token}"}
    )
    assert forbidden.status_code == 403


def test_too_deep_json_is_422_naming_the_limit_on_every_json_route(app_with: App) -> None:
    client = app_with(JSON_MAX_DEPTH="5")
    headers = admin(client) | {"Content-Type": "application/json"}
    for path in ("/api/v1/users", "/api/v1/api-keys", "/api/ml/train", "/api/v1/telemetry"):
        response = client.post(path, content=nested(100_000), headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json() == {
            "detail": "JSON body nested 100000 levels deep; at most 5 allowed (JSON_MAX_DEPTH)",
            "field": "body",
        }
    ok = client.post("/api/v1/users", content=json.dumps(USER), headers=headers)
    assert ok.status_code == 201  # depth 1 is fine


def test_long_json_strings_are_422_naming_the_limit(app_with: App) -> None:
    client = app_with(JSON_MAX_STRING_LENGTH="100")
    headers = admin(client)
    body = USER | {"username": "n" * 101}
    response = client.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 422
    assert "string of 101 bytes; at most 100 allowed (JSON_MAX_STRING_LENGTH)" in response.text
    assert client.post("/api/v1/users", json=USER, headers=headers).status_code == 201


def test_bodies_over_max_body_bytes_are_413_naming_the_limit(app_with: App) -> None:
    client = app_with(MAX_BODY_BYTES="200")
    headers = admin(client) | {"Content-Type": "application/json"}
    small = json.dumps(USER)
    big = json.dumps(USER | {"padding": "p" * 200})
    created = client.post("/api/v1/users", content=small, headers=headers)
    assert created.status_code == 201, created.text
    response = client.post("/api/v1/users", content=big, headers=headers)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "request body larger than 200 bytes (MAX_BODY_BYTES)",
        "field": "body",
    }
    chunked = client.post("/api/v1/users", content=iter([big.encode()]), headers=headers)
    assert chunked.status_code == 413  # no Content-Length: counted while reading
    login = client.post("/api/v1/auth/token", data={"username": "a" * 300, "password": "x"})
    assert login.status_code == 413  # public routes are bounded too


def test_telemetry_has_its_own_larger_limit(app_with: App) -> None:
    client = app_with(MAX_BODY_BYTES="64", TELEMETRY_MAX_BODY_BYTES=str(len(CSV) + 10))
    client.app.state.startup_ingest.join(timeout=30)  # type: ignore[attr-defined]
    headers = admin(client) | {"Content-Type": "text/csv"}
    accepted = client.post("/api/v1/telemetry", content=CSV, headers=headers)
    assert accepted.status_code == 200, accepted.text  # over MAX_BODY_BYTES, under its own
    too_big = CSV + "2025-07-01T09:20:45Z,pod-1,2,7.3,52.39,13.26,67,\n"
    for body in (too_big, iter([too_big.encode()])):
        response = client.post("/api/v1/telemetry", content=body, headers=headers)
        assert response.status_code == 413
        assert "TELEMETRY_MAX_BODY_BYTES" in response.json()["detail"]
    assert client.get("/api/v1/ingest/history", headers=headers).json()["total"] == 1


def test_the_defaults(app_with: App) -> None:
    app_with()
    settings = get_settings()
    assert (settings.max_body_bytes, settings.telemetry_max_body_bytes) == (2**20, 64 * 2**20)
    assert (settings.json_max_depth, settings.json_max_string_length) == (32, 65536)
    assert (settings.rate_limit_per_minute, settings.ml_rate_limit_per_minute) == (600, 300)


def test_rate_limit_per_user_and_per_key_with_retry_after(app_with: App) -> None:
    client = app_with(RATE_LIMIT_PER_MINUTE="3", ML_RATE_LIMIT_PER_MINUTE="0")
    headers = admin(client)
    statuses = [client.get("/api/v1/auth/me", headers=headers).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    refused = client.get("/api/v1/devices", headers=headers)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "RATE_LIMIT_PER_MINUTE" in refused.json()["detail"]
    for _ in range(10):  # health checks are exempt
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/api/ml/health").status_code == 200
    other = admin(client)  # the same user: still over its budget, whatever the token
    assert client.get("/api/v1/auth/me", headers=other).status_code == 429


def test_ml_routes_have_their_own_budget(app_with: App) -> None:
    client = app_with(RATE_LIMIT_PER_MINUTE="4", ML_RATE_LIMIT_PER_MINUTE="2")
    headers = admin(client)
    ml = [client.get("/api/ml/alerts", headers=headers).status_code for _ in range(3)]
    assert ml[2] == 429
    assert "ML_RATE_LIMIT_PER_MINUTE" in client.get("/api/ml/alerts", headers=headers).text
    api = [client.get("/api/v1/auth/me", headers=headers).status_code for _ in range(5)]
    assert api == [200, 200, 200, 200, 429]  # the ML calls did not use this budget


def test_each_api_key_has_its_own_budget(app_with: App) -> None:
    client = app_with(RATE_LIMIT_PER_MINUTE="2")
    headers = admin(client)
    keys = [
        client.post("/api/v1/api-keys", json={"name": f"k{i}", "role": "viewer"}, headers=headers)
        for i in range(2)
    ]
    first, second = ({"X-API-Key": k.json()["key"]} for k in keys)
    assert [client.get("/api/v1/auth/me", headers=first).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert client.get("/api/v1/auth/me", headers=second).status_code == 200


def test_every_api_route_needs_a_role_unless_it_is_public(app_with: App) -> None:
    from fastapi.routing import iter_route_contexts

    from app.api.guard import route_policy

    client = app_with()
    public = {"/api/v1/health", "/api/ml/health", "/api/v1/auth/token"}
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        path = route.path or ""
        if path.startswith("/api/") and path not in public:
            assert route_policy(route).roles, f"{path} has no role requirement"
