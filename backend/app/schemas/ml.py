"""Bodies of /api/ml: service health, device health scores and predictive alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
ServiceState = Literal["ready", "not_ready", "error", "disabled"]
Status = Literal[
    "healthy",
    "watch",
    "degraded",
    "critical",
    "offline_likely_failed",
    "idle",
    "insufficient_data",
]
Component = Literal[
    "current_stability", "battery_performance", "gps_reliability", "telemetry_quality"
]


class MLServices(BaseModel):
    """State of each ML service."""

    feature_engineering: ServiceState
    health_scoring: ServiceState
    predictive_alerts: ServiceState
    model_manager: ServiceState


class SelfCheckRead(BaseModel):
    """One of the guide's alerting thresholds, evaluated in the server."""

    name: str = Field(examples=["ml_processing_failures_last_hour"])
    value: float | None = Field(description="Now; null while its window holds no data")
    threshold: float
    unit: str = Field(examples=["runs", "s", "B", "share"])
    firing: bool = Field(description="value is past the threshold")


class MLHealthRead(BaseModel):
    """GET /api/ml/health, in the operations guide's shape (``checks`` only when asked)."""

    status: Literal["healthy", "degraded", "disabled"]
    ml_enabled: bool
    services: MLServices
    last_updated: str = Field(examples=["2025-08-26T10:30:00Z"], description="UTC, ISO 8601")
    checks: list[SelfCheckRead] | None = Field(
        default=None,
        description="With include_checks=true: the guide's alerting thresholds, one each",
    )


class ComponentScores(BaseModel):
    """Component scores 0..100: 100 at the part's commissioning reference, the critical
    threshold at its failure limit; null = no data."""

    current_stability: float | None
    battery_performance: float | None
    gps_reliability: float | None
    telemetry_quality: float | None


class ExplanatoryFactor(BaseModel):
    """One indicator behind a score: what it measured against what, and how worn it is.

    Healthy devices get factors too: ``effect`` "holds" says what holds the score up;
    the most worn indicator comes first, so it is the one that would lower it first.
    """

    feature: str
    component: Component
    direction: Literal["higher", "lower"]
    effect: Literal["lowers", "holds"]
    value: float | None
    baseline: float | None
    baseline_kind: Literal["own", "fleet", "place"] = Field(
        description="own: the device's frozen commissioning reference; fleet: the fleet's "
        "normal rate; place: what other pods met where this one worked"
    )
    wear: float = Field(description="Share of the way from the reference to the failure limit")
    trend_per_day: float = Field(description="Change of wear per day")
    contribution: float = Field(description="Points of the component's score this costs")
    description: str


class Finding(BaseModel):
    """A finding the indicators cannot give: too little history, offline or idle, and data
    integrity problems such as two pods under one device id (with their evidence)."""

    model_config = ConfigDict(extra="allow")

    type: str
    finding: str
    description: str


class TrendPoint(BaseModel):
    """One day of a device's scores."""

    date: date
    health_score: float | None
    current_stability: float | None
    battery_performance: float | None
    gps_reliability: float | None
    telemetry_quality: float | None
    confidence: float
    status: Status


class ForecastPoint(BaseModel):
    """Forecast health on a future day with its 80 % prediction band."""

    date: date
    health_score: float
    lower: float
    upper: float


class PredictedFailure(BaseModel):
    """The part closest to failing: its chance to fail within the alert horizon and when."""

    component: Component
    probability: float = Field(ge=0, le=1)
    at: UtcDatetime | None
    earliest: UtcDatetime | None
    latest: UtcDatetime | None


class HealthForecast(BaseModel):
    """The scores projected by their wear rates, and when thresholds are crossed."""

    horizon_days: int
    slope_per_day: float | None
    health_at_horizon: float | None
    interval_at_horizon: list[float | None]
    days_to_threshold: dict[str, float | None] = Field(
        description="Days until health falls below alert/medium/high/critical; null = not "
        "within 60 days; 0 = already below"
    )
    timeframe: dict[str, str | None]
    predicted_failure: PredictedFailure | None
    series: list[ForecastPoint]


