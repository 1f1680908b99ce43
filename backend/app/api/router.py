"""All API routers, mounted under /api."""

from fastapi import APIRouter

from app.api.routes import (
    alert_work,
    analytics,
    audit,
    auth,
    fleet,
    health,
    metrics,
    ml,
    notifications,
    sessions,
    telemetry,
    users,
)

api_router = APIRouter()
ROUTES = (
    health,
    auth,
    users,
    audit,
    telemetry,
    sessions,
    fleet,
    analytics,
    ml,
    notifications,
    alert_work,
)
for module in (*ROUTES, metrics):
    api_router.include_router(module.router)
