"""One scoring and alerting run over the fleet: features -> scores -> trend -> alerts.

``score_fleet`` scores a daily feature frame in device batches (ML_BATCH_SIZE devices
each), in a thread pool of ML_MAX_WORKERS when ML_PARALLEL_PROCESSING, with BLAS
threads limited to ML_NUMPY_THREADS; ``fleet_findings`` turns the daily scores into
forecasts and alert findings. ``run_scoring`` chains them with the feature service and
the alert service, cutting the run off once ML_MAX_PROCESSING_TIME has passed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import duckdb
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_info, threadpool_limits

from app.core.config import Settings
from app.core.errors import Unavailable
from app.ml.alerts.findings import build_findings
from app.ml.alerts.forecast import ForecastConfig, forecast_health, forecast_series, thresholds_from
from app.ml.alerts.records import AlertChange
from app.ml.models.health_scoring import HealthScoringService
from app.ml.preprocessing.data_validation import FeatureQualityReport
from app.ml.preprocessing.feature_engineering import MLFeatureService, data_version
from app.storage.duckdb import TelemetryStore

log = logging.getLogger("drillwatch.ml.processing")

# DuckDB's share of memory while ML extracts features: keeps ML work under the guide's
# 512 MB (the feature query over 1,000 devices x 60 days peaks at ~320 MB when allowed).
ML_DUCKDB_MEMORY = "192MB"
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
COMPONENTS = ("current_stability", "battery_performance", "gps_reliability", "telemetry_quality")
LAST_SEEN_SQL = "SELECT device_id, max(ts) AS last_seen FROM telemetry GROUP BY device_id"
FORECAST = ForecastConfig()


def size_bytes(text: str) -> float:
    """``384MB``, ``2GB``, ``512MiB`` as bytes."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1] if value and value[-1] in UNITS else ""
    return float(value.removesuffix(unit) or 0) * UNITS[unit]


@contextmanager
def ml_memory_budget(conn: duckdb.DuckDBPyConnection, configured: str) -> Iterator[None]:
    """Lower DuckDB's memory limit to ML_DUCKDB_MEMORY while ML queries run, then restore it.

    The limit is per database instance, so queries running meanwhile share the budget.
    """
    if size_bytes(configured) <= size_bytes(ML_DUCKDB_MEMORY):
        yield
        return
    conn.execute(f"SET memory_limit = '{ML_DUCKDB_MEMORY}'")
    try:
        yield
    finally:
        conn.execute(f"SET memory_limit = '{configured}'")


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
    scored = service.score(batch, include_debug=True)
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
    """Forecasts per device, the +1..+horizon series and the alert rules' input."""

    forecast: pd.DataFrame
    series: pd.DataFrame
    findings: pd.DataFrame


def daily_health(scored: pd.DataFrame) -> pd.DataFrame:
    """(device_id, day, health, components...) as the forecast reads it."""
    columns = ["device_id", "day", "health_score", *COMPONENTS]
    return scored[columns].rename(columns={"health_score": "health"})


def fleet_findings(
    scores: FleetScores, settings: Settings, as_of: date, model_version: str | None
) -> Findings:
    """Forecast each device's health and join the latest scores into findings."""
    daily = daily_health(scores.scored)
    forecast = forecast_health(
        daily, thresholds_from(settings), FORECAST, as_of=as_of, components=list(COMPONENTS)
    )
    series = forecast_series(daily, FORECAST, as_of=as_of)
    last = scores.scored[latest_mask(scores.scored)]
    latest = pd.DataFrame(
        {
            "device_id": last["device_id"].to_numpy(),
            "health_score": last["health_score"].round(2).to_numpy(),
            "confidence": last["confidence"].round(4).to_numpy(),
            "telemetry_finding": last["silence_unexplained"].to_numpy(dtype=bool),
            "model_version": model_version,
        }
    )
    return Findings(forecast, series, build_findings(forecast, latest))


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


class AlertSink(Protocol):
    """Anything with ``evaluate(findings, as_of)``: the SQL service or the in-memory one."""

    def evaluate(self, findings: pd.DataFrame, as_of: datetime) -> list[AlertChange]:
        """Open or update alerts for ``findings``."""


def run_scoring(
    store: TelemetryStore,
    features: MLFeatureService,
    scoring: HealthScoringService,
    alerts: AlertSink,
    model_version: str,
    deadline: Deadline,
) -> RunOutput:
    """Features up to the latest telemetry, scores, forecasts and persisted alerts."""
    settings = scoring.settings
    timings: dict[str, float] = {}
    mark = time.perf_counter()
    with store.connect() as conn, ml_memory_budget(conn, store.memory_limit):
        version = data_version(conn)
        extraction = features.extract(conn)
        seen = conn.execute(LAST_SEEN_SQL).df()
    timings["features"] = time.perf_counter() - mark
    deadline.check("feature extraction")
    mark = time.perf_counter()
    scores = score_fleet(scoring, extraction.frame, BatchPlan.from_settings(settings), deadline)
    timings["scoring"] = time.perf_counter() - mark
    deadline.check("scoring")
    mark = time.perf_counter()
    found, changes = None, []
    if extraction.as_of is not None and not scores.scored.empty:
        found = fleet_findings(scores, settings, extraction.as_of.date(), model_version)
        changes = alerts.evaluate(found.findings, extraction.as_of)
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
