"""MLModelManager across processes and threads: kill -9 mid-switch, concurrent switches,
and the guide's python -c snippets."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.core.config import BACKEND_DIR, Settings
from app.ml.models.model_manager import MLModelManager
from tests.ml.model_factories import (
    active_rows,
    copy_in_new_model,
    fitted_scaler,
    last_switched_to,
    save_scaler,
)
from tests.support import run_python

# Stops the deploying process inside the switch transaction, after `statement` ran.
PAUSED_DEPLOY = """
import sys, time
from sqlalchemy import event
from app.core.config import get_settings
from app.db.session import build_engine, build_session_factory
from app.ml.models.model_manager import MLModelManager

settings = get_settings()
engine = build_engine(settings)

def pause(conn, cursor, statement, params, context, executemany):
    if statement.lstrip().upper().startswith(sys.argv[2]):
        print("IN_TRANSACTION", flush=True)
        time.sleep(120)

event.listen(engine, "after_cursor_execute", pause)
MLModelManager(settings, build_session_factory(engine)).deploy_model(sys.argv[1], by="crash")
"""

DEPLOY_LOOP = """
import sys
from app.ml.models.model_manager import MLModelManager

manager = MLModelManager()
for version in sys.argv[1:]:
    manager.load_model(version)  # warm: the loop below only switches
print("READY", flush=True)
for step in range(1_000_000):
    manager.deploy_model(sys.argv[1 + step % 2], by="loop", reason=str(step))
"""

# The operations guide's "Model Lifecycle Management" snippets, verbatim.
GUIDE_DEPLOY = """
from app.ml.models.model_manager import MLModelManager
mm = MLModelManager()
mm.deploy_model('new_model_v1.1.0')
"""
GUIDE_ROLLBACK = """
from app.ml.models.model_manager import MLModelManager
mm = MLModelManager()
mm.rollback_model('previous_model_v1.0.0')
"""
GUIDE_METRICS = """
from app.ml.models.model_manager import MLModelManager
mm = MLModelManager()
metrics = mm.get_performance_metrics()
print(f'Model accuracy: {metrics.accuracy}')
print(f'Prediction latency: {metrics.latency_ms}ms')
"""


@pytest.fixture
def manager(settings: Settings) -> Iterator[MLModelManager]:
    built = MLModelManager(settings)
    yield built
    built.close()


def start(code: str, *args: str) -> subprocess.Popen[str]:
    """``python -c code args`` from backend/, with the test's environment."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=BACKEND_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def kill(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def assert_one_verified_active(settings: Settings, allowed: set[str]) -> str:
    """Exactly one active version, the one history names last, and it loads verified."""
    fresh = MLModelManager(settings)
    try:
        active = active_rows(fresh)
        assert len(active) == 1
        assert active[0] in allowed
        assert last_switched_to(fresh) == active[0]
        assert fresh.load_active() is not None
        return active[0]
    finally:
        fresh.close()


@pytest.mark.parametrize("statement", ["UPDATE ML_MODELS", "INSERT INTO ML_DEPLOYMENTS"])
def test_kill_inside_the_switch_transaction_leaves_the_old_model_active(
    manager: MLModelManager, settings: Settings, statement: str
) -> None:
    old, new = save_scaler(manager, 1), save_scaler(manager, 2)
    manager.deploy_model(old)
    process = start(PAUSED_DEPLOY, new, statement)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "IN_TRANSACTION"
    kill(process)
    assert assert_one_verified_active(settings, {old}) == old
    assert len(manager.deployment_history()) == 1
    assert manager.deploy_model(new).version == new  # the store is usable afterwards


@pytest.mark.slow
def test_kill_at_random_points_of_repeated_switches_never_breaks_the_registry(
    manager: MLModelManager, settings: Settings
) -> None:
    first, second = save_scaler(manager, 1), save_scaler(manager, 2)
    manager.deploy_model(first)
    rng = random.Random(7)
    for _ in range(4):
        process = start(DEPLOY_LOOP, first, second)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "READY"
        try:
            process.wait(timeout=rng.uniform(0.05, 0.6))
        except subprocess.TimeoutExpired:
            kill(process)
        assert process.returncode == -signal.SIGKILL
        assert_one_verified_active(settings, {first, second})
    assert len(manager.deployment_history()) > 4


def test_concurrent_switches_serialise_with_a_consistent_history(
    manager: MLModelManager, settings: Settings
) -> None:
    versions = [save_scaler(manager, seed) for seed in range(1, 5)]
    for version in versions:
        manager.load_model(version)
    errors: list[BaseException] = []

    def switch_many(worker: int) -> None:
        for step in range(15):
            try:
                manager.deploy_model(versions[(worker + step) % 4], by=f"worker-{worker}")
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=switch_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    history = manager.deployment_history()
    assert all(b.previous_version == a.version for a, b in itertools.pairwise(history))
    assert active_rows(manager) == [history[-1].version]


@pytest.mark.slow
def test_guide_lifecycle_snippets_deploy_roll_back_and_report(
    manager: MLModelManager, settings: Settings, tmp_path: Path
) -> None:
    metrics = {"accuracy": 0.8, "precision": 0.7, "recall": 0.9, "latency_ms": 7.5}
    save_scaler(manager, 1, "previous_model_v1.0.0", **metrics)
    manager.deploy_model("previous_model_v1.0.0", by="setup")
    copy_in_new_model(settings, tmp_path, 2)

    run_python(GUIDE_DEPLOY)
    assert active_rows(manager) == ["new_model_v1.1.0"]
    run_python(GUIDE_ROLLBACK)
    assert active_rows(manager) == ["previous_model_v1.0.0"]
    assert run_python(GUIDE_METRICS).splitlines() == [
        "Model accuracy: 0.8",
        "Prediction latency: 7.5ms",
    ]
    np.testing.assert_allclose(manager.load_active().mean_, fitted_scaler(1)[1].mean(axis=0))
    models_log = (settings.ml_log_path / "models.log").read_text()
    assert "model_deploy version=new_model_v1.1.0 previous=previous_model_v1.0.0" in models_log
    assert "model_rollback version=previous_model_v1.0.0" in models_log
    assert "model_performance version=previous_model_v1.0.0 accuracy=0.8" in models_log
