"""Sessions and devices: filters, pages and the per-day timeline."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

from app.core.config import Settings
from app.core.errors import BadInput, NotFound
from app.schemas.sessions import DeviceList, DeviceSummary, SessionPage, SessionRead, Timeline
from app.storage import analytics as analytics_repo
from app.storage import sessions as repo
from app.storage.duckdb import TelemetryStore

DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MIN_DAY = date.min + timedelta(days=1)
MAX_DAY = date.max - timedelta(days=1)


@dataclass(frozen=True)
class Scope:
    """What a caller asked for: devices and a date range, as given (strings)."""

    device_ids: Sequence[str] | None = None
    start_date: str | None = None
    end_date: str | None = None


def parse_moment(value: str | None, field: str, *, end: bool = False) -> datetime | None:
    """Parse YYYY-MM-DD or an ISO datetime into naive UTC; a date ``end`` covers its day."""
    if not value:
        return None
    try:
        return _moment(value, end)
    except ValueError:
        raise BadInput(
            f"{field}={value!r} is not a date; expected YYYY-MM-DD or an ISO 8601 datetime",
            field=field,
        ) from None
    except OverflowError:
        # e.g. end_date=9999-12-31: the day after it, or a shift to UTC, leaves year 9999
        raise BadInput(
            f"{field}={value!r} is out of range; use a date from {MIN_DAY} to {MAX_DAY}",
            field=field,
        ) from None


def _moment(text: str, end: bool) -> datetime:
    if DATE_ONLY.match(text):
        day = date.fromisoformat(text) + timedelta(days=1 if end else 0)
        return datetime(day.year, day.month, day.day)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def resolve_scope(conn: duckdb.DuckDBPyConnection, scope: Scope) -> repo.SessionFilter:
    """Turn a scope into a session filter; 422 on bad dates, 404 on unknown devices."""
    start = parse_moment(scope.start_date, "start_date")
    end = parse_moment(scope.end_date, "end_date", end=True)
    whole_day = bool(scope.end_date and DATE_ONLY.match(scope.end_date.strip()))
    if start is not None and end is not None and (end <= start if whole_day else end < start):
        raise BadInput(
            f"end_date={scope.end_date!r} is before start_date={scope.start_date!r}",
            field="end_date",
        )
    devices = sorted(set(scope.device_ids)) if scope.device_ids else None
    if devices:
        missing = repo.unknown_devices(conn, devices)
        if missing:
            raise NotFound(f"unknown device_id: {', '.join(missing)}", field="device_id")
    return repo.SessionFilter(device_ids=devices, start=start, end=end)


def ensure_current(store: TelemetryStore, settings: Settings) -> bool:
    """Start-up hook: rebuild sessions if SESSION_MAX_GAP_SECONDS changed; True if rebuilt."""
    with store.connect() as conn:
        return repo.ensure_sessions_current(conn, settings.session_max_gap_seconds)


def list_sessions(
    store: TelemetryStore,
    scope: Scope,
    limit: int,
    offset: int,
    sort: str = "start_ts",
    descending: bool = True,
) -> SessionPage:
    """One page of sessions in the scope, sorted (newest first by default)."""
    order = repo.session_order(sort, descending)
    with store.connect() as conn:
        flt = resolve_scope(conn, scope)
        rows, total = repo.list_sessions(conn, flt, limit, offset, order)
    sessions = [SessionRead.model_validate(row) for row in rows]
    return SessionPage(sessions=sessions, total=total, limit=limit, offset=offset)


def session_timeline(store: TelemetryStore, scope: Scope, limit: int, offset: int) -> Timeline:
    """Sessions and hours per day and device in the scope."""
    with store.connect() as conn:
        flt = resolve_scope(conn, scope)
        rows, total = analytics_repo.timeline(conn, flt, limit, offset)
    return Timeline.model_validate(
        {"entries": rows, "total": total, "limit": limit, "offset": offset}
    )


def list_devices(store: TelemetryStore, limit: int, offset: int) -> DeviceList:
    """One page of device summaries, by device_id."""
    with store.connect() as conn:
        rows, total = analytics_repo.device_summaries(conn, None, limit, offset)
    return DeviceList.model_validate(
        {"devices": rows, "total": total, "limit": limit, "offset": offset}
    )


def get_device(store: TelemetryStore, device_id: str) -> DeviceSummary:
    """One device's summary; ``NotFound`` if it has no telemetry."""
    with store.connect() as conn:
        rows, _ = analytics_repo.device_summaries(conn, [device_id], 1, 0)
    if not rows:
        raise NotFound(f"unknown device_id: {device_id}", field="device_id")
    return DeviceSummary.model_validate(rows[0])
