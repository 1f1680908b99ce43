"""One scoring and alerting run over the fleet: features -> scores -> trend -> alerts.

``score_fleet`` scores a daily feature frame in device batches (ML_BATCH_SIZE devices
each), in a thread pool of ML_MAX_WORKERS when ML_PARALLEL_PROCESSING, with BLAS
threads limited to ML_NUMPY_THREADS; ``fleet_findings`` turns the daily scores into
the overall-health forecast shown with the trend and, through
``app.ml.alerts.trajectory`` (the functions the day-by-day replay uses too), into alert
findings. ``run_scoring`` chains them with the feature service and the alert service,
cutting the run off once ML_MAX_PROCESSING_TIME has passed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_info, threadpool_limits

from app.core.config import Settings
from app.core.errors import Unavailable
from app.ml.alerts.forecast import forecast_health, forecast_series, thresholds_from
from app.ml.alerts.records import AlertChange
from app.ml.alerts.trajectory import (
    COMPONENTS,
    AlertSink,
    day_findings,
    raise_day_alerts,
    with_measured,
)
from app.ml.alerts.trajectory import FORECAST as FORECAST  # training metrics use it
from app.ml.models.health_scoring import HealthScoringService
from app.ml.preprocessing.data_validation import FeatureQualityReport, as_of_timestamp
from app.ml.preprocessing.feature_engineering import MLFeatureService, data_version
from app.storage.duckdb import TelemetryStore

log = logging.getLogger("drillwatch.ml.processing")

LAST_SEEN_SQL = """SELECT device_id, max(ts) AS last_seen FROM telemetry
    WHERE CAST($as_of AS TIMESTAMP) IS NULL OR ts <= CAST($as_of AS TIMESTAMP)
    GROUP BY device_id"""


class Deadline:
    """Cuts a run off once ML_MAX_PROCESSING_TIME seconds have passed since it started."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.started = clock()

    def check(self, stage: str) -> None:
        """Raise ``Unavailable`` naming the stage when the time is up."""
        elapsed = self.clock() - self.started
        if elapsed > self.seconds:
            raise Unavailable(
                f"ML processing was cut off during {stage} after {elapsed:.1f} s: it exceeded "
                f"ML_MAX_PROCESSING_TIME={self.seconds:g} s. Raise ML_MAX_PROCESSING_TIME or "
                "ML_BATCH_SIZE/ML_MAX_WORKERS, or reduce FEATURE_WINDOW_SIZE."
            )


@dataclass(frozen=True)
class BatchPlan:
    """How device batches are scored (from the ML_* performance settings)."""

    batch_size: int
    parallel: bool
    max_workers: int
    numpy_threads: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BatchPlan:
        """ML_BATCH_SIZE, ML_PARALLEL_PROCESSING, ML_MAX_WORKERS and ML_NUMPY_THREADS."""
        return cls(
            settings.ml_batch_size,
            settings.ml_parallel_processing,
            settings.ml_max_workers,
            settings.ml_numpy_threads,
        )


@dataclass
class FleetScores:
    """Scores of every device-day, explanations of each device's latest day, how it ran."""

    scored: pd.DataFrame
    latest: pd.DataFrame
    explanations: dict[str, dict[str, list[dict[str, Any]]]]
    processing: dict[str, Any] = field(default_factory=dict)


def device_batches(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    """``frame`` split into batches of at most ``size`` devices (rows of a device together)."""
    codes, _ = pd.factorize(frame["device_id"], sort=True)
    groups = codes // size
    return [frame[groups == g] for g in range(int(groups.max()) + 1)] if len(frame) else []


def latest_mask(frame: pd.DataFrame) -> np.ndarray:
    """True on each device's last row (the feature frame is ordered by device and day)."""
    mask: np.ndarray = (frame.groupby("device_id").cumcount(ascending=False) == 0).to_numpy()
    return mask


def _score_batch(
    service: HealthScoringService, batch: pd.DataFrame, deadline: Deadline
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], str]:
    deadline.check("scoring")
    scored = with_measured(service.score(batch, include_debug=True), batch)
    last = latest_mask(batch)
    explained = service.explain(batch[last], scored[last])
    ids = batch["device_id"].to_numpy()[last]
    latest = batch[last].reset_index(drop=True)
    return scored, latest, dict(zip(ids, explained, strict=True)), threading.current_thread().name


def blas_threads() -> int | None:
    """Threads the BLAS libraries use now (None when numpy has no threaded BLAS)."""
    counts = [int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts) if counts else None


