"""All API routers, mounted under /api."""

from fastapi import APIRouter

from app.api.routes import (
    analytics,
    audit,
    auth,
    fleet,
    health,
    metrics,
    ml,
    sessions,
    telemetry,
    users,
)

api_router = APIRouter()
for module in (health, auth, users, audit, telemetry, sessions, fleet, analytics, ml, metrics):
    api_router.include_router(module.router)
