"""STORE_KEEP_OPEN: a process keeps the DuckDB file open between units of work, then lets go."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.config import get_settings
from app.storage.duckdb import SharedInstance, TelemetryStore

# One attempt to open the file from another process: exit 0 when it could.
PROBE = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
# Waiting for a short keep-open to run out: far longer than that on a busy machine.
PATIENCE = 120.0


def other_process_can_open(path: Path) -> bool:
    """Whether a separate process can open ``path`` right now."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        assert "lock" in probe.stderr, probe.stderr
    return probe.returncode == 0


def store_with_a_row(path: Path, keep_open: float) -> TelemetryStore:
    store = TelemetryStore(path, keep_open=keep_open)
    store.initialise()
    with store.connect() as conn:
        conn.execute("CREATE TABLE marks (n INTEGER)")
        conn.execute("INSERT INTO marks VALUES (1)")
    return store


def test_zero_lets_go_of_the_file_after_every_unit_of_work(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    store_with_a_row(path, keep_open=0)
    assert other_process_can_open(path)


def test_the_file_stays_open_after_a_unit_until_released(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    store = store_with_a_row(path, keep_open=3600)
    try:
        assert not other_process_can_open(path)
        with store.connect() as conn:  # the kept instance serves the next unit
            assert conn.execute("SELECT n FROM marks").fetchall() == [(1,)]
    finally:
        store.release()
    assert other_process_can_open(path)  # and what was written is in the file
    with TelemetryStore(path).connect() as conn:
        assert conn.execute("SELECT n FROM marks").fetchall() == [(1,)]


def test_a_short_keep_open_runs_out_by_itself(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    store_with_a_row(path, keep_open=0.2)
    deadline = time.monotonic() + PATIENCE
    while not other_process_can_open(path):
        assert time.monotonic() < deadline, "the file was never let go"
        time.sleep(0.1)


def test_concurrent_units_share_the_instance_and_release_waits_for_them(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    store = store_with_a_row(path, keep_open=0)
    with store.connect() as outer:
        with store.connect() as inner:
            inner.execute("INSERT INTO marks VALUES (2)")
        store.release()  # a unit is still running: nothing is closed under it
        assert outer.execute("SELECT sum(n) FROM marks").fetchall() == [(3,)]
    assert other_process_can_open(path)


def test_compaction_replaces_the_file_even_while_an_instance_was_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    store = store_with_a_row(path, keep_open=3600)
    with store.connect() as conn:
        conn.execute("INSERT INTO marks SELECT range FROM range(2, 200000)")
        conn.execute("DELETE FROM marks WHERE n > 1")
    assert store.reclaim_space(always=True)
    with store.connect() as conn:  # a fresh instance on the compacted file
        assert conn.execute("SELECT n FROM marks").fetchall() == [(1,)]
    store.release()
    assert other_process_can_open(path)


def test_the_setting_reaches_the_store(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORE_KEEP_OPEN", "3600")
    get_settings.cache_clear()
    settings = get_settings()
    store = TelemetryStore.from_settings(settings)
    assert store.keep_open == 3600
    assert store.without_waiting().keep_open == 3600
    store.initialise()
    try:
        assert not other_process_can_open(settings.duckdb_path)
    finally:
        store.release()
    assert other_process_can_open(settings.duckdb_path)


def test_every_instance_is_closed_at_exit(tmp_path: Path) -> None:
    path = tmp_path / "t.duckdb"
    store_with_a_row(path, keep_open=3600)
    SharedInstance.close_all()  # what atexit runs
    assert other_process_can_open(path)
