"""Devices, sessions and the session timeline (viewer and up)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from app.api.deps import StoreDep, Viewer
from app.api.params import MOMENT_SCHEMA, Offset
from app.schemas.sessions import (
    DeviceList,
    DeviceSummary,
    SessionPage,
    SessionSort,
    SortOrder,
    Timeline,
)
from app.services import sessions as service
from app.services.sessions import Scope

router = APIRouter(prefix="/api/v1", tags=["sessions"])


def scope_query(
    device_id: Annotated[
        list[str] | None, Query(description="Only these devices (repeat for several)")
    ] = None,
    start_date: Annotated[
        str | None,
        Query(
            description="Sessions starting at or after: YYYY-MM-DD or ISO datetime",
            json_schema_extra=MOMENT_SCHEMA,
        ),
    ] = None,
    end_date: Annotated[
        str | None,
        Query(
            description="Sessions starting before: ISO datetime, or YYYY-MM-DD (whole day)",
            json_schema_extra=MOMENT_SCHEMA,
        ),
    ] = None,
) -> Scope:
    """The device and date filters shared by the analytics endpoints."""
    return Scope(device_ids=device_id, start_date=start_date, end_date=end_date)


ScopeDep = Annotated[Scope, Depends(scope_query)]


@router.get("/devices")
def list_devices(
    _: Viewer,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Offset = 0,
) -> DeviceList:
    """Every device with first/last seen, sessions, drilling hours, last battery and position."""
    return service.list_devices(store, limit, offset)


@router.get("/devices/{device_id}")
def read_device(
    _: Viewer, store: StoreDep, device_id: Annotated[str, Path(min_length=1)]
) -> DeviceSummary:
    """One device's summary."""
    return service.get_device(store, device_id)


@router.get("/sessions")
def list_sessions(
    _: Viewer,
    store: StoreDep,
    scope: ScopeDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
    sort: SessionSort = "start_ts",
    order: SortOrder = "desc",
) -> SessionPage:
    """One page of sessions (newest first unless sorted), with the total matching the filters."""
    return service.list_sessions(store, scope, limit, offset, sort, order == "desc")


@router.get("/sessions/timeline")
def session_timeline(
    _: Viewer,
    store: StoreDep,
    scope: ScopeDep,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Offset = 0,
) -> Timeline:
    """Sessions, drilling and session hours per UTC day and device."""
    return service.session_timeline(store, scope, limit, offset)
