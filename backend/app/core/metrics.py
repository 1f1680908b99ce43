"""Prometheus metrics: HTTP traffic, ingested rows, ML runs, ML service states, process.

``deploy/prometheus/drillwatch-rules.yml`` alerts on these series with the thresholds
of the operations guide ("Alerting Thresholds").
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)
# process_resident_memory_bytes and friends: ML runs inside the server process
ProcessCollector(registry=REGISTRY)

HTTP_REQUESTS = Counter(
    "drillwatch_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "drillwatch_http_request_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    registry=REGISTRY,
)
INGESTED_ROWS = Counter(
    "drillwatch_ingested_rows",
    "Telemetry rows seen by ingestion, by outcome (accepted, duplicate, quarantined).",
    ["outcome"],
    registry=REGISTRY,
)
SCORING_SECONDS = Histogram(
    "drillwatch_ml_scoring_run_seconds",
    "Duration of one ML scoring run (features, scores, forecast, alerts).",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)

HEALTH_SCORING_SECONDS = Histogram(
    "drillwatch_ml_health_scoring_seconds",
    "Time of the health-score calculation stage of one ML run (all devices).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
    registry=REGISTRY,
)
ML_RUNS = Counter(
    "drillwatch_ml_processing_runs",
    "ML processing runs (features, health scores, forecast, alerts), by outcome (ok, error).",
    ["outcome"],
    registry=REGISTRY,
)
ML_ENABLED = Gauge("drillwatch_ml_enabled", "1 when ML_ENABLED is true.", registry=REGISTRY)
ML_SERVICE_UP = Gauge(
    "drillwatch_ml_service_up",
    "1 when the ML service is ready, as /api/ml/health reports it at scrape time.",
    ["service"],
    registry=REGISTRY,
)
for _outcome in ("ok", "error"):
    ML_RUNS.labels(_outcome)  # both series exist from the start, at 0


def record_ml_run(ok: bool) -> None:
    """Count one ML processing run by its outcome."""
    ML_RUNS.labels("ok" if ok else "error").inc()


def record_ml_health(enabled: bool, services: Mapping[str, str]) -> None:
    """Set the ML gauges from the states of /api/ml/health (``ready`` is up)."""
    ML_ENABLED.set(1 if enabled else 0)
    for name, state in services.items():
        ML_SERVICE_UP.labels(name).set(1 if state == "ready" else 0)


def record_ingest(accepted: int, duplicates: int, quarantined: int) -> None:
    """Count one ingest's rows by outcome."""
    INGESTED_ROWS.labels("accepted").inc(accepted)
    INGESTED_ROWS.labels("duplicate").inc(duplicates)
    INGESTED_ROWS.labels("quarantined").inc(quarantined)


def exposition() -> bytes:
    """All metrics in the Prometheus text format."""
    return generate_latest(REGISTRY)
