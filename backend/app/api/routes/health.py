"""Public liveness and readiness check: GET /api/v1/health (no token)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response, status
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.core.errors import Unavailable
from app.schemas.health import CheckResult, HealthRead
from app.storage.duckdb import TelemetryStore

router = APIRouter(prefix="/api/v1", tags=["health"])
log = logging.getLogger("drillwatch.health")


def check_database(session_factory: sessionmaker[Session]) -> CheckResult:
    """``ok`` when the SQL store answers a trivial query."""
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # a health check reports failures, it does not raise them
        log.warning("health: SQL store unavailable", exc_info=True)
        return "unavailable"
    return "ok"


def check_telemetry_store(store: TelemetryStore) -> CheckResult:
    """``ok`` when DuckDB opens at once; ``busy`` when another process holds it."""
    # Zero wait: a health check must answer now, not after STORE_LOCK_TIMEOUT.
    try:
        with store.without_waiting().connect() as conn:
            conn.execute("SELECT 1").fetchone()
    except Unavailable:
        return "busy"
    except Exception:  # a health check reports failures, it does not raise them
        log.warning("health: telemetry store unavailable", exc_info=True)
        return "unavailable"
    return "ok"


@router.get("/health", responses={503: {"model": HealthRead}})
def health(request: Request, response: Response) -> HealthRead:
    """Service status, version and a cheap check of each store (public)."""
    database = check_database(request.app.state.session_factory)
    telemetry = check_telemetry_store(request.app.state.store)
    healthy = database == telemetry == "ok"
    if "unavailable" in (database, telemetry):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthRead(
        status="ok" if healthy else "degraded",
        version=__version__,
        telemetry_store=telemetry,
        database=database,
    )
