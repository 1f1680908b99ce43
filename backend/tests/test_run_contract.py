"""The one-command contract: Makefile targets, `.ci/run` and the README's first commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from app.core.config import REPO_DIR

MAKEFILE = REPO_DIR / "Makefile"
CI_RUN = REPO_DIR / ".ci" / "run"


def dry_run(target: str, *variables: str) -> str:
    """What ``make -n TARGET [NAME=VALUE...]`` would execute (nothing is run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", "-C", str(REPO_DIR), target, *variables],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_makefile_has_the_targets_the_readme_names() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE.read_text(), flags=re.M))
    assert {"run", "test", "bench", "lint"} <= targets


def test_make_run_installs_builds_seeds_and_serves() -> None:
    commands = dry_run("run")
    assert "python main.py" in commands
    assert "drillwatch simulate --devices 20 --days 30 --seed 7" in commands
    assert "ADMIN_PASSWORD" in commands


def test_make_test_lints_and_runs_every_suite_on_both_databases() -> None:
    commands = dry_run("test")
    for step in ("ruff check", "mypy app", "npm test", "start_postgres.sh", "-m pytest"):
        assert step in commands, step
    assert "TEST_DATABASE_URL=$url" in commands


@pytest.mark.parametrize(("variables", "expected"), [((), "-n 2"), (("PYTEST_WORKERS=0",), "-n 0")])
def test_make_test_spreads_both_passes_over_pytest_workers(
    variables: tuple[str, ...], expected: str
) -> None:
    """PYTEST_WORKERS (default 2) xdist workers, a test file kept on one worker."""
    commands = dry_run("test", *variables)
    runs = [line for line in commands.splitlines() if "-m pytest" in line]
    assert len(runs) == 2
    for run in runs:
        assert f"{expected} --dist loadgroup" in run


def test_pytest_failures_are_never_swallowed() -> None:
    for line in MAKEFILE.read_text().splitlines():
        if "pytest" in line:
            assert "|| true" not in line
            assert "; true" not in line


def test_ci_run_calls_make_test() -> None:
    text = CI_RUN.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert re.search(r"^make test$", text, flags=re.M)
    assert os.access(CI_RUN, os.X_OK)


def test_readme_opens_with_the_two_commands() -> None:
    text = (REPO_DIR / "README.md").read_text()
    first_block = text.split("```")[1]
    assert "make run" in first_block
    assert "make test" in first_block
