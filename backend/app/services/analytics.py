"""Fleet insights, anomalies and downsampled battery trends."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

import duckdb

from app.ml.config import MLConfig
from app.schemas.analytics import (
    AnomalyKind,
    AnomalyPage,
    AnomalyPageCounts,
    BatteryPeriod,
    BatteryTrends,
    Insights,
    OperatingState,
    StateShare,
)
from app.services.sessions import Scope, resolve_scope
from app.storage import analytics as repo
from app.storage.duckdb import TelemetryStore
from app.storage.pods import SAMPLE_PERIOD_S
from app.storage.sessions import SessionFilter

PERIOD_SECONDS = {BatteryPeriod.hour: 3600, BatteryPeriod.day: 86400, BatteryPeriod.week: 604800}


def fleet_insights(store: TelemetryStore, scope: Scope, max_locations: int) -> Insights:
    """Drilling hours, sessions, tagged share, states, anomalies and locations in the scope."""
    with store.connect() as conn:
        flt = resolve_scope(conn, scope)
        totals = repo.session_totals(conn, flt)
        points, located = repo.session_locations(conn, flt, max_locations)
    sessions = int(totals["sessions"])
    return Insights.model_validate(
        {
            **totals,
            "start": flt.start,
            "end": flt.end,
            "tagged_pct": _pct(totals["tagged_sessions"], sessions),
            "states": _state_shares(totals),
            "low_battery_events": totals["low_battery_sessions"],
            "anomalies": totals,
            "locations": {"total": located, "points": points},
        }
    )


def list_anomalies(
    store: TelemetryStore,
    scope: Scope,
    kinds: Sequence[AnomalyKind] | None,
    limit: int,
    offset: int,
    sort: str = "start_ts",
    descending: bool = True,
    *,
    config: MLConfig,
) -> AnomalyPage:
    """Anomaly counts and one sorted page of anomalous sessions (optionally some kinds only)."""
    chosen = [k.value for k in (kinds or list(AnomalyKind))]
    order = repo.anomaly_order(sort, descending)
    with store.connect() as conn:
        flt = resolve_scope(conn, scope)
        totals = repo.session_totals(conn, flt)
        totals["id_collision_sessions"] = _mark_collisions(conn, flt, config)
        rows, total = repo.anomaly_items(conn, flt, sorted(set(chosen)), limit, offset, order)
    return AnomalyPage.model_validate(
        {
            "counts": AnomalyPageCounts.model_validate(totals),
            "items": rows,
            "total": total,
            "limit": limit,
            "offset": offset,
        }
    )


def _mark_collisions(conn: duckdb.DuckDBPyConnection, flt: SessionFilter, config: MLConfig) -> int:
    """Sessions in scope overlapping a second pod's episode (the ML's own detection)."""
    # imported here: the ML evidence module pulls in pandas, which ingest never needs
    from app.ml.preprocessing.evidence import collisions_sql, stream_breaks_sql

    return repo.mark_collided_sessions(
        conn,
        flt,
        partial(stream_breaks_sql, config),
        partial(collisions_sql, config),
    )


def battery_trends(
    store: TelemetryStore, scope: Scope, period: BatteryPeriod, max_points: int
) -> BatteryTrends:
    """Battery avg/min/max per device and bucket; buckets widen to stay within max_points."""
    with store.connect() as conn:
        flt = resolve_scope(conn, scope)
        devices, first, last = repo.device_span(conn, flt)
        truncated = len(devices) > max_points
        devices = devices[:max_points]
        if first is not None and flt.start is not None:
            first = max(first, flt.start)
        if last is not None and flt.end is not None:
            last = min(last, flt.end)
        width = _bucket_width(PERIOD_SECONDS[period], len(devices), first, last, max_points)
        rows = repo.battery_points(conn, devices, flt.start, flt.end, width) if devices else []
    return BatteryTrends.model_validate(
        {
            "period": period,
            "bucket_seconds": width,
            "devices": len(devices),
            "truncated": truncated,
            "points": rows,
        }
    )


def _bucket_width(
    base_s: int, devices: int, first: datetime | None, last: datetime | None, max_points: int
) -> int | None:
    """Smallest multiple of ``base_s`` keeping devices x buckets <= max_points (None: 1 each)."""
    if devices == 0 or first is None or last is None:
        return base_s
    per_device = max_points // devices
    if per_device <= 2:
        return None
    # An aligned grid of width w covers a span with at most span / w + 2 buckets.
    span = max((last - first).total_seconds(), 0.0)
    return base_s * max(1, math.ceil(span / (base_s * (per_device - 2))))


def _state_shares(totals: dict[str, Any]) -> list[StateShare]:
    counts = {state: int(totals[f"{state.value.lower()}_samples"]) for state in OperatingState}
    total = sum(counts.values())
    return [
        StateShare(
            state=state,
            samples=n,
            share_pct=_pct(n, total),
            hours=n * SAMPLE_PERIOD_S / 3600,
        )
        for state, n in counts.items()
    ]


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0
