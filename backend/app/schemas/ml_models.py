"""Bodies of /api/ml about models, training jobs and statistics."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.ml.registry.names import VERSION_SCHEMA
from app.schemas.ml import FeatureQuality, ProcessingInfo, UtcDatetime


class ModelRead(BaseModel):
    """A registered model version and what its signed metadata records."""

    model_config = ConfigDict(from_attributes=True, protected_namespaces=())

    version: str
    sha256: str
    created_at: UtcDatetime
    registered_at: UtcDatetime
    is_active: bool
    model_class: str
    features: list[str]
    metrics: dict[str, Any]
    training_data: dict[str, Any]
    settings: dict[str, Any]


class DeploymentRead(BaseModel):
    """One switch of the active model."""

    model_config = ConfigDict(from_attributes=True)

    version: str
    previous_version: str | None
    action: str
    actor: str
    reason: str
    active_from: UtcDatetime
    active_until: UtcDatetime | None


class ModelList(BaseModel):
    """GET /api/ml/models: every version, the active one and the deployment history."""

    data: list[ModelRead]
    active_version: str | None
    deployments: list[DeploymentRead]


class PerformanceRead(BaseModel):
    """Evaluation metrics of the active model and its measured scoring latency."""

    model_config = ConfigDict(from_attributes=True)

    version: str
    accuracy: float | None
    precision: float | None
    recall: float | None
    latency_ms: float | None
    latency_samples: int


class ActiveModel(ModelRead):
    """The active version and who deployed it when."""

    deployed_at: UtcDatetime | None
    deployed_by: str | None
    deploy_reason: str | None


class LastRun(BaseModel):
    """The cached scoring run behind /api/ml/health-scores."""

    computed_at: UtcDatetime
    as_of: UtcDatetime | None
    model_version: str
    data_version: str
    age_seconds: float
    stale: bool
    refreshing: bool
    processing_time_ms: float
    timings_ms: dict[str, float]
    processing: ProcessingInfo
    feature_quality: FeatureQuality
    alerts: dict[str, int]


class CacheStats(BaseModel):
    """Feature cache on disk and models held in memory."""

    feature_cache_entries: int
    feature_cache_max_entries: int
    feature_cache_ttl_seconds: int
    feature_cache_compression: bool
    model_cache_capacity: int
    models_in_memory: list[str]
    result_runs: int


class TrainJobRead(BaseModel):
    """A training job's state."""

    model_config = ConfigDict(from_attributes=True)

    job_id: str
    requested_by: str
    deploy: bool
    version: str | None
    status: Literal["queued", "running", "succeeded", "failed"]
    step: str | None
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None
    error: str | None
    result: dict[str, Any] | None


class PrecisionRead(BaseModel):
    """Operators' verdicts on one slice of alerts and the precision they give."""

    model_config = ConfigDict(from_attributes=True, protected_namespaces=())

    model_version: str | None
    issue_type: str | None
    outcomes: dict[str, int]
    judged: int
    precision: float | None = Field(description="(confirmed + maintained) / judged")


class LivePrecision(BaseModel):
    """Live precision from resolved alerts, per model version, per alert type, and both."""

    by_model_version: list[PrecisionRead]
    by_issue_type: list[PrecisionRead]
    by_version_and_type: list[PrecisionRead]


class ModelStatus(BaseModel):
    """GET /api/ml/model-status."""

    model_config = ConfigDict(protected_namespaces=())

    ml_enabled: bool
    active: ActiveModel | None
    performance: PerformanceRead | None
    cache: CacheStats
    last_run: LastRun | None
    last_error: str | None = Field(description="Why the latest refresh failed, if it did")
    latest_training: TrainJobRead | None
    alert_precision: LivePrecision | None = Field(
        default=None, description="Live precision from operators' resolutions"
    )


class TrainRequest(BaseModel):
    """POST /api/ml/train."""

    deploy: bool = False
    version: str | None = Field(
        default=None, max_length=64, examples=["1.1.0"], json_schema_extra=VERSION_SCHEMA
    )


class DeployRequest(BaseModel):
    """POST /api/ml/models/{version}/deploy."""

    reason: str = Field(default="", max_length=2000)


class RollbackRequest(BaseModel):
    """POST /api/ml/models/rollback: to ``version``, or the previously active one."""

    version: str | None = Field(default=None, max_length=64, json_schema_extra=VERSION_SCHEMA)
    reason: str = Field(default="", max_length=2000)


class FleetHealth(BaseModel):
    """Distribution of current health over the fleet."""

    devices: int
    by_status: dict[str, int]
    health: dict[str, float | None]
    mean_confidence: float | None
    as_of: UtcDatetime | None
    computed_at: UtcDatetime
    model_version: str
    stale: bool


class AlertSummary(BaseModel):
    """Alerts by severity, status, issue and outcome; precision judged by operators."""

    model_config = ConfigDict(from_attributes=True)

    total: int
    by_severity: dict[str, int]
    by_status: dict[str, int]
    by_issue_type: dict[str, int]
    outcomes: dict[str, int]
    precision: float | None = Field(description="Confirmed or maintained / judged alerts")


class ProcessingStats(BaseModel):
    """Timings of recent scoring runs, in ms."""

    runs: int
    last: dict[str, float] | None
    mean_total_ms: float | None
    max_total_ms: float | None


class MLStatistics(BaseModel):
    """GET /api/ml/statistics."""

    fleet: FleetHealth | None
    alerts: AlertSummary
    processing: ProcessingStats
