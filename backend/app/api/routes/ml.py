"""/api/ml: health scores, predictive alerts, models and training.

Every route but /api/ml/health needs a token and answers 503 while ML_ENABLED=false.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.api.deps import Admin, DbDep, Operator, SourceDep, Viewer
from app.api.params import Page
from app.core.errors import BadInput
from app.ml import views
from app.ml.services import MLService
from app.schemas.ml import (
    AcknowledgeBody,
    AlertPage,
    AlertRead,
    HealthScoresPage,
    MLHealthRead,
    ResolveBody,
)
from app.schemas.ml_models import (
    DeployRequest,
    MLStatistics,
    ModelList,
    ModelRead,
    ModelStatus,
    RollbackRequest,
    TrainJobRead,
    TrainRequest,
)
from app.services import audit

router = APIRouter(prefix="/api/ml", tags=["ml"])
ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"description": "ML disabled, busy, or processing cut off at ML_MAX_PROCESSING_TIME"}
}


def service(request: Request) -> MLService:
    """The ML service built in the lifespan."""
    ml: MLService = request.app.state.ml
    return ml


def enabled_service(request: Request) -> MLService:
    """The ML service, or 503 with a clear message when ML_ENABLED=false."""
    ml = service(request)
    ml.require_enabled()
    return ml


# Declared after the role parameter in each route, so 401/403 come before 503.
ML = Annotated[MLService, Depends(enabled_service)]


@router.get("/health", response_model_exclude_unset=True)
def ml_health(
    request: Request,
    include_checks: Annotated[
        bool, Query(description="Add the guide's alerting thresholds, evaluated now")
    ] = False,
) -> MLHealthRead:
    """State of each ML service (public)."""
    return views.ml_health(service(request), include_checks=include_checks)


def _device_list(device_id: str | None, device_ids: list[str] | None) -> list[str] | None:
    names = [device_id] if device_id is not None else []
    for value in device_ids or []:
        names += value.split(",")
    names = [n.strip() for n in names]
    if any(not n for n in names):
        raise BadInput(
            "device ids must be non-empty (comma-separated or repeated)", field="device_ids"
        )
    return names or None


@router.get(
    "/health-scores",
    response_model=HealthScoresPage,
    response_model_exclude_none=True,
    responses={404: {"description": "Unknown device"}, **ERRORS},
)
def health_scores(
    _: Viewer,
    ml: ML,
    device_id: Annotated[str | None, Query(max_length=128)] = None,
    device_ids: Annotated[
        list[str] | None, Query(description="Comma-separated or repeated device ids")
    ] = None,
    include_debug: Annotated[
        bool | None, Query(description="Features and component internals; default ML_DEBUG")
    ] = None,
    include_trends: Annotated[bool, Query(description="Daily trend and 7-day forecast")] = False,
    days_history: Annotated[
        int, Query(ge=1, le=365, description="Trend days (at most FEATURE_WINDOW_SIZE are kept)")
    ] = 30,
) -> Response:
    """Health of every device (or the ones named) from the latest cached run."""
    devices = _device_list(device_id, device_ids)
    body = ml.health_scores(devices, include_debug, include_trends, days_history)
    return Response(content=body, media_type="application/json")


@router.get("/alerts", responses=ERRORS)
def alerts(
    _: Viewer,
    ml: ML,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    page: Page = 1,
    device_id: Annotated[str | None, Query(max_length=128)] = None,
    severity: Annotated[str | None, Query(description="LOW, MEDIUM, HIGH or CRITICAL")] = None,
    status: Annotated[str | None, Query(description="open, acknowledged or resolved")] = None,
) -> AlertPage:
    """Predictive alerts, newest first."""
    return views.alert_page(ml, limit, page, device_id, severity, status)


@router.post("/alerts/{alert_id}/acknowledge", responses=ERRORS)
def acknowledge(
    principal: Operator,
    ml: ML,
    db: DbDep,
    source: SourceDep,
    alert_id: str,
    body: AcknowledgeBody | None = None,
) -> AlertRead:
    """open -> acknowledged, by the caller (operator)."""
    notes = body.notes if body else None
    record = ml.acknowledge(alert_id, principal.name, notes)
    audit.record_audit(db, principal, audit.ALERT_ACKNOWLEDGE, alert_id, {}, source)
    return AlertRead.model_validate(record)


@router.post("/alerts/{alert_id}/resolve", responses=ERRORS)
def resolve(
    principal: Operator, ml: ML, db: DbDep, source: SourceDep, alert_id: str, body: ResolveBody
) -> AlertRead:
    """open or acknowledged -> resolved with an outcome, by the caller (operator)."""
    record = ml.resolve(alert_id, principal.name, body.outcome, body.notes)
    details = {"outcome": body.outcome}
    audit.record_audit(db, principal, audit.ALERT_RESOLVE, alert_id, details, source)
    return AlertRead.model_validate(record)


@router.get("/model-status", responses=ERRORS)
def model_status(_: Viewer, ml: ML) -> ModelStatus:
    """Active model, its metadata and performance, caches and the last scoring run."""
    return views.model_status(ml)


@router.get("/models", responses=ERRORS)
def models(_: Viewer, ml: ML) -> ModelList:
    """Every model version with metrics, the active one, and the deployment history."""
    return views.model_list(ml)


@router.post("/train", status_code=status.HTTP_202_ACCEPTED, responses=ERRORS)
def train(
    principal: Admin, ml: ML, db: DbDep, source: SourceDep, body: TrainRequest | None = None
) -> TrainJobRead:
    """Train on the store's history in the background (admin); poll the returned job."""
    request = body or TrainRequest()
    job = TrainJobRead.model_validate(
        ml.start_training(principal.name, request.deploy, request.version)
    )
    details = {"job_id": job.job_id, "deploy": request.deploy}
    audit.record_audit(db, principal, audit.MODEL_TRAIN, job.version, details, source)
    return job


@router.get("/train/{job_id}", responses=ERRORS)
def train_job(_: Admin, ml: ML, job_id: str) -> TrainJobRead:
    """A training job's state (admin)."""
    return TrainJobRead.model_validate(ml.training_job(job_id))


@router.post("/models/rollback", responses=ERRORS)
def rollback(
    principal: Admin, ml: ML, db: DbDep, source: SourceDep, body: RollbackRequest | None = None
) -> ModelRead:
    """Reactivate a version, or the previously active one (admin)."""
    request = body or RollbackRequest()
    model = ModelRead.model_validate(ml.rollback(request.version, principal.name, request.reason))
    details = {"reason": request.reason}
    audit.record_audit(db, principal, audit.MODEL_ROLLBACK, model.version, details, source)
    return model


@router.post("/models/{version}/deploy", responses=ERRORS)
def deploy(
    principal: Admin,
    ml: ML,
    db: DbDep,
    source: SourceDep,
    version: str,
    body: DeployRequest | None = None,
) -> ModelRead:
    """Verify and activate a registered (or copied-in) version (admin)."""
    reason = body.reason if body else ""
    model = ModelRead.model_validate(ml.deploy(version, principal.name, reason))
    audit.record_audit(db, principal, audit.MODEL_DEPLOY, version, {"reason": reason}, source)
    return model


@router.get("/statistics", responses=ERRORS)
def statistics(_: Viewer, ml: ML) -> MLStatistics:
    """Fleet health distribution, alerts by severity/status/issue, precision, timings."""
    return views.statistics(ml)
