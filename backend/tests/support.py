"""Test set-up shared by fixtures, helpers and child processes: secrets, paths, python -c."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from app.core.config import BACKEND_DIR, Settings, get_settings
from app.storage.duckdb import SharedInstance

# python -c script: takes the DuckDB file argv[1] as soon as its holder lets go of it (giving
# up after 600 s), prints "held", then keeps it for 600 s.
HOLD_DUCKDB = """
import duckdb, sys, time
deadline = time.monotonic() + 600
while True:
    try:
        conn = duckdb.connect(sys.argv[1])
        break
    except duckdb.IOException:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.05)
print("held", flush=True)
time.sleep(600)
"""

ADMIN_PASSWORD = "admin-test-password-1"
SECRET_KEY = "test-secret-key-" + "x" * 32
TEST_HASH_ROUNDS = 4  # bcrypt's lowest cost


def path_settings(root: Path, database_url: str | None = None) -> dict[str, str]:
    """Every path setting under ``root`` by variable name (SQLite unless ``database_url``)."""
    return {
        "TELEMETRY_DIR": str(root / "drop"),
        "DUCKDB_PATH": str(root / "telemetry.duckdb"),
        "DATABASE_URL": database_url or f"sqlite:///{root / 'drillwatch.db'}",
        "LOG_PATH": str(root / "logs"),
        "ML_DATA_PATH": str(root / "ml"),
        "ML_MODEL_PATH": str(root / "ml" / "models"),
        "ML_CACHE_PATH": str(root / "ml" / "cache"),
        "ML_LOG_PATH": str(root / "logs" / "ml"),
    }


def env_values(
    root: Path, database_url: str | None = None, lock_timeout: int = 10
) -> dict[str, str]:
    """The path settings under ``root``, the test secrets, the store lock timeout and
    bcrypt's lowest cost (tests log in hundreds of times; what the cost does is tested
    in tests/services/test_auth_service.py)."""
    return {
        **path_settings(root, database_url),
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "SECRET_KEY": SECRET_KEY,
        "STORE_LOCK_TIMEOUT": str(lock_timeout),
        "PASSWORD_HASH_ROUNDS": str(TEST_HASH_ROUNDS),
    }


def use_env(patch: pytest.MonkeyPatch, root: Path, database_url: str | None = None) -> None:
    """Point this process's settings at ``root`` (a developer's .env ignored), drop folder made."""
    patch.setitem(Settings.model_config, "env_file", None)
    for key, value in env_values(root, database_url).items():
        patch.setenv(key, value)
    (root / "drop").mkdir(parents=True, exist_ok=True)
    get_settings.cache_clear()


def process_env(root: Path, lock_timeout: int = 10, **extra: str) -> dict[str, str]:
    """Environment for a child process whose every path lives under ``root``."""
    (root / "drop").mkdir(parents=True, exist_ok=True)
    return {**os.environ, **env_values(root, lock_timeout=lock_timeout), **extra}


def run_python(code: str, timeout: float = 120) -> str:
    """``python -c code`` from backend/ with this process's environment; its stdout (exit 0)."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BACKEND_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@contextmanager
def plain_duckdb(
    path: Path | str, *, read_only: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The DuckDB file opened by plain DuckDB, once this process's store has let go of it
    (a store keeps the file open for STORE_KEEP_OPEN seconds after its last unit of work)."""
    SharedInstance.of(Path(path)).close()
    with duckdb.connect(str(path), read_only=read_only) as conn:
        yield conn
