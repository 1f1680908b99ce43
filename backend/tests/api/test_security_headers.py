"""Security headers on every response; /docs and /openapi.json behind DOCS_ENABLED."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import get_settings
from tests.support import ADMIN_PASSWORD

EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def start(monkeypatch: pytest.MonkeyPatch, **variables: str) -> TestClient:
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    from app.main import create_app

    return TestClient(create_app())


@pytest.fixture
def app(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with start(monkeypatch) as client:
        yield client


def test_every_kind_of_response_carries_the_headers(app: TestClient) -> None:
    responses = [
        app.get("/"),  # the dashboard (or its not-built page)
        app.get("/sessions"),  # a client route
        app.get("/api/v1/health"),
        app.get("/api/v1/users"),  # 401 from the guard
        app.get("/api/v1/nothing-here"),  # 404
        app.post("/api/v1/auth/token", content="x" * (2 * 2**20)),  # 413 from the guard
        app.get("/openapi.json"),
    ]
    for response in responses:
        for name, value in EXPECTED.items():
            assert response.headers[name] == value, (response.url, name)
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self';" in csp  # no inline or foreign scripts on the dashboard
    assert [r.status_code for r in responses[3:6]] == [401, 404, 413]


def test_api_answers_are_never_cached_and_the_dashboard_keeps_its_policy(
    app: TestClient,
) -> None:
    form = {"username": "admin", "password": ADMIN_PASSWORD}
    token = app.post("/api/v1/auth/token", data=form)
    assert token.status_code == 200
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for response in (token, app.get("/api/v1/users", headers=headers), app.get("/api/v1/x")):
        assert response.headers["cache-control"] == "no-store", response.url
    assert app.get("/").headers["cache-control"] != "no-store"


def test_the_docs_page_gets_a_policy_that_lets_swagger_ui_load(app: TestClient) -> None:
    docs = app.get("/docs")
    assert docs.status_code == 200
    csp = docs.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in csp
    assert "frame-ancestors 'none'" in csp
    assert "cdn.jsdelivr.net" not in app.get("/").headers["content-security-policy"]


def test_docs_are_on_by_default(app: TestClient) -> None:
    assert get_settings().docs_enabled is True
    assert app.get("/openapi.json").json()["info"]["title"] == "DrillWatch"
    assert "swagger-ui" in app.get("/docs").text
    assert "redoc" in app.get("/redoc").text


def test_docs_enabled_false_hides_docs_and_schema(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start(monkeypatch, DOCS_ENABLED="false") as client:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.headers["x-frame-options"] == "DENY"
        assert client.get("/api/v1/health").status_code == 200
