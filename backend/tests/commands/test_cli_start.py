"""The command line starts without the data stack: commands import what they need when run."""

from __future__ import annotations

import subprocess
import sys

from app.core.config import BACKEND_DIR

HEAVY = ("pandas", "numpy", "duckdb", "sqlalchemy", "sklearn", "scipy", "fastapi", "pyarrow")
PROBE = f"import sys, app.cli; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"


def test_loading_the_cli_imports_no_data_library() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BACKEND_DIR, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_help_lists_every_command_without_running_one() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"],
        cwd=BACKEND_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    for command in ("ingest", "simulate", "scenario", "backtest", "evaluate", "train", "backup"):
        assert f" {command} " in done.stdout, command
