"""The application factory: CORS is on only for the origins CORS_ORIGINS names."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import get_settings

ALLOWED = "https://dashboard.example.com"


def _preflight(monkeypatch: pytest.MonkeyPatch, cors_origins: str, origin: str) -> dict[str, str]:
    """Headers of a browser preflight for an authorised GET, from an app built with the setting."""
    from app.main import create_app  # late: importing the app pulls in every route

    monkeypatch.setenv("CORS_ORIGINS", cors_origins)
    get_settings.cache_clear()
    client = TestClient(create_app())  # no lifespan needed: the middleware answers preflights
    response = client.options(
        "/api/v1/devices",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization, X-API-Key",
        },
    )
    return dict(response.headers)


def test_preflight_from_an_allowed_origin_is_allowed(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = _preflight(monkeypatch, f"http://localhost:5173, {ALLOWED}", ALLOWED)
    assert headers["access-control-allow-origin"] == ALLOWED
    allowed_headers = headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "x-api-key" in allowed_headers
    assert "GET" in headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in headers


def test_preflight_from_another_origin_gets_no_allow_origin(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = _preflight(monkeypatch, ALLOWED, "https://evil.example.org")
    assert "access-control-allow-origin" not in headers


def test_empty_setting_adds_no_cors(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = _preflight(monkeypatch, "", ALLOWED)
    assert not any(name.startswith("access-control-") for name in headers)
