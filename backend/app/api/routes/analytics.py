"""Fleet insights, anomalies and battery trends (viewer and up)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import MLConfigDep, StoreDep, Viewer
from app.api.params import Offset
from app.api.routes.sessions import ScopeDep
from app.schemas.analytics import (
    AnomalyKind,
    AnomalyPage,
    AnomalySort,
    BatteryPeriod,
    BatteryTrends,
    Insights,
)
from app.schemas.sessions import SortOrder
from app.services import analytics as service

router = APIRouter(prefix="/api/v1", tags=["analytics"])


@router.get("/insights")
def insights(
    _: Viewer,
    store: StoreDep,
    scope: ScopeDep,
    max_locations: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Insights:
    """Drilling hours, sessions, tagged share, operating states, anomalies and locations."""
    return service.fleet_insights(store, scope, max_locations)


@router.get("/anomalies")
def anomalies(
    _: Viewer,
    store: StoreDep,
    scope: ScopeDep,
    config: MLConfigDep,
    kind: Annotated[list[AnomalyKind] | None, Query(description="Only these kinds")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
    sort: AnomalySort = "start_ts",
    order: SortOrder = "desc",
) -> AnomalyPage:
    """Short sessions, lost samples, missing GPS, low battery and a second pod under the
    device's id (id_collision, with the episode's evidence): counts and one sorted page."""
    return service.list_anomalies(
        store, scope, kind, limit, offset, sort, order == "desc", config=config
    )


@router.get("/battery/trends")
def battery_trends(
    _: Viewer,
    store: StoreDep,
    scope: ScopeDep,
    period: BatteryPeriod = BatteryPeriod.day,
    max_points: Annotated[int, Query(ge=1, le=100000)] = 2000,
) -> BatteryTrends:
    """Battery avg/min/max per device and period, widened to stay within max_points."""
    return service.battery_trends(store, scope, period, max_points)
