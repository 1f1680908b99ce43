"""Scratch files under the data folder (never /tmp), removed even after a kill.

Each process works in its own folder ``<DUCKDB_PATH folder>/tmp/<pid>-<random>``,
holding an exclusive ``flock`` on the folder's lock file while it lives. At start-up
``clean_scratch`` removes every folder whose lock is free: its process has died (a
killed request, a killed ingest), so its files can go. A live process's folder, the
CLI's beside a starting server for instance, keeps its lock and stays.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.config import Settings

LOCK_NAME = ".lock"
# A folder without a lock file is being created (mkdir comes before the lock) unless old.
UNLOCKED_GRACE_S = 60.0
_guard = threading.Lock()
_folders: dict[Path, tuple[Path, int]] = {}  # root -> (this process's folder, lock fd)


def scratch_root(settings: Settings) -> Path:
    """The folder that holds every process's scratch folder."""
    return scratch_root_of(settings.duckdb_path)


def scratch_root_of(store_path: Path) -> Path:
    """The scratch root beside the DuckDB file at ``store_path``."""
    return store_path.parent / "tmp"


def process_folder(root: Path) -> Path:
    """This process's scratch folder under ``root``, created and locked on first use."""
    with _guard:
        known = _folders.get(root)
        if known is not None and known[0].is_dir():
            return known[0]
        root.mkdir(parents=True, exist_ok=True)
        folder = root / f"{os.getpid()}-{secrets.token_hex(4)}"
        folder.mkdir(mode=0o700)
        fd = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _folders[root] = (folder, fd)
        return folder


def new_scratch_path(root: Path, suffix: str) -> Path:
    """A fresh path in this process's scratch folder; the caller removes the file."""
    return process_folder(root) / f"{secrets.token_hex(8)}{suffix}"


@contextmanager
def scratch_file(root: Path, suffix: str) -> Iterator[Path]:
    """A fresh path in this process's scratch folder, deleted when the block ends."""
    path = new_scratch_path(root, suffix)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def clean_scratch(root: Path) -> int:
    """Remove what dead processes left under ``root``; returns how many entries went."""
    if not root.is_dir():
        return 0
    removed = 0
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            if _in_use(entry):
                continue
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


def _in_use(folder: Path) -> bool:
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR)
    except FileNotFoundError:
        with suppress(FileNotFoundError):
            return time.time() - folder.stat().st_mtime < UNLOCKED_GRACE_S
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
