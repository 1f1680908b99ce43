"""The fleet at a glance and CSV exports (viewer and up).

/api/v1/fleet/status joins the health model's status with the unresolved alerts into one
shown status per device (the worse of the two), so every page tells the same story.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from app.api.deps import StoreDep, Viewer
from app.api.params import SeverityFilter, StatusFilter
from app.api.routes.sessions import ScopeDep
from app.ml.services import MLService
from app.schemas.fleet import DailyActivityPage, DevicePositions, FleetStatus
from app.schemas.ml import Status
from app.schemas.sessions import SessionSort, SortOrder
from app.services import export
from app.services import fleet as service

router = APIRouter(prefix="/api/v1", tags=["fleet"])

Search = Annotated[str, Query(max_length=128, description="Device ids containing this")]
Statuses = Annotated[list[Status] | None, Query(description="Only these shown statuses")]
AlertState = Annotated[
    Literal["open", "acknowledged", "any", "none"] | None,
    Query(description="Only devices whose top alert is open, acknowledged, any, or none"),
]


def ml_service(request: Request) -> MLService | None:
    """The ML service when the app runs one."""
    return getattr(request.app.state, "ml", None)


def csv_response(chunks: Iterator[bytes], name: str) -> StreamingResponse:
    """Stream CSV chunks as a download named ``name``."""
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/fleet/positions")
def positions(_: Viewer, store: StoreDep) -> DevicePositions:
    """Every device's last known GPS position and last report."""
    return service.positions(store)


@router.get("/fleet/status")
def fleet_status(_: Viewer, store: StoreDep, request: Request) -> FleetStatus:
    """Every device's shown status, reason, predicted failure date, position and top alert."""
    return service.fleet_status(store, ml_service(request))


@router.get("/sessions/daily")
def daily_activity(
    _: Viewer,
    store: StoreDep,
    scope: ScopeDep,
    top: Annotated[int, Query(ge=1, le=50, description="Devices with their own series")] = 8,
) -> DailyActivityPage:
    """Sessions and drilling hours per UTC day; the busiest devices apart, the rest summed."""
    return service.daily_activity(store, scope, top)


@router.get("/export/sessions.csv", response_class=StreamingResponse)
def export_sessions(
    _: Viewer,
    store: StoreDep,
    scope: ScopeDep,
    sort: SessionSort = "start_ts",
    order: SortOrder = "desc",
) -> StreamingResponse:
    """Every session matching the filters, in the list's order, as CSV."""
    chunks = export.sessions_csv(store, scope, sort, order == "desc")
    return csv_response(chunks, "drillwatch-sessions.csv")


@router.get("/export/devices.csv", response_class=StreamingResponse)
def export_devices(
    _: Viewer,
    store: StoreDep,
    request: Request,
    q: Search = "",
    status: Statuses = None,
    alert: AlertState = None,
) -> StreamingResponse:
    """Every device with activity, shown status, health and top alert, as CSV."""
    chunks = export.devices_csv(store, ml_service(request), q, status or [], alert)
    return csv_response(chunks, "drillwatch-devices.csv")


@router.get("/export/fleet-health.csv", response_class=StreamingResponse)
def export_fleet_health(
    _: Viewer,
    store: StoreDep,
    request: Request,
    q: Search = "",
    status: Statuses = None,
    alert: AlertState = None,
) -> StreamingResponse:
    """Every scored device's status, health, components and top factor, as CSV."""
    chunks = export.health_csv(store, ml_service(request), q, status or [], alert)
    return csv_response(chunks, "drillwatch-fleet-health.csv")


@router.get("/export/alerts.csv", response_class=StreamingResponse)
def export_alerts(
    _: Viewer,
    request: Request,
    severity: SeverityFilter = None,
    status: StatusFilter = None,
    device_id: Annotated[str | None, Query(max_length=128)] = None,
) -> StreamingResponse:
    """Every alert matching the alert list's filters, newest first, as CSV."""
    ml: MLService = request.app.state.ml
    ml.require_enabled()
    chunks = export.alerts_csv(ml, severity, status, device_id)
    return csv_response(chunks, "drillwatch-alerts.csv")
