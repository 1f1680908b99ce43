"""Read-only views of the ML service: health, model status, model list, alerts, statistics."""

from __future__ import annotations

import contextlib
import logging
import math
from dataclasses import asdict
from datetime import UTC, datetime
from statistics import fmean

from sqlalchemy import text

from app.core.errors import AppError, Unavailable
from app.ml.self_monitoring import resident_memory
from app.ml.services import MLService
from app.ml.serving.fleet_result import iso_z
from app.schemas.ml import (
    AlertPage,
    AlertRead,
    MLHealthRead,
    MLServices,
    Pagination,
    SelfCheckRead,
)
from app.schemas.ml_models import (
    ActiveModel,
    AlertSummary,
    CacheStats,
    DeploymentRead,
    FleetHealth,
    LastRun,
    LivePrecision,
    MLStatistics,
    ModelList,
    ModelRead,
    ModelStatus,
    PerformanceRead,
    ProcessingStats,
    TrainJobRead,
)

log = logging.getLogger("drillwatch.ml.processing")


def _sql_ready(ml: MLService) -> str:
    try:
        with ml.session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # health reports failures, it does not raise them
        log.warning("ml health: SQL store unavailable", exc_info=True)
        return "error"
    return "ready"


def _registry_state(ml: MLService) -> tuple[str, str]:
    """(model_manager, health_scoring) states from the registry and the last refresh."""
    try:
        active = ml.manager.active_model()
    except Exception:  # health reports failures, it does not raise them
        log.warning("ml health: model registry unavailable", exc_info=True)
        return "error", "error"
    error = ml.refresher.error if "refresher" in ml.__dict__ else None
    if active is None:
        return "ready", "not_ready"
    if error is not None and not isinstance(error, Unavailable):
        return "ready", "error"
    return "ready", "ready"


def ml_health(ml: MLService, *, include_checks: bool = False) -> MLHealthRead:
    """The guide's health body: one state per service, overall status, last update;
    with ``include_checks`` the guide's alerting thresholds too."""
    services, updated = _service_states(ml)
    states = services.model_dump()
    down = ml.monitor.down.longest(states if ml.enabled else {})
    healthy = all(v == "ready" for v in states.values())
    status = "disabled" if not ml.enabled else "healthy" if healthy else "degraded"
    body = MLHealthRead(
        status=status, ml_enabled=ml.enabled, services=services, last_updated=_z(updated)
    )
    if include_checks:
        checks = ml.monitor.checks(down, resident_memory())
        body.checks = [SelfCheckRead(**asdict(c)) for c in checks]
    return body


def _service_states(ml: MLService) -> tuple[MLServices, datetime]:
    """Each service's state and when the shown result was computed."""
    started = datetime.fromtimestamp(ml.started_at, UTC)
    if not ml.enabled:
        return MLServices(**dict.fromkeys(MLServices.model_fields, "disabled")), started
    probe = ml.refresher.probe_state
    if probe == "unknown" and ml.refresher.latest is not None:
        probe = "ok"  # a request ran the first refresh before the watcher's first look
    manager, scoring = _registry_state(ml)
    services = MLServices(
        feature_engineering={"ok": "ready", "error": "error"}.get(probe, "not_ready"),
        health_scoring=scoring,
        predictive_alerts=_sql_ready(ml),
        model_manager=manager,
    )
    result = ml.refresher.latest
    return services, result.computed_at if result else started


def _z(moment: datetime) -> str:
    return iso_z(moment) or ""


def alert_page(
    ml: MLService,
    limit: int,
    page: int,
    device_id: str | None,
    severity: str | None,
    status: str | None,
) -> AlertPage:
    """A page of alerts, newest first, with pagination."""
    items, total = ml.alerts.list_alerts(limit, page, device_id, severity, status)
    return AlertPage(
        data=[AlertRead.model_validate(item) for item in items],
        pagination=Pagination(page=page, limit=limit, total=total, pages=math.ceil(total / limit)),
    )


