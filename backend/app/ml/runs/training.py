"""Training: the evidence frame over the store's history -> HealthModel.fit -> metrics -> registry.

``train_model`` is what ``drillwatch train`` and POST /api/ml/train run. The artifact's
metadata records the training data range and fingerprint (data version and row count),
the feature list, the settings (added by the registry), the metrics and the scoring
latency. One training runs at a time per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from app.core.config import Settings
from app.core.errors import BadInput
from app.ml.alerts.outcomes import OutcomeLabel
from app.ml.config import MLConfig
from app.ml.models.health_scoring import HealthModel
from app.ml.models.model_manager import MLModelManager
from app.ml.preprocessing.data_validation import FeatureQualityReport
from app.ml.preprocessing.feature_engineering import MLFeatureService, data_version
from app.ml.registry.records import ModelInfo
from app.ml.runs.training_metrics import evaluate_model
from app.storage.duckdb import TelemetryStore

log = logging.getLogger("drillwatch.ml.models")

STEPS = ("features", "fit", "metrics", "save", "deploy")
SPAN_SQL = "SELECT min(ts), max(ts), count(*), count(DISTINCT device_id) FROM telemetry"
TRAINING_LOCK = threading.RLock()  # re-entrant: the initial-model check holds it too
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingData:
    """The evidence frame over the store's history and where it came from."""

    frame: pd.DataFrame
    start: datetime
    end: datetime
    rows: int
    devices: int
    data_version: str
    report: FeatureQualityReport

    def describe(self, model: HealthModel) -> dict[str, Any]:
        """The ``training_data`` metadata of an artifact."""
        return {
            "start": self.start.isoformat() + "Z",
            "end": self.end.isoformat() + "Z",
            "days": int(self.frame["day"].nunique()),
            "devices": self.devices,
            "telemetry_rows": self.rows,
            "feature_rows": len(self.frame),
            "training_rows": int(getattr(model, "training_rows_", 0)),
            "feature_quality": round(self.report.feature_quality, 4),
            "fingerprint": {"data_version": self.data_version, "rows": self.rows},
        }


@dataclass(frozen=True)
class TrainResult:
    """A trained, registered (and maybe deployed) model version."""

    info: ModelInfo
    deployed: bool
    metrics: dict[str, Any]
    training_data: dict[str, Any]
    seconds: float


def load_training_data(store: TelemetryStore, settings: Settings) -> TrainingData:
    """The evidence frame of every device over the whole history (at most a year)."""
    with store.connect() as conn:
        row = conn.execute(SPAN_SQL).fetchone()
        if row is None or not row[2]:
            raise BadInput(
                "the telemetry store is empty: ingest telemetry before training",
                field="telemetry",
            )
        start, end, rows, devices = row
        version = data_version(conn)
        extraction = MLFeatureService(store, settings).extract(conn, as_of=end)
    return TrainingData(
        extraction.frame, start, end, int(rows), int(devices), version, extraction.report
    )


def without_confirmed_faults(
    frame: pd.DataFrame, labels: Sequence[OutcomeLabel], days: int
) -> pd.DataFrame:
    """The evidence frame less each confirmed fault's device-days (its evidence day and the
    ``days`` before): a part known to be failing must not teach the model healthy noise."""
    faults = pd.DataFrame(
        [(x.device_id, pd.Timestamp(x.day)) for x in labels if x.faulty],
        columns=["device_id", "fault_day"],
    )
    if faults.empty or frame.empty:
        return frame
    day = pd.to_datetime(frame["day"])
    paired = frame[["device_id"]].assign(day=day).reset_index().merge(faults, on="device_id")
    inside = (paired["day"] <= paired["fault_day"]) & (
        paired["day"] >= paired["fault_day"] - pd.Timedelta(days=days)
    )
    kept: pd.DataFrame = frame.drop(index=list(set(paired.loc[inside, "index"])))
    return kept


def fit_model(
    data: TrainingData, config: MLConfig, labels: Sequence[OutcomeLabel] = ()
) -> HealthModel:
    """A HealthModel fitted on the fleet's history without confirmed faults' days
    (ML_SKLEARN_JOBS indicators at once, BLAS threads limited to ML_NUMPY_THREADS)."""
    rows = without_confirmed_faults(data.frame, labels, config.window_days)
    with threadpool_limits(limits=config.batches.numpy_threads, user_api="blas"):
        return HealthModel(n_jobs=config.sklearn_jobs).fit(rows)


def scoring_latency_ms(model: HealthModel, frame: pd.DataFrame, config: MLConfig) -> float:
    """Median time to score every device's latest day over its history, in ms."""
    end = pd.to_datetime(frame["day"]).max().date()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        model.score(frame, config, keep_from=end)
        times.append((time.perf_counter() - started) * 1000)
    return round(sorted(times)[1], 2)


def train_model(
    store: TelemetryStore,
    settings: Settings,
    manager: MLModelManager,
    *,
    version: str | None = None,
    deploy: bool = False,
    by: str = "cli",
    reason: str = "",
    ground_truth: Path | None = None,
    outcomes: dict[str, int] | None = None,
    labels: Sequence[OutcomeLabel] = (),
    progress: Progress | None = None,
) -> TrainResult:
    """Fit on the store's history, measure, save a signed artifact and optionally deploy it."""
    step = progress or (lambda _name: None)
    started = time.perf_counter()
    config = MLConfig.from_settings(settings)
    with TRAINING_LOCK:
        step("features")
        data = load_training_data(store, settings)
        step("fit")
        model = fit_model(data, config, labels)
        step("metrics")
        metrics = evaluate_model(model, data.frame, config, ground_truth, outcomes, labels)
        metrics["latency_ms"] = scoring_latency_ms(model, data.frame, config)
        step("save")
        described = data.describe(model)
        metadata = {
            "training_data": described,
            "features": model.feature_names,
            "metrics": metrics,
            "model": {"noise": model.describe()},
        }
        info = manager.save_model(model, version=version, metadata=metadata)
        log_performance(info.version, metrics, "training")
        step("deploy")
        if deploy:
            note = reason or f"trained on {described['start']} .. {described['end']}"
            info = manager.deploy_model(info.version, by=by, reason=note)
    return TrainResult(info, deploy, metrics, described, time.perf_counter() - started)


def log_performance(version: str, metrics: dict[str, Any], stage: str) -> None:
    """The ``model_performance`` line of logs/ml/models.log."""
    log.info(
        "model_performance version=%s accuracy=%s precision=%s recall=%s latency_ms=%s "
        "source=%s stage=%s",
        version,
        metrics.get("accuracy"),
        metrics.get("precision"),
        metrics.get("recall"),
        metrics.get("latency_ms"),
        metrics.get("source"),
        stage,
    )