class DeviceHealth(BaseModel):
    """A device's health on its latest day."""

    device_id: str
    day: date
    health_score: float | None = Field(description="null with status insufficient_data")
    component_scores: ComponentScores
    confidence: float = Field(ge=0, le=1)
    confidence_interval: list[float | None] = Field(min_length=2, max_length=2)
    status: Status
    worst_component: Component
    predicted_failure: PredictedFailure | None = Field(
        description="null when no part is predicted to fail within a year"
    )
    explanatory_factors: list[ExplanatoryFactor]
    findings: list[Finding]
    model_version: str
    last_seen: UtcDatetime | None
    trend: list[TrendPoint] | None = Field(default=None, description="With include_trends")
    forecast: HealthForecast | None = Field(default=None, description="With include_trends")
    debug: dict[str, Any] | None = Field(default=None, description="With include_debug")


class FeatureQuality(BaseModel):
    """How usable the features behind the scores are."""

    feature_quality: float
    extraction_success_rate: float
    missing_data_share: float
    devices: int
    rows: int


class ProcessingInfo(BaseModel):
    """How the run that produced the scores was executed."""

    devices: int = 0
    batches: int = 0
    batch_size: int = 0
    parallel: bool = False
    max_workers: int = 1
    workers: list[str] = Field(default_factory=list, description="Threads that scored batches")
    blas_threads: int | None = None


class HealthThresholds(BaseModel):
    """Health levels from the settings: alerts start below ``alert``; severities by level."""

    alert: float = Field(description="ML_ALERT_THRESHOLD")
    medium: float = Field(description="MEDIUM_ALERT_THRESHOLD")
    high: float = Field(description="HIGH_ALERT_THRESHOLD")
    critical: float = Field(description="CRITICAL_HEALTH_THRESHOLD")


class HealthScoresMetadata(BaseModel):
    """Where the scores come from and how fresh they are."""

    count: int
    as_of: UtcDatetime | None = Field(description="Latest telemetry the scores use")
    computed_at: UtcDatetime
    model_version: str
    stale: bool = Field(description="True while newer data, model or settings await a refresh")
    refreshing: bool
    processing_time_ms: float
    timings_ms: dict[str, float]
    feature_quality: FeatureQuality
    processing: ProcessingInfo
    thresholds: HealthThresholds
    include_debug: bool
    include_trends: bool
    days_history: int


class HealthScoresPage(BaseModel):
    """GET /api/ml/health-scores."""

    data: list[DeviceHealth]
    metadata: HealthScoresMetadata


class AlertRead(BaseModel):
    """A predictive maintenance alert and its lifecycle."""

    model_config = ConfigDict(from_attributes=True)

    alert_id: str
    device_id: str
    kind: Literal["degradation", "offline"] = Field(
        description="degradation: a part is predicted to fail; offline: the pod went silent "
        "after signs of wear and has likely failed"
    )
    severity: Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
    predicted_issue_type: Literal["motor", "battery", "gps", "telemetry"]
    predicted_timeframe: str
    evidence_at: UtcDatetime | None = Field(description="When the evidence was measured")
    predicted_failure_at: UtcDatetime | None = Field(description="Predicted failure date")
    predicted_earliest_at: UtcDatetime | None
    predicted_latest_at: UtcDatetime | None
    recommended_actions: list[str]
    confidence: float = Field(
        description="probability that the part fails within the alert horizon (offline: "
        "that it has failed)"
    )
    health_score: float = Field(
        description="score (0..100) of the component the alert is about; the device's "
        "overall health is in /api/ml/health-scores"
    )
    health_trend_context: dict[str, Any]
    model_version: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    status: Literal["open", "acknowledged", "resolved"]
    acknowledged_by: str | None
    acknowledged_at: UtcDatetime | None
    acknowledged_notes: str | None
    resolved_by: str | None
    resolved_at: UtcDatetime | None
    outcome: str | None
    resolution_notes: str | None


class Pagination(BaseModel):
    """Where a page sits in the whole result."""

    page: int
    limit: int
    total: int
    pages: int


class AlertPage(BaseModel):
    """GET /api/ml/alerts."""

    data: list[AlertRead]
    pagination: Pagination


class AcknowledgeBody(BaseModel):
    """POST /api/ml/alerts/{id}/acknowledge."""

    notes: str | None = Field(default=None, max_length=2000)


class ResolveBody(BaseModel):
    """POST /api/ml/alerts/{id}/resolve."""

    outcome: Literal["confirmed_fault", "false_alarm", "maintenance_done"]
    notes: str | None = Field(default=None, max_length=2000)
