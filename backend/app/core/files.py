"""Owner-only files: the stores, models, logs and the signing secret are private to the
account that runs DrillWatch (directories 0700, files 0600)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from app.core.config import BACKEND_DIR, Settings

PRIVATE_UMASK = 0o077


def private_umask() -> None:
    """Create every later file 0600 and directory 0700 (logs, DuckDB and SQLite side files)."""
    os.umask(PRIVATE_UMASK)


def _owned_dirs(settings: Settings) -> list[Path]:
    # Folders that hold only DrillWatch's own files; TELEMETRY_DIR is an input folder
    # others may drop files into, and a store's parent may be shared (e.g. /srv).
    return [
        settings.log_path,
        settings.ml_log_path,
        settings.ml_data_path,
        settings.ml_model_path,
        settings.ml_cache_path,
    ]


def _store_files(settings: Settings) -> Iterator[Path]:
    stores = [settings.duckdb_path, settings.ml_data_path.parent / "secret_key"]
    if settings.sqlite_path is not None:
        stores.append(settings.sqlite_path)
    for store in stores:
        yield from store.parent.glob(store.name + "*")  # with -wal, -shm, .wal side files


def restrict_permissions(settings: Settings) -> None:
    """Make existing data, model and log files owner-only (files of older installs too)."""
    for folder in _owned_dirs(settings):
        if not folder.is_dir():
            continue
        folder.chmod(0o700)
        for path in folder.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o700 if path.is_dir() else 0o600)
    for path in _store_files(settings):
        if path.is_file() and not path.is_symlink():
            path.chmod(0o600)
    for store in (settings.duckdb_path, settings.sqlite_path):
        # the stores' folder inside backend/ (data/ by default); one elsewhere may be shared
        if store is not None and store.parent.is_relative_to(BACKEND_DIR):
            store.parent.mkdir(parents=True, exist_ok=True)
            store.parent.chmod(0o700)
