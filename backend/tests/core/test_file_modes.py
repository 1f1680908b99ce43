"""Data, model and log files are owner-only: directories 0700, files 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings, get_settings
from app.core.files import restrict_permissions


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def restore_umask() -> object:
    saved = os.umask(0o022)
    os.umask(saved)
    yield
    os.umask(saved)


def test_the_server_creates_private_stores_logs_and_secret(
    env: Path, monkeypatch: pytest.MonkeyPatch, restore_umask: object
) -> None:
    monkeypatch.delenv("SECRET_KEY")  # so the generated data/secret_key is written
    os.umask(0o022)  # a typical login umask: would give 0644 files
    get_settings.cache_clear()
    from app.main import create_app

    with TestClient(create_app()) as client:
        client.app.state.startup_ingest.join(timeout=30)  # type: ignore[attr-defined]
        client.get("/api/v1/health")
    settings = get_settings()
    files = [
        settings.sqlite_path,
        settings.duckdb_path,
        settings.log_path / "app.log",
        settings.ml_log_path / "models.log",
        settings.ml_data_path.parent / "secret_key",
    ]
    for path in files:
        assert path is not None
        assert mode(path) == 0o600, path
    for folder in (settings.log_path, settings.ml_log_path, settings.ml_model_path):
        assert mode(folder) == 0o700, folder


def test_restrict_permissions_fixes_files_of_an_older_install(
    settings: Settings, restore_umask: object
) -> None:
    old_log = settings.log_path / "app.log.2026-01-01"
    old_model = settings.ml_model_path / "0.9.0.joblib"
    for path in (old_log, old_model, settings.duckdb_path):
        path.write_text("x")
        path.chmod(0o644)
    settings.ml_model_path.chmod(0o755)
    restrict_permissions(settings)
    assert [mode(p) for p in (old_log, old_model, settings.duckdb_path)] == [0o600] * 3
    assert mode(settings.ml_model_path) == 0o700
