"""Telemetry ingestion: files, the drop folder and API bodies.

Each source is ingested in one DuckDB transaction (ingests row, quarantine rows,
telemetry rows and the refreshed sessions), so a crash leaves the store as if the
source had never been seen and running it again completes it. A CSV file is first
tried on the parallel fast path for clean files; if it declines, that transaction is
rolled back and the exact line-numbered validator ingests the file in a new one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb

from app.core import metrics
from app.core.config import Settings
from app.core.errors import AppError, BadInput
from app.schemas.telemetry import IngestHistory, IngestRead, QuarantinePage, QuarantineRead
from app.storage import telemetry as repo
from app.storage import telemetry_fast as fast
from app.storage.duckdb import TelemetryStore, transaction
from app.storage.sessions import refresh_sessions_for_ingest

log = logging.getLogger("drillwatch.ingest")
HEADER = ",".join(repo.COLUMNS)
HEADER_READ_LIMIT = 64 * 1024
Kind = Literal["csv", "json"]
# DuckDB serialises writers across processes by its file lock; inside one process
# two ingests would conflict on the sessions they both refresh, so they take turns.
_WRITER = threading.Lock()


@dataclass
class IngestReport:
    """What one ingest did; ``error`` is set when the source was rejected as a whole."""

    source: str
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    devices: list[str] = field(default_factory=list)
    ingest_id: int | None = None
    sha256: str | None = None
    skipped: bool = False
    error: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class _Job:
    path: Path
    kind: Kind
    label: str  # how errors name the source
    source: str
    skip_known: bool = False


def ingest_file(
    store: TelemetryStore,
    path: Path,
    settings: Settings,
    source: str | None = None,
    *,
    skip_known: bool = False,
) -> IngestReport:
    """Ingest one CSV file atomically; a file that cannot be read raises ``BadInput``."""
    label = str(path)
    check_header(path, label)
    job = _Job(path, "csv", label, source or str(path.resolve()), skip_known)
    return _run(store, settings, job)


def ingest_files(
    store: TelemetryStore, paths: Sequence[Path], settings: Settings, *, skip_known: bool = False
) -> list[IngestReport]:
    """Ingest files one by one; a file that fails is logged and reported, not raised."""
    return [_ingest_logged(store, path, settings, skip_known) for path in paths]


def ingest_directory(store: TelemetryStore, settings: Settings) -> list[IngestReport]:
    """Ingest every CSV of TELEMETRY_DIR, skipping files already ingested."""
    folder = settings.telemetry_dir
    if not folder.is_dir():
        log.warning("telemetry folder %s does not exist; nothing to ingest", folder)
        return []
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    return ingest_files(store, files, settings, skip_known=True)


def ingest_rows(
    store: TelemetryStore,
    payload: str | bytes | Sequence[Mapping[str, Any]],
    settings: Settings,
    source: str,
) -> IngestReport:
    """Ingest an API body: CSV text (with header) or a list of JSON objects."""
    label = "request body"
    with tempfile.TemporaryDirectory(prefix="drillwatch-ingest-") as tmp:
        if isinstance(payload, str | bytes):
            path = Path(tmp) / "body.csv"
            path.write_bytes(payload.encode() if isinstance(payload, str) else payload)
            check_header(path, label)
            return _run(store, settings, _Job(path, "csv", label, source))
        if not payload:
            raise BadInput(f"{label} has no data rows")
        path = Path(tmp) / "body.json"
        path.write_text(json.dumps(list(payload)), encoding="utf-8")
        return _run(store, settings, _Job(path, "json", label, source))


def check_header(path: Path, label: str) -> None:
    """Raise ``BadInput`` unless ``path`` is a file whose first line is the expected header."""
    if not path.is_file():
        raise BadInput(f"{label}: no such file")
    with path.open("rb") as handle:
        first = handle.readline(HEADER_READ_LIMIT)
    if not first:
        raise BadInput(f"{label} is empty")
    try:
        text = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise BadInput(f"{label}: not UTF-8 text (invalid bytes on line 1)") from None
    if [name.strip() for name in text.split(",")] != list(repo.COLUMNS):
        raise BadInput(f"{label}: wrong header: expected {HEADER!r}, got {text.strip()[:200]!r}")


def quarantine_page(
    store: TelemetryStore, *, source: str | None, ingest_id: int | None, limit: int, offset: int
) -> QuarantinePage:
    """One page of quarantined rows, optionally of one source or ingest."""
    with store.connect() as conn:
        rows, total = repo.list_quarantine(
            conn, source=source, ingest_id=ingest_id, limit=limit, offset=offset
        )
    return QuarantinePage(items=[QuarantineRead.model_validate(r) for r in rows], total=total)


def ingest_history(store: TelemetryStore, *, limit: int, offset: int) -> IngestHistory:
    """One page of committed ingests, newest first."""
    with store.connect() as conn:
        rows, total = repo.list_ingests(conn, limit=limit, offset=offset)
    return IngestHistory(items=[IngestRead.model_validate(r) for r in rows], total=total)


def _ingest_logged(
    store: TelemetryStore, path: Path, settings: Settings, skip_known: bool
) -> IngestReport:
    try:
        return ingest_file(store, path, settings, skip_known=skip_known)
    except AppError as exc:
        log.error("ingest of %s failed: %s", path, exc.message)
        return IngestReport(source=str(path.resolve()), error=exc.message)
    except Exception as exc:  # one broken file must not stop the others or the server
        log.exception("ingest of %s failed", path)
        return IngestReport(source=str(path.resolve()), error=f"{path}: {exc}")


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _run(store: TelemetryStore, settings: Settings, job: _Job) -> IngestReport:
    clock = time.perf_counter()
    digest = _sha256(job.path)
    with _WRITER, store.connect() as conn:
        conn.execute("SET SESSION TimeZone = 'UTC'")
        if job.skip_known and repo.sha_ingested(conn, digest):
            log.info("skipped %s: already ingested (sha256 %s)", job.label, digest[:12])
            return IngestReport(source=job.source, sha256=digest, skipped=True)
        log.info("ingest of %s started", job.label)
        report = _load_clean(conn, settings, job, digest) if job.kind == "csv" else None
        if report is None:
            with transaction(conn):
                report = _load(conn, settings, job, digest)
    report.seconds = time.perf_counter() - clock
    metrics.record_ingest(report.accepted, report.duplicates, report.quarantined)
    log.info(
        "ingested %s: %d accepted, %d duplicates, %d quarantined, %d devices in %.2f s",
        job.label,
        report.accepted,
        report.duplicates,
        report.quarantined,
        len(report.devices),
        report.seconds,
    )
    return report


def _load_clean(
    conn: duckdb.DuckDBPyConnection, settings: Settings, job: _Job, digest: str
) -> IngestReport | None:
    """The fast path; None (nothing kept) when the file needs the line-numbered validator."""
    started = _now()
    try:
        with transaction(conn):
            ingest_id = repo.next_ingest_id(conn)
            rows = fast.insert_clean_csv(conn, job.path, ingest_id)
            known = fast.delete_known(conn, ingest_id)
            report = IngestReport(
                job.source, rows - known, known, 0, ingest_id=ingest_id, sha256=digest
            )
            return _finish(conn, settings, report, started)
    except (duckdb.Error, fast.NotClean) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.info("%s goes through the line-numbered validator: %s", job.label, reason[:200])
        return None


def _load(
    conn: duckdb.DuckDBPyConnection, settings: Settings, job: _Job, digest: str
) -> IngestReport:
    started = _now()
    _stage(conn, job)
    valid, quarantined = repo.staged_counts(conn)
    if valid + quarantined == 0:
        raise BadInput(f"{job.label} has no data rows")
    ingest_id = repo.next_ingest_id(conn)
    repo.quarantine_staged(conn, ingest_id, job.source, started)
    accepted = repo.insert_staged(conn, ingest_id)
    repo.drop_stage(conn)
    report = IngestReport(
        job.source, accepted, valid - accepted, quarantined, ingest_id=ingest_id, sha256=digest
    )
    return _finish(conn, settings, report, started)


def _finish(
    conn: duckdb.DuckDBPyConnection, settings: Settings, report: IngestReport, started: datetime
) -> IngestReport:
    """Refresh the touched devices' sessions and record the ingest."""
    assert report.ingest_id is not None
    if report.accepted:
        report.devices = repo.devices_of_ingest(conn, report.ingest_id)
        refresh_sessions_for_ingest(conn, settings.session_max_gap_seconds, report.ingest_id)
    repo.record_ingest(conn, _ingest_row(report, started))
    return report


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _ingest_row(report: IngestReport, started: datetime) -> dict[str, Any]:
    return {
        "ingest_id": report.ingest_id,
        "source": report.source,
        "sha256": report.sha256,
        "started_at": started,
        "finished_at": _now(),
        "accepted": report.accepted,
        "duplicates": report.duplicates,
        "quarantined": report.quarantined,
    }


def _stage(conn: duckdb.DuckDBPyConnection, job: _Job) -> None:
    try:
        if job.kind == "csv":
            repo.stage_csv(conn, job.path)
        else:
            repo.stage_json(conn, job.path)
    except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
        message = str(exc).replace(str(job.path), job.label)
        raise BadInput(_describe_read_error(job.label, message)) from None


def _describe_read_error(label: str, message: str) -> str:
    line = re.search(r"on Line: (\d+)", message)
    where = f" on line {line.group(1)}" if line else ""
    if "Invalid unicode" in message:
        return f"{label}: not UTF-8 text (invalid bytes{where})"
    if "Expected Number of Columns: 1" in message:
        return f"{label}: not text (NUL byte{where})"
    first = message.splitlines()[0] if message else "unreadable"
    return f"{label}: unreadable{where}: {first}"
