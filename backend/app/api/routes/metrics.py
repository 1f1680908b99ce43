"""Prometheus scrape endpoint (needs a token or an API key like every non-health route)."""

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.deps import Viewer
from app.core.metrics import exposition

router = APIRouter(prefix="/api/v1", tags=["metrics"])


@router.get("/metrics", response_class=Response)
def metrics(_: Viewer) -> Response:
    """Request, ingest and ML-run metrics in the Prometheus text format."""
    return Response(content=exposition(), media_type=CONTENT_TYPE_LATEST)
