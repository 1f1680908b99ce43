"""STORE_LOCK_TIMEOUT: a store held by another process fails with 503 after the wait."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import get_settings
from app.core.errors import Unavailable
from app.storage.duckdb import TelemetryStore
from tests.support import ADMIN_PASSWORD, HOLD_DUCKDB

Hold = Callable[[Path], None]
# A 0.5 s lock timeout is waited out, then given up: far sooner than this on a busy machine.
GAVE_UP_WITHIN = 30.0


@pytest.fixture
def hold_file() -> Iterator[Hold]:
    """A function that makes a child process hold a DuckDB file until the test ends."""
    children: list[subprocess.Popen[str]] = []

    def hold(path: Path) -> None:
        child = subprocess.Popen(
            [sys.executable, "-c", HOLD_DUCKDB, str(path)], stdout=subprocess.PIPE, text=True
        )
        children.append(child)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"

    yield hold
    for child in children:
        child.kill()
        child.wait(timeout=10)


def test_connect_gives_up_after_the_lock_timeout_naming_the_file(
    tmp_path: Path, hold_file: Hold
) -> None:
    path = tmp_path / "held.duckdb"
    TelemetryStore(path).initialise()
    hold_file(path)
    store = TelemetryStore(path, lock_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(Unavailable, match=r"held\.duckdb.*0\.5 s"), store.connect():
        pass
    assert 0.5 <= time.monotonic() - started < GAVE_UP_WITHIN


def test_api_answers_503_while_another_process_holds_the_store(
    env: Path, monkeypatch: pytest.MonkeyPatch, hold_file: Hold
) -> None:
    from app.main import create_app  # late: importing the app pulls in every route

    monkeypatch.setenv("STORE_LOCK_TIMEOUT", "0.5")
    monkeypatch.setenv("ML_ENABLED", "false")
    get_settings.cache_clear()
    app = create_app()
    with TestClient(app) as client:
        app.state.startup_ingest.join(timeout=30)
        login = {"username": "admin", "password": ADMIN_PASSWORD}
        token = client.post("/api/v1/auth/token", data=login).json()["access_token"]
        hold_file(get_settings().duckdb_path)
        started = time.monotonic()
        response = client.get("/api/v1/devices", headers={"Authorization": f"Bearer {token}"})
        elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert "telemetry.duckdb" in response.json()["detail"]
    assert 0.5 <= elapsed < GAVE_UP_WITHIN
