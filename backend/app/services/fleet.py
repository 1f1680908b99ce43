"""The fleet at a glance: last positions, daily activity and each device's shown status."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.errors import AppError
from app.ml.alerts.predictive_alerts import MAX_PAGE_SIZE
from app.ml.services import MLService
from app.schemas.fleet import DailyActivityPage, DevicePositions, DeviceStatus, FleetStatus
from app.services import urgency
from app.services.sessions import Scope, resolve_scope
from app.storage import fleet as repo
from app.storage.duckdb import TelemetryStore


def positions(store: TelemetryStore) -> DevicePositions:
    """Every device's last known position."""
    with store.connect() as conn:
        rows = repo.device_positions(conn)
    return DevicePositions.model_validate({"positions": rows})


def daily_activity(store: TelemetryStore, scope: Scope, top: int) -> DailyActivityPage:
    """Sessions and drilling hours per UTC day, the ``top`` busiest devices on their own."""
    with store.connect() as conn:
        rows = repo.daily_activity(conn, resolve_scope(conn, scope), top)
    shown = [d for _, d in sorted({(r["rn"], r["device_id"]) for r in rows if r["rn"]})]
    index = {device: i for i, device in enumerate(shown)}
    days: dict[Any, dict[str, Any]] = {}
    for r in rows:  # at most (top + 1) rows per day, already aggregated in SQL
        day = days.setdefault(r["day"], _empty_day(r["day"], len(shown)))
        day["sessions"] += r["sessions"]
        day["drilling_hours"] += r["hours"]
        if r["device_id"] is None:
            day["other_hours"] += r["hours"]
        else:
            day["hours"][index[r["device_id"]]] = r["hours"]
    total = int(rows[0]["devices"]) if rows else 0
    return DailyActivityPage.model_validate(
        {"devices": shown, "other_devices": total - len(shown), "days": list(days.values())}
    )


def _empty_day(day: Any, devices: int) -> dict[str, Any]:
    return {
        "day": day,
        "sessions": 0,
        "drilling_hours": 0.0,
        "hours": [0.0] * devices,
        "other_hours": 0.0,
    }


@dataclass(frozen=True)
class MlSnapshot:
    """The ML service's latest scores and unresolved alerts, or why there are none."""

    devices: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    as_of: datetime | None
    message: str | None


def ml_snapshot(ml: MLService | None) -> MlSnapshot:
    """Scores of every device and every unresolved alert (empty with a message on failure)."""
    if ml is None:
        return MlSnapshot([], [], None, "the ML service is not running")
    try:
        ml.require_enabled()
        body = json.loads(ml.health_scores(None, False, False, 1))
        alerts = [a for status in urgency.UNRESOLVED for a in _alerts(ml, status)]
    except AppError as exc:
        return MlSnapshot([], [], None, exc.message)
    as_of = body["metadata"].get("as_of")
    return MlSnapshot(body["data"], alerts, _moment(as_of), None)


def _alerts(ml: MLService, status: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        items, total = ml.alerts.list_alerts(MAX_PAGE_SIZE, page, None, None, status)
        found += [vars(item) for item in items]
        if page * MAX_PAGE_SIZE >= total:
            return found
        page += 1


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def fleet_status(store: TelemetryStore, ml: MLService | None) -> FleetStatus:
    """Every device with its shown status, reason, predicted date, position and top alert."""
    snapshot = ml_snapshot(ml)
    located = {p.device_id: p for p in positions(store).positions}
    scored = {d["device_id"]: d for d in snapshot.devices}
    alerts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for alert in snapshot.alerts:
        alerts[alert["device_id"]].append(alert)
    rows = [
        _device_status(device_id, scored.get(device_id), alerts[device_id], located.get(device_id))
        for device_id in sorted(set(located) | set(scored) | set(alerts))
    ]
    rows.sort(key=_worst_first)
    return FleetStatus(
        ml_available=snapshot.message is None,
        ml_message=snapshot.message,
        as_of=snapshot.as_of,
        devices=rows,
    )


def _device_status(
    device_id: str, scored: dict[str, Any] | None, alerts: list[dict[str, Any]], where: Any
) -> DeviceStatus:
    model_status = scored["status"] if scored else None
    top = urgency.most_urgent(alerts)
    predicted = (scored or {}).get("predicted_failure") or {}
    due = top["predicted_failure_at"] if top else _moment(predicted.get("at"))
    seen = _moment(scored.get("last_seen")) if scored and scored.get("last_seen") else None
    return DeviceStatus(
        device_id=device_id,
        status=urgency.shown_status(model_status, alerts),
        model_status=model_status,
        health_score=scored["health_score"] if scored else None,
        reason=urgency.reason(scored) if scored else None,
        predicted_failure_at=due,
        last_seen=seen or (where.last_seen if where else None),
        lat=where.lat if where else None,
        lon=where.lon if where else None,
        alert=dict(top) if top else None,
        open_alerts=len(alerts),
    )


def _worst_first(row: DeviceStatus) -> tuple[int, int, float, float, str]:
    severity = urgency.SEVERITY_RANK[row.alert.severity] if row.alert else 0
    due = row.predicted_failure_at.timestamp() if row.predicted_failure_at else float("inf")
    health = row.health_score if row.health_score is not None else 101.0
    rank = urgency.STATUS_RANK.get(row.status or "", -1)
    return (-rank, -severity, due, health, row.device_id)
