"""A running server holds a shared ``flock`` on ``server.lock`` beside the telemetry store.

Maintenance that must not run under a server (``drillwatch restore``) takes the lock
exclusively, without waiting: it fails while any server lives, and a server starting
meanwhile waits until the maintenance is over. The kernel drops the lock of a killed
process, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core.config import Settings
from app.core.errors import Conflict

LOCK_NAME = "server.lock"


def lock_path(settings: Settings) -> Path:
    """The lock file of the server that serves ``settings``' stores."""
    return settings.duckdb_path.parent / LOCK_NAME


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_CREAT | os.O_RDWR, 0o600)


def hold_for_server(settings: Settings) -> int:
    """Take the shared lock for this server's lifetime; returns the descriptor to release."""
    fd = _open(lock_path(settings))
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a restore runs
    return fd


def release(fd: int) -> None:
    """Give back a lock taken by ``hold_for_server``."""
    os.close(fd)


@contextmanager
def no_server_running(settings: Settings) -> Iterator[None]:
    """Run the block while no server serves these stores; ``Conflict`` if one does."""
    fd = _open(lock_path(settings))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(
                "a DrillWatch server is running on these stores; stop it first "
                f"(it holds {lock_path(settings)})"
            ) from None
        yield
    finally:
        os.close(fd)