def score_fleet(
    service: HealthScoringService, frame: pd.DataFrame, plan: BatchPlan, deadline: Deadline
) -> FleetScores:
    """Score ``frame`` batch by batch, in parallel when the plan says so."""
    batches = device_batches(frame, plan.batch_size)
    with threadpool_limits(limits=plan.numpy_threads, user_api="blas"):
        blas = blas_threads()
        if plan.parallel and len(batches) > 1:
            with ThreadPoolExecutor(plan.max_workers, thread_name_prefix="ml-score") as pool:
                parts = list(pool.map(lambda b: _score_batch(service, b, deadline), batches))
        else:
            parts = [_score_batch(service, b, deadline) for b in batches]
    explanations: dict[str, Any] = {}
    for part in parts:
        explanations.update(part[2])
    processing = {
        "devices": int(frame["device_id"].nunique()),
        "batches": len(batches),
        "batch_size": plan.batch_size,
        "parallel": plan.parallel,
        "max_workers": plan.max_workers if plan.parallel else 1,
        "workers": sorted({part[3] for part in parts}),
        "blas_threads": blas,
    }
    log.debug(
        "scoring batches=%d workers=%s blas_threads=%s", len(batches), processing["workers"], blas
    )
    scored = pd.concat([p[0] for p in parts], ignore_index=True) if parts else pd.DataFrame()
    latest = pd.concat([p[1] for p in parts], ignore_index=True) if parts else pd.DataFrame()
    return FleetScores(scored, latest, explanations, processing)


@dataclass
class Findings:
    """The overall-health forecast and its +1..+horizon series (shown with the trend), and
    the alert rules' input (from the weakest-component trajectory, as in the replay)."""

    forecast: pd.DataFrame
    series: pd.DataFrame
    findings: pd.DataFrame


def daily_health(scored: pd.DataFrame) -> pd.DataFrame:
    """(device_id, day, health, components...) as the overall forecast reads it."""
    columns = ["device_id", "day", "health_score", *COMPONENTS]
    return scored[columns].rename(columns={"health_score": "health"})


def display_forecast(scored: pd.DataFrame, settings: Settings, as_of: date) -> Findings:
    """The overall-health forecast and series of each device (no findings yet)."""
    daily = daily_health(scored)
    forecast = forecast_health(
        daily, thresholds_from(settings), FORECAST, as_of=as_of, components=list(COMPONENTS)
    )
    series = forecast_series(daily, FORECAST, as_of=as_of)
    return Findings(forecast, series, pd.DataFrame())


def fleet_findings(
    scores: FleetScores, settings: Settings, as_of: date, model_version: str | None
) -> Findings:
    """The overall forecast for display and the alert findings of ``as_of``."""
    shown = display_forecast(scores.scored, settings, as_of)
    shown.findings = day_findings(scores.scored, as_of, settings, model_version)
    return shown


@dataclass
class RunOutput:
    """Everything one run produced, before it is shaped for the API."""

    data_version: str
    as_of: datetime | None
    model_version: str
    frame: pd.DataFrame
    quality: FeatureQualityReport
    scores: FleetScores
    findings: Findings | None
    last_seen: dict[str, datetime]
    changes: list[AlertChange]
    timings: dict[str, float]


def run_scoring(
    store: TelemetryStore,
    features: MLFeatureService,
    scoring: HealthScoringService,
    alerts: AlertSink,
    model_version: str,
    deadline: Deadline,
    as_of: date | datetime | None = None,
) -> RunOutput:
    """Features up to ``as_of`` (default: the latest telemetry), scores, forecasts, alerts.

    A bare date means the end of that day, the clock the replay raises that day's alerts at.
    """
    settings = scoring.settings
    timings: dict[str, float] = {}
    mark = time.perf_counter()
    with store.connect() as conn:
        version = data_version(conn)
        extraction = features.extract(conn, as_of=as_of)
        seen = conn.execute(LAST_SEEN_SQL, {"as_of": as_of_timestamp(as_of)}).df()
    timings["features"] = time.perf_counter() - mark
    deadline.check("feature extraction")
    mark = time.perf_counter()
    scores = score_fleet(scoring, extraction.frame, BatchPlan.from_settings(settings), deadline)
    timings["scoring"] = time.perf_counter() - mark
    deadline.check("scoring")
    mark = time.perf_counter()
    found: Findings | None = None
    changes: list[AlertChange] = []
    if extraction.as_of is not None and not scores.scored.empty:
        day = extraction.as_of.date()
        found = display_forecast(scores.scored, settings, day)
        found.findings, changes = raise_day_alerts(
            alerts, scores.scored, day, extraction.as_of, settings, model_version
        )
    timings["alerts"] = time.perf_counter() - mark
    last_seen = dict(zip(seen["device_id"], seen["last_seen"].dt.to_pydatetime(), strict=True))
    return RunOutput(
        version,
        extraction.as_of,
        model_version,
        extraction.frame,
        extraction.report,
        scores,
        found,
        last_seen,
        changes,
        timings,
    )