def model_list(ml: MLService) -> ModelList:
    """Every version with metrics, the active one, and the deployment history."""
    models = [ModelRead.model_validate(m) for m in ml.manager.list_models()]
    active = next((m.version for m in models if m.is_active), None)
    history = [DeploymentRead.model_validate(d) for d in ml.manager.deployment_history()]
    return ModelList(data=models, active_version=active, deployments=history)


def _active(ml: MLService) -> tuple[ActiveModel | None, PerformanceRead | None]:
    info = ml.manager.active_model()
    if info is None:
        return None, None
    current = [d for d in ml.manager.deployment_history() if d.version == info.version]
    last = current[-1] if current else None
    active = ActiveModel(
        **ModelRead.model_validate(info).model_dump(),
        deployed_at=last.active_from if last else None,
        deployed_by=last.actor if last else None,
        deploy_reason=last.reason if last else None,
    )
    performance = PerformanceRead.model_validate(ml.manager.get_performance_metrics())
    return active, performance


def _last_run(ml: MLService) -> LastRun | None:
    served = ml.refresher.latest
    if served is None:
        return None
    age = ml.refresher.age() or 0.0
    return LastRun(
        computed_at=served.computed_at,
        as_of=served.as_of,
        model_version=served.model_version,
        data_version=served.key.data_version,
        age_seconds=round(age, 3),
        stale=ml.refresher.ttl <= 0 or age > ml.refresher.ttl,
        refreshing=ml.refresher.refreshing,
        processing_time_ms=served.timings["total"],
        timings_ms=served.timings,
        processing=served.processing,
        feature_quality=served.quality,
        alerts=served.alerts,
    )


def model_status(ml: MLService) -> ModelStatus:
    """Active version, its metadata and performance, caches and the last run."""
    active, performance = _active(ml)
    cache = CacheStats(
        feature_cache_entries=len(ml.features.cache.entries()),
        feature_cache_max_entries=ml.settings.ml_feature_cache_size,
        feature_cache_ttl_seconds=ml.settings.ml_feature_cache_ttl,
        feature_cache_compression=ml.settings.ml_cache_compression,
        model_cache_capacity=ml.manager.cache.capacity,
        models_in_memory=ml.manager.cache.versions(),
        result_runs=ml.refresher.runs,
    )
    error = ml.refresher.error
    message = None if error is None else getattr(error, "message", None) or repr(error)
    latest = ml.jobs.latest()
    return ModelStatus(
        ml_enabled=ml.enabled,
        active=active,
        performance=performance,
        cache=cache,
        last_run=_last_run(ml),
        last_error=message,
        latest_training=TrainJobRead.model_validate(latest) if latest else None,
        alert_precision=LivePrecision.model_validate(
            {k: [asdict(p) for p in v] for k, v in ml.alerts.live_precision().items()}
        ),
    )


def _fleet(ml: MLService) -> FleetHealth | None:
    result = ml.refresher.latest
    if result is None:
        with contextlib.suppress(AppError):  # start the first run; never wait for it
            ml.refresher.refresh()
        return None
    age = ml.refresher.age() or 0.0
    return FleetHealth(
        **result.fleet,
        as_of=result.as_of,
        computed_at=result.computed_at,
        model_version=result.model_version,
        stale=ml.refresher.ttl <= 0 or age > ml.refresher.ttl,
    )


def statistics(ml: MLService) -> MLStatistics:
    """Fleet health distribution, alert counts and precision, processing times."""
    runs = list(ml.run_history)
    totals = [r["total"] for r in runs]
    processing = ProcessingStats(
        runs=len(runs),
        last=runs[-1] if runs else None,
        mean_total_ms=round(fmean(totals), 1) if totals else None,
        max_total_ms=max(totals) if totals else None,
    )
    alerts = AlertSummary.model_validate(asdict(ml.alerts.stats()))
    return MLStatistics(fleet=_fleet(ml), alerts=alerts, processing=processing)
