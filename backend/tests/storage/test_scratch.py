"""Scratch files live under the data folder and do not outlive their process for long."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.config import BACKEND_DIR, Settings
from app.services.ingestion import ingest_rows
from app.storage.duckdb import TelemetryStore
from app.storage.scratch import clean_scratch, process_folder, scratch_root
from tests.support import process_env

HOLD_A_SCRATCH_FILE = """
import sys, time
from pathlib import Path
from app.storage.scratch import scratch_file
with scratch_file(Path(sys.argv[1]), ".csv") as path:
    path.write_bytes(b"a request body being ingested")
    print(path, flush=True)
    time.sleep(600)
"""


def killed_holder(root: Path) -> Path:
    """A scratch file left by a process killed with SIGKILL while it held it."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_SCRATCH_FILE, str(root)],
        cwd=BACKEND_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    path = Path(child.stdout.readline().strip())
    assert path.is_file()
    assert clean_scratch(root) == 0, "a live process's folder must stay"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    return path


def test_a_killed_process_leaves_nothing_after_the_next_clean(tmp_path: Path) -> None:
    root = tmp_path / "tmp"
    mine = process_folder(root)
    left = killed_holder(root)
    assert left.is_file()
    assert clean_scratch(root) == 1
    assert not left.parent.exists()
    assert mine.is_dir(), "this live process keeps its folder"


def test_server_start_removes_a_killed_requests_copy(settings: Settings) -> None:
    from app.main import create_app

    left = killed_holder(scratch_root(settings))
    assert left.is_relative_to(settings.duckdb_path.parent)
    with TestClient(create_app()):
        assert not left.exists()


def test_a_request_body_is_copied_under_the_data_folder_and_removed_after(
    settings: Settings,
) -> None:
    store = TelemetryStore(settings.duckdb_path)
    store.initialise()
    header = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
    body = f"{header}\n2025-07-01T09:00:00Z,d1,1,5,,,50,\nbad\n"
    report = ingest_rows(store, body, settings, source="api:test")
    assert (report.accepted, report.quarantined) == (1, 1)
    folder = process_folder(scratch_root(settings))
    assert folder.is_relative_to(settings.duckdb_path.parent)
    assert sorted(p.name for p in folder.iterdir()) == [".lock"]


def test_a_killed_backtest_leaves_nothing_in_tmp_and_its_store_goes_at_vacuum(
    tmp_path: Path, sample_csv: Path
) -> None:
    own_tmp = tmp_path / "os-tmp"  # the process's TMPDIR: /tmp as far as it knows
    own_tmp.mkdir()
    env = process_env(tmp_path / "root", TMPDIR=str(own_tmp))
    scratch = Path(env["DUCKDB_PATH"]).parent / "tmp"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "backtest",
            str(sample_csv),
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if list(scratch.glob("*/backtest-*/telemetry.duckdb")):
            break
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert list(scratch.glob("*/backtest-*/telemetry.duckdb")), "killed while replaying"
    assert list(own_tmp.iterdir()) == []
    vacuum = subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "vacuum"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert vacuum.returncode == 0, vacuum.stderr
    assert list(scratch.iterdir()) == []
