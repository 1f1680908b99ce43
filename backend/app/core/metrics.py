"""Prometheus metrics: HTTP traffic, ingested rows and ML scoring runs."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

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


def record_ingest(accepted: int, duplicates: int, quarantined: int) -> None:
    """Count one ingest's rows by outcome."""
    INGESTED_ROWS.labels("accepted").inc(accepted)
    INGESTED_ROWS.labels("duplicate").inc(duplicates)
    INGESTED_ROWS.labels("quarantined").inc(quarantined)


def exposition() -> bytes:
    """All metrics in the Prometheus text format."""
    return generate_latest(REGISTRY)
