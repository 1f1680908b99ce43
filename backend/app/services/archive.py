"""Archive old telemetry ("Monthly tasks" of the guide): rows older than a moment move
to ``<folder>/telemetry.parquet`` and leave the store.

The file is written and read back inside the transaction that deletes the rows, so the
rows leave the store only once the file holds every one of them; ``manifest.json`` is
written after the commit and marks a complete archive. A crash in between leaves the
rows in the store and a folder without a manifest. Sessions of the touched devices are
rebuilt from what remains; the ``archives`` table records each archive.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.backup.manifest import sha256_of
from app.core.config import Settings
from app.core.errors import BadInput, Conflict
from app.services.ingestion import WRITER
from app.services.purge import naive_utc
from app.storage import archive as repo
from app.storage.duckdb import TelemetryStore, transaction
from app.storage.sessions import rebuild_devices

log = logging.getLogger("drillwatch.archive")
PARQUET = "telemetry.parquet"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ArchiveReport:
    """What one archive moved out of the store."""

    folder: Path
    before: datetime
    rows: int
    devices: int
    first_ts: datetime | None
    last_ts: datetime | None
    sha256: str | None


def archive_telemetry(
    store: TelemetryStore, settings: Settings, before: datetime, out: Path, *, actor: str
) -> ArchiveReport:
    """Move the telemetry older than ``before`` into ``out/telemetry.parquet``."""
    moment = naive_utc(before)
    assert moment is not None
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Conflict(f"{out} exists and is not an empty folder")
    at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with WRITER, store.connect() as conn, transaction(conn):
        found = repo.summary(conn, moment)
        if not found["rows"]:
            return ArchiveReport(out, moment, 0, 0, None, None, None)
        out.mkdir(parents=True, exist_ok=True)
        path = out / PARQUET
        try:
            digest = _write_and_delete(conn, settings, moment, path, found)
            repo.record(conn, **_record(found, moment, path, digest, actor, at))
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
    report = ArchiveReport(
        out, moment, found["rows"], found["devices"], found["first_ts"], found["last_ts"], digest
    )
    _write_manifest(report, actor, at)
    log.info("telemetry archive %s", json.dumps(_manifest(report, actor, at)))
    return report


def _write_and_delete(
    conn: Any, settings: Settings, before: datetime, path: Path, found: dict[str, Any]
) -> str:
    written = repo.copy_out(conn, before, path)
    if written != found["rows"]:
        raise Conflict(f"{path} holds {written} rows, expected {found['rows']}; nothing deleted")
    deleted = repo.delete_before(conn, before)
    if deleted != written:
        raise Conflict(f"deleted {deleted} rows but archived {written}; rolled back")
    rebuild_devices(conn, settings.session_max_gap_seconds, found["device_ids"])
    return sha256_of(path)


def _record(
    found: dict[str, Any], before: datetime, path: Path, digest: str, actor: str, at: datetime
) -> dict[str, Any]:
    return {
        "before": before,
        "path": str(path),
        "rows": found["rows"],
        "devices": found["devices"],
        "first_ts": found["first_ts"],
        "last_ts": found["last_ts"],
        "sha256": digest,
        "by": actor,
        "at": at,
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat() + "Z"


def _manifest(report: ArchiveReport, actor: str, at: datetime) -> dict[str, Any]:
    return {
        "file": PARQUET,
        "before": _iso(report.before),
        "rows": report.rows,
        "devices": report.devices,
        "first_ts": _iso(report.first_ts),
        "last_ts": _iso(report.last_ts),
        "sha256": report.sha256,
        "archived_by": actor,
        "archived_at": _iso(at),
    }


def _write_manifest(report: ArchiveReport, actor: str, at: datetime) -> None:
    text = json.dumps(_manifest(report, actor, at), indent=2) + "\n"
    (report.folder / MANIFEST).write_text(text)


@dataclass(frozen=True)
class UnarchiveReport:
    """What putting an archive back did."""

    rows: int
    restored: int
    already_stored: int


def unarchive_telemetry(
    store: TelemetryStore, settings: Settings, folder: Path, *, actor: str
) -> UnarchiveReport:
    """Put the rows of an archive this store recorded back; rows still stored are skipped."""
    path = folder / PARQUET
    if not path.is_file():
        raise BadInput(f"{path} does not exist", field="folder")
    digest = sha256_of(path)
    at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with WRITER, store.connect() as conn, transaction(conn):
        recorded = repo.find_by_digest(conn, digest)
        if recorded is None:
            raise Conflict(
                f"{path} is not an archive of this store (its SHA-256 matches no recorded "
                "archive): changed, or archived elsewhere"
            )
        restored = repo.restore_rows(conn, path)
        rebuild_devices(conn, settings.session_max_gap_seconds, repo.file_devices(conn, path))
        repo.mark_restored(conn, int(recorded["archive_id"]), at)
    report = UnarchiveReport(int(recorded["rows"]), restored, int(recorded["rows"]) - restored)
    log.info(
        "telemetry unarchive %s",
        json.dumps({"path": str(path), "by": actor, "at": _iso(at), **report.__dict__}),
    )
    return report


def cutoff(settings: Settings, before: str | None) -> datetime:
    """``before`` parsed, or ARCHIVE_AFTER_DAYS days before now."""
    if before is not None:
        return parse_before(before)
    return datetime.now(UTC) - timedelta(days=settings.archive_after_days)


def parse_before(value: str) -> datetime:
    """An ISO 8601 date or moment (UTC when it has no offset)."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{value!r} is not an ISO 8601 date or time", field="before") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
