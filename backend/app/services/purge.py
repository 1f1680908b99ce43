"""Purge stored telemetry of a device and time range, or move it back into the quarantine.

Rows, quarantine copies and the affected devices' sessions change in one transaction;
the ML services see a new data version and recompute features and scores. Each purge
is logged as one structured line; ``purge_audit_details`` is the record to audit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.core.config import Settings
from app.core.errors import BadInput
from app.services.ingestion import WRITER
from app.storage import purge as repo
from app.storage.duckdb import TelemetryStore, transaction
from app.storage.purge import PurgeScope
from app.storage.sessions import rebuild_devices

log = logging.getLogger("drillwatch.purge")


@dataclass
class PurgeReport:
    """What one purge did (or would do, on a dry run)."""

    device_id: str | None
    start: datetime | None
    end: datetime | None
    requarantine: bool
    dry_run: bool
    rows: int = 0
    devices: list[dict[str, Any]] = field(default_factory=list)
    sessions_before: int = 0
    sessions_after: int = 0


def naive_utc(moment: datetime | None) -> datetime | None:
    """A moment as naive UTC (how telemetry stores it); a naive moment already is."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def scope_of(device_id: str | None, start: datetime | None, end: datetime | None) -> PurgeScope:
    """A checked scope: something must narrow it, and ``start`` must come before ``end``."""
    if device_id is None and start is None and end is None:
        raise BadInput("name a device_id, a from or a to: a purge never takes everything")
    scope = PurgeScope(device_id, naive_utc(start), naive_utc(end))
    if scope.start is not None and scope.end is not None and scope.end <= scope.start:
        raise BadInput(f"to={end} is not after from={start}", field="to")
    return scope


def purge_telemetry(
    store: TelemetryStore,
    settings: Settings,
    scope: PurgeScope,
    *,
    actor: str,
    requarantine: bool = False,
    dry_run: bool = False,
) -> PurgeReport:
    """Delete (or re-quarantine) the scope's rows and rebuild the touched devices' sessions."""
    at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    report = PurgeReport(scope.device_id, scope.start, scope.end, requarantine, dry_run)
    with WRITER, store.connect() as conn, transaction(conn):
        report.devices = repo.counts_by_device(conn, scope)
        report.rows = sum(int(d["rows"]) for d in report.devices)
        ids = [str(d["device_id"]) for d in report.devices]
        report.sessions_before = report.sessions_after = _sessions(conn, ids)
        if not dry_run and report.rows:
            if requarantine:
                repo.requarantine(conn, scope, _reason(actor, at, scope), at)
            repo.delete(conn, scope)
            rebuild_devices(conn, settings.session_max_gap_seconds, ids)
            report.sessions_after = _sessions(conn, ids)
    log.info("telemetry purge %s", json.dumps(purge_audit_details(actor, report, at)))
    return report


def purge_audit_details(actor: str, report: PurgeReport, at: datetime) -> dict[str, Any]:
    """The audit record of one purge: who, when, what (the lead wires it to the audit log)."""
    return {
        "action": "telemetry.purge",
        "actor": actor,
        "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "device_id": report.device_id,
        "from": _iso(report.start),
        "to": _iso(report.end),
        "requarantine": report.requarantine,
        "dry_run": report.dry_run,
        "rows": report.rows,
        "devices": {str(d["device_id"]): int(d["rows"]) for d in report.devices},
    }


def _sessions(conn: Any, device_ids: list[str]) -> int:
    row = conn.execute(
        "SELECT count(*) FROM sessions WHERE list_contains($ids, device_id)", {"ids": device_ids}
    ).fetchone()
    return int(row[0]) if row else 0


def _reason(actor: str, at: datetime, scope: PurgeScope) -> str:
    what = f"device {scope.device_id}" if scope.device_id else "all devices"
    span = f" from {_iso(scope.start) or 'the start'} to {_iso(scope.end) or 'the end'}"
    return f"re-quarantined by {actor} at {_iso(at)} (purge of {what}{span})"


def _iso(moment: datetime | None) -> str | None:
    return (
        None
        if moment is None
        else moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
    )
