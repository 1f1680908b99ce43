"""Take a backup of every store into a folder, and restore one after verifying it.

A backup folder holds ``telemetry/`` (DuckDB export), ``sql/`` (SQLite copy or
``pg_dump``), ``models/`` (the registry's signed artifacts), ``secret_key`` (when the
signing secret was generated rather than set), ``config.json`` (settings, secrets
left out) and ``manifest.json`` (row counts, checksums). It is written under a
temporary name and renamed when complete, so a folder of that name is always whole.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import __version__
from app.backup import sql_store, telemetry
from app.backup.manifest import BackupRefused, read_verified, write_manifest
from app.core.config import SECRET_FIELDS, Settings
from app.core.security import secret_key_path
from app.core.server_lock import no_server_running
from app.storage.duckdb import TelemetryStore

TELEMETRY, SQL, MODELS, SECRET, CONFIG = "telemetry", "sql", "models", "secret_key", "config.json"


@dataclass(frozen=True)
class BackupReport:
    """Where a backup went and what it holds."""

    folder: Path
    manifest: dict[str, Any]


def take_backup(settings: Settings, out: Path) -> BackupReport:
    """Back up telemetry, SQL store, models, signing secret and settings into ``out``."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupRefused(f"{out} exists and is not an empty folder")
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        manifest = write_manifest(partial, _write_parts(settings, partial))
        if out.exists():
            out.rmdir()
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupReport(out, manifest)


def _write_parts(settings: Settings, folder: Path) -> dict[str, Any]:
    store = TelemetryStore.from_settings(settings)
    counts = telemetry.export_telemetry(store, folder / TELEMETRY)
    sql_counts = sql_store.dump_sql(settings, folder / SQL)
    models = _copy_models(settings.ml_model_path, folder / MODELS)
    secret = secret_key_path(settings)
    if secret.is_file():
        shutil.copy2(secret, folder / SECRET)
    (folder / CONFIG).write_text(json.dumps(public_settings(settings), indent=2) + "\n")
    return {
        "created_at": datetime.now(UTC).isoformat(),
        "drillwatch_version": __version__,
        "sql_kind": sql_store.store_kind(settings),
        "counts": {"telemetry": counts, "sql": sql_counts, "model_files": models},
        "secret_key_included": secret.is_file(),
    }


def _copy_models(source: Path, target: Path) -> int:
    if not source.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return 0
    shutil.copytree(source, target, dirs_exist_ok=True)
    return sum(1 for p in target.rglob("*") if p.is_file())


def public_settings(settings: Settings) -> dict[str, Any]:
    """Every setting but the secrets, the database URL's password masked."""
    values = settings.model_dump(mode="json", exclude=SECRET_FIELDS)
    values["database_url"] = sql_store.public_url(settings)
    return dict(values)


@dataclass(frozen=True)
class RestoreReport:
    """What a restore put back, and where the replaced files went."""

    counts: dict[str, Any]
    set_aside: Path | None


def restore_backup(settings: Settings, folder: Path, *, force: bool) -> RestoreReport:
    """Verify the backup at ``folder`` and put its contents in place of the current stores.

    Refused while a server runs on these stores; refused over existing stores unless
    ``force``, which moves the current files to ``pre-restore-<time>/`` beside the store
    (a PostgreSQL database is replaced in place).
    """
    manifest = read_verified(folder)
    if manifest["sql_kind"] != sql_store.store_kind(settings):
        raise BackupRefused(
            f"the backup holds a {manifest['sql_kind']} SQL store but DATABASE_URL is "
            f"{sql_store.store_kind(settings)}"
        )
    with no_server_running(settings):
        existing = current_stores(settings)
        if existing and not force:
            raise BackupRefused(
                "restore would replace " + ", ".join(existing) + "; pass --force to replace "
                "them (the current files are moved to pre-restore-<time>/ beside the store)"
            )
        aside = _set_aside(settings) if existing else None
        counts = _put_back(settings, folder, manifest)
    return RestoreReport(counts, aside)


def current_stores(settings: Settings) -> list[str]:
    """The stores that exist now and a restore would replace."""
    found = [str(p) for p in _movable(settings) if p.exists() and _not_empty(p)]
    if settings.sqlite_path is None and sql_store.sql_holds_data(settings):
        found.append("the PostgreSQL database")
    return found


def _not_empty(path: Path) -> bool:
    return path.is_file() or any(path.iterdir())


def _movable(settings: Settings) -> list[Path]:
    paths = [settings.duckdb_path, settings.ml_model_path, secret_key_path(settings)]
    if settings.sqlite_path is not None:
        paths.append(settings.sqlite_path)
    return paths


def _set_aside(settings: Settings) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = settings.duckdb_path.parent / f"pre-restore-{stamp}"
    aside.mkdir(parents=True)
    store = TelemetryStore.from_settings(settings)
    with store.connect():  # an ingest of another process finishes before the file moves
        for path in _movable(settings):
            for item in path.parent.glob(path.name + "*"):  # with -wal, -shm, .wal files
                if not item.name.endswith(".restore"):
                    item.rename(aside / item.name)
    store.release()  # the instance holds the moved file: the restored one needs a new one
    return aside


def _put_back(settings: Settings, folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    staged, counts = telemetry.import_telemetry(settings, folder / TELEMETRY)
    telemetry.move_into_place(staged, settings.duckdb_path)
    sql_counts = sql_store.load_sql(settings, folder / SQL)
    _copy_models(folder / MODELS, settings.ml_model_path)
    if (folder / SECRET).is_file():
        shutil.copy2(folder / SECRET, secret_key_path(settings))
    _clear(settings.ml_cache_path)  # features of the replaced data must not be served
    restored = {"telemetry": counts, "sql": sql_counts}
    expected = {k: manifest["counts"][k] for k in restored}
    if restored != expected:
        raise BackupRefused(f"restored row counts {restored} differ from the backup's {expected}")
    return {**restored, "model_files": manifest["counts"]["model_files"]}


def _clear(folder: Path) -> None:
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
