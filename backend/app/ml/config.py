"""One frozen ML configuration, built from Settings once and passed down.

Every ML module reads its thresholds, weights and windows from ``MLConfig`` rather
than from ``Settings``, so a run, a replay and a training see the same values and
nothing re-derives or re-defaults a setting of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from app.core.config import AggregationPeriod, Settings

COMPONENTS = ("current_stability", "battery_performance", "gps_reliability", "telemetry_quality")
WEIGHTED = COMPONENTS[:3]  # the guide's three weighted components


@dataclass(frozen=True)
class Thresholds:
    """Health scores (0..100) that separate the bands, and the alert gate."""

    alert: float = 70.0
    medium: float = 70.0
    high: float = 50.0
    critical: float = 30.0

    def named(self) -> dict[str, float]:
        """As the API shows them."""
        return {
            "alert": self.alert,
            "medium": self.medium,
            "high": self.high,
            "critical": self.critical,
        }


@dataclass(frozen=True)
class AlertPolicy:
    """When a finding becomes an alert, and how alerts are rate-limited."""

    confidence: float = 0.6  # least probability of failure within the horizon
    horizon_days: int = 14  # an alert warns of a failure expected within this many days
    cooldown: timedelta = timedelta(hours=24)
    max_per_device: int = 5


@dataclass(frozen=True)
class BatchPlan:
    """How device batches are scored (from the ML_* performance settings)."""

    batch_size: int = 100
    parallel: bool = True
    max_workers: int = 2
    numpy_threads: int = 2


@dataclass(frozen=True)
class MLConfig:
    """Everything the ML pipeline reads, fixed for the lifetime of a service or a replay."""

    weights: dict[str, float] = field(
        default_factory=lambda: {
            "current_stability": 0.4,
            "battery_performance": 0.4,
            "gps_reliability": 0.2,
        }
    )
    thresholds: Thresholds = field(default_factory=Thresholds)
    alerts: AlertPolicy = field(default_factory=AlertPolicy)
    batches: BatchPlan = field(default_factory=BatchPlan)
    window_days: int = 30  # context: places, usage habits, the trend shown
    period: AggregationPeriod = AggregationPeriod.hour  # bucket of current variation
    session_gap_s: int = 120
    sklearn_jobs: int = 2
    max_processing_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MLConfig:
        """The configuration the settings describe."""
        return cls(
            weights={
                "current_stability": settings.current_stability_weight,
                "battery_performance": settings.battery_performance_weight,
                "gps_reliability": settings.gps_reliability_weight,
            },
            thresholds=Thresholds(
                alert=settings.ml_alert_threshold,
                medium=settings.medium_alert_threshold,
                high=settings.high_alert_threshold,
                critical=settings.critical_health_threshold,
            ),
            alerts=AlertPolicy(
                confidence=settings.ml_confidence_threshold,
                cooldown=timedelta(hours=settings.alert_cooldown_hours),
                max_per_device=settings.alert_max_per_device,
            ),
            batches=BatchPlan(
                batch_size=settings.ml_batch_size,
                parallel=settings.ml_parallel_processing,
                max_workers=settings.ml_max_workers,
                numpy_threads=settings.ml_numpy_threads,
            ),
            window_days=settings.feature_window_size,
            period=settings.feature_aggregation_period,
            session_gap_s=settings.session_max_gap_seconds,
            sklearn_jobs=settings.ml_sklearn_jobs,
            max_processing_s=settings.ml_max_processing_time,
        )
