"""Telemetry ingestion: files, the drop folder and API bodies.

Each source is ingested in one DuckDB transaction (ingests row, quarantine rows,
telemetry rows and the refreshed sessions), so a crash leaves the store as if the
source had never been seen and running it again completes it. A CSV file is first
tried on the parallel fast path for clean files; if it declines, that transaction is
rolled back and the exact line-numbered validator ingests the file in a new one.
Copies of request bodies and the validator's scratch files live in this process's
scratch folder under the data folder, never in /tmp.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from app.storage.scratch import scratch_file, scratch_root
from app.storage.sessions import refresh_sessions_for_ingest
from app.storage.telemetry_records import JsonNumber, read_csv_records, write_json_records

log = logging.getLogger("drillwatch.ingest")
HEADER = ",".join(repo.COLUMNS)
HEADER_READ_LIMIT = 64 * 1024
Kind = Literal["csv", "json"]
# DuckDB serialises writers across processes by its file lock; inside one process
# two ingests would conflict on the sessions they both refresh, so they take turns.
WRITER = threading.Lock()


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
    """Ingest an API body: CSV text (with header) or a list of JSON items."""
    label = "request body"
    root = scratch_root(settings)
    if isinstance(payload, str | bytes):
        with scratch_file(root, ".csv") as path:
            path.write_bytes(payload.encode() if isinstance(payload, str) else payload)
            check_header(path, label)
            return _run(store, settings, _Job(path, "csv", label, source))
    if not payload:
        raise BadInput(f"{label} has no data rows")
    with scratch_file(root, ".records.csv") as path:
        with path.open("w", encoding="utf-8", newline="") as records:
            write_json_records(payload, records, settings.ingest_max_line_bytes)
        return _run(store, settings, _Job(path, "json", label, source))


def parse_json_items(body: bytes) -> list[Any]:
    """The items of a JSON array body; numbers keep their literal text (``JsonNumber``)."""
    try:
        items = json.loads(
            body, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=JsonNumber
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"request body is not valid JSON: {exc}", field="body") from None
    if not isinstance(items, list):
        raise BadInput("request body must be a JSON array of telemetry objects", field="body")
    return items


def check_header(path: Path, label: str) -> None:
    """Raise ``BadInput`` unless ``path`` is a file whose first line is the expected header.

    The header is a CSV record too: names may be quoted; case, spaces around a name, a
    byte-order mark and CRLF do not matter.
    """
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
    try:
        names = next(csv.reader([text], strict=True), [])
    except csv.Error:
        names = []
    if [name.strip().lower() for name in names] != list(repo.COLUMNS):
        shown = text.strip()[:200].encode("ascii", "backslashreplace").decode()
        raise BadInput(f"{label}: wrong header: expected {HEADER!r}, got {shown!r}")


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
    with WRITER, store.connect() as conn:
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


def _plausible(settings: Settings) -> dict[str, Any]:
    """The time range a row must fall in, as of now."""
    latest = datetime.now(UTC) + timedelta(seconds=settings.ingest_max_future_seconds)
    return {"earliest": settings.ingest_earliest_timestamp, "latest": latest}


def _load_clean(
    conn: duckdb.DuckDBPyConnection, settings: Settings, job: _Job, digest: str
) -> IngestReport | None:
    """The fast path; None (nothing kept) when the file needs the line-numbered validator."""
    started = _now()
    try:
        with transaction(conn):
            ingest_id = repo.next_ingest_id(conn)
            rows = fast.insert_clean_csv(
                conn,
                job.path,
                ingest_id,
                max_line_bytes=settings.ingest_max_line_bytes,
                **_plausible(settings),
            )
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
    root = scratch_root(settings)
    if job.kind == "json":
        _validate(conn, settings, repo.records_source(str(job.path)), job)
    else:
        with scratch_file(root, ".plain.csv") as plain, scratch_file(root, ".rec.csv") as rec:
            _validate(conn, settings, _split_csv(job.path, plain, rec, settings), job)
    _, duplicates, quarantined = repo.staged_counts(conn)
    ingest_id = repo.next_ingest_id(conn)
    repo.quarantine_staged(conn, ingest_id, job.source, started)
    accepted = repo.insert_staged(conn, ingest_id)
    repo.drop_stage(conn)
    report = IngestReport(
        job.source, accepted, duplicates, quarantined, ingest_id=ingest_id, sha256=digest
    )
    return _finish(conn, settings, report, started)


def _split_csv(path: Path, plain: Path, rec: Path, settings: Settings) -> repo.Staged:
    with (
        path.open("rb") as src,
        plain.open("wb") as plain_out,
        rec.open("w", encoding="utf-8", newline="") as rec_out,
    ):
        src.readline(HEADER_READ_LIMIT)
        records = read_csv_records(src, plain_out, rec_out, settings.ingest_max_line_bytes)
    return repo.csv_source(records)


def _validate(
    conn: duckdb.DuckDBPyConnection, settings: Settings, source: repo.Staged, job: _Job
) -> None:
    """Stage and check the source's records; ``BadInput`` when it has none."""
    if not source.sql:
        raise BadInput(f"{job.label} has no data rows")
    repo.stage(conn, source, **_plausible(settings))
    row = conn.execute(f"SELECT count(*) FROM {repo.STAGE}").fetchone()
    if not row or not row[0]:
        raise BadInput(f"{job.label} has no data rows")
    repo.finish_checks(conn, source)


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
