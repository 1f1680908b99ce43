"""Shared fixtures: isolated settings per test, the field sample, an API client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import REPO_DIR, Settings, get_settings

SAMPLE_CSV = REPO_DIR.parent / "shared" / "data" / "raw_drilling_sessions.csv"
ADMIN_PASSWORD = "admin-test-password-1"
SECRET_KEY = "test-secret-key-" + "x" * 32


@pytest.fixture
def sample_csv() -> Path:
    """The original field sample, read by path; missing fails under CI, else skips."""
    if not SAMPLE_CSV.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"field sample missing at {SAMPLE_CSV}")
        pytest.skip(f"field sample not found at {SAMPLE_CSV}")
    return SAMPLE_CSV


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every path setting at a fresh temporary folder; yields that folder."""
    values = {
        "TELEMETRY_DIR": tmp_path / "drop",
        "DUCKDB_PATH": tmp_path / "telemetry.duckdb",
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL")
        or f"sqlite:///{tmp_path / 'drillwatch.db'}",
        "LOG_PATH": tmp_path / "logs",
        "ML_DATA_PATH": tmp_path / "ml",
        "ML_MODEL_PATH": tmp_path / "ml" / "models",
        "ML_CACHE_PATH": tmp_path / "ml" / "cache",
        "ML_LOG_PATH": tmp_path / "logs" / "ml",
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SECRET_KEY": SECRET_KEY,
        "STORE_LOCK_TIMEOUT": "10",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, str(value))
    (tmp_path / "drop").mkdir()
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def settings(env: Path) -> Settings:
    """Settings bound to the temporary folder, directories created."""
    current = get_settings()
    current.ensure_directories()
    return current
