"""Prometheus scrape endpoint (needs a token or an API key like every non-health route).

Prometheus can send the API key as a bearer token (``authorization.credentials_file``).
"""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import Viewer
from app.core.metrics import exposition, record_ml_health
from app.ml import views

router = APIRouter(prefix="/api/v1", tags=["metrics"])


@router.get("/metrics", response_class=Response)
def metrics(_: Viewer, request: Request) -> Response:
    """Request, ingest, ML and process metrics in the Prometheus text format."""
    health = views.ml_health(request.app.state.ml)
    record_ml_health(health.ml_enabled, health.services.model_dump())
    return Response(content=exposition(), media_type=CONTENT_TYPE_LATEST)
