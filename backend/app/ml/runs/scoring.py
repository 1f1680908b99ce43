"""One scoring and alerting run over the fleet: evidence -> states -> scores -> alerts.

``score_fleet`` scores an evidence frame in device batches (ML_BATCH_SIZE devices
each), in a thread pool of ML_MAX_WORKERS when ML_PARALLEL_PROCESSING, with BLAS
threads limited to ML_NUMPY_THREADS. ``raise_day_alerts`` turns one day's scores into
findings and hands them to an alert sink: the live run and the day-by-day replay both
call it, so the server raises on a day what the replay raises for it. ``run_scoring``
chains them with the feature service, cutting the run off after ML_MAX_PROCESSING_TIME.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import duckdb
import pandas as pd
from threadpoolctl import threadpool_info, threadpool_limits

from app.core.errors import Unavailable
from app.ml.alerts.findings import day_findings
from app.ml.alerts.records import AlertChange
from app.ml.config import BatchPlan, MLConfig
from app.ml.models.health_scoring import HealthScoringService
from app.ml.models.scoring import score_frame
from app.ml.preprocessing.data_validation import FeatureQualityReport
from app.ml.preprocessing.feature_engineering import MLFeatureService, data_version
from app.storage.duckdb import TelemetryStore

log = logging.getLogger("drillwatch.ml.processing")


class AlertSink(Protocol):
    """Anything with ``evaluate(findings, as_of)``: the SQL service or the in-memory one."""

    def evaluate(self, findings: pd.DataFrame, as_of: datetime) -> list[AlertChange]:
        """Open or update alerts for ``findings``."""


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
                "ML_BATCH_SIZE/ML_MAX_WORKERS."
            )


@dataclass
class FleetScores:
    """Scores of every kept device-day, each device's factors, and how the run went."""

    scored: pd.DataFrame
    factors: dict[str, list[dict[str, Any]]]
    processing: dict[str, Any] = field(default_factory=dict)

    @property
    def latest(self) -> pd.DataFrame:
        """Each device's row of the last kept day."""
        if self.scored.empty:
            return self.scored
        last = self.scored["day"].max()
        latest: pd.DataFrame = self.scored[self.scored["day"] == last].reset_index(drop=True)
        return latest


def device_batches(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    """``frame`` split into batches of at most ``size`` devices (rows of a device together)."""
    codes, _ = pd.factorize(frame["device_id"], sort=True)
    groups = codes // size
    return [frame[groups == g] for g in range(int(groups.max()) + 1)] if len(frame) else []


def latest_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Each device's last working day (the values its factors quote)."""
    working = frame[frame["active"]]
    return working.groupby("device_id", sort=False).tail(1).reset_index(drop=True)


def _score_batch(
    service: HealthScoringService, batch: pd.DataFrame, keep_from: date, deadline: Deadline
) -> tuple[pd.DataFrame, dict[str, list[dict[str, Any]]], str]:
    deadline.check("scoring")
    result = service.assess(batch, keep_from)
    scored = score_frame(result, batch, service.config)
    factors = service.explain(result, latest_rows(batch))
    return scored, factors, threading.current_thread().name


def blas_threads() -> int | None:
    """Threads the BLAS libraries use now (None when numpy has no threaded BLAS)."""
    counts = [int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts) if counts else None


def score_fleet(
    service: HealthScoringService, frame: pd.DataFrame, keep_from: date, deadline: Deadline
) -> FleetScores:
    """Score ``frame`` batch by batch (days from ``keep_from`` kept), in parallel if planned."""
    plan: BatchPlan = service.config.batches
    batches = device_batches(frame, plan.batch_size)
    with threadpool_limits(limits=plan.numpy_threads, user_api="blas"):
        blas = blas_threads()
        if plan.parallel and len(batches) > 1:
            with ThreadPoolExecutor(plan.max_workers, thread_name_prefix="ml-score") as pool:
                parts = list(
                    pool.map(lambda b: _score_batch(service, b, keep_from, deadline), batches)
                )
        else:
            parts = [_score_batch(service, b, keep_from, deadline) for b in batches]
    factors: dict[str, list[dict[str, Any]]] = {}
    for part in parts:
        factors.update(part[1])
    processing = {
        "devices": int(frame["device_id"].nunique()) if len(frame) else 0,
        "batches": len(batches),
        "batch_size": plan.batch_size,
        "parallel": plan.parallel,
        "max_workers": plan.max_workers if plan.parallel else 1,
        "workers": sorted({part[2] for part in parts}),
        "blas_threads": blas,
    }
    log.debug(
        "scoring batches=%d workers=%s blas_threads=%s", len(batches), processing["workers"], blas
    )
    scored = pd.concat([p[0] for p in parts], ignore_index=True) if parts else pd.DataFrame()
    return FleetScores(scored, factors, processing)


def raise_day_alerts(
    sink: AlertSink,
    day: pd.DataFrame,
    clock: datetime,
    config: MLConfig,
    model_version: str | None = None,
    factors: dict[str, list[dict[str, Any]]] | None = None,
) -> tuple[pd.DataFrame, list[AlertChange]]:
    """The findings of one day's scores and the alerts ``sink`` opens or updates at ``clock``.

    ``factors`` (device -> factors), when given, go into each finding's context: an
    offline alert then names the last signs of wear.
    """
    findings = day_findings(day, config, model_version)
    if factors and len(findings):
        for context, device in zip(
            findings["health_trend_context"], findings["device_id"], strict=True
        ):
            context["last_signs"] = [f["sentence"] for f in factors.get(device, [])]
    findings = findings.round({"health_score": 2, "confidence": 4})
    return findings, sink.evaluate(findings, clock)


CLOCK_SQL = "SELECT max(ts) FROM telemetry WHERE ts <= $as_of"


def data_clock(conn: duckdb.DuckDBPyConnection, as_of: datetime | None) -> datetime | None:
    """The latest sample up to ``as_of``: the moment alerts are raised at (as in the replay)."""
    if as_of is None:
        return None
    row = conn.execute(CLOCK_SQL, {"as_of": as_of}).fetchone()
    return row[0] if row else None


@dataclass
class RunOutput:
    """Everything one run produced, before it is shaped for the API."""

    data_version: str
    as_of: datetime | None
    model_version: str
    frame: pd.DataFrame
    quality: FeatureQualityReport
    scores: FleetScores
    findings: pd.DataFrame
    collisions: pd.DataFrame
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
    """Evidence up to ``as_of`` (default: the latest telemetry), scores, findings, alerts.

    Alerts are raised at the data's clock (the latest sample), as the replay raises them.
    """
    config = scoring.config
    timings: dict[str, float] = {}
    mark = time.perf_counter()
    with store.connect() as conn:
        version = data_version(conn)
        extraction = features.extract(conn, as_of=as_of)
        collisions = features.collisions(conn, extraction.as_of, config.window_days)
        clock = data_clock(conn, extraction.as_of)
    timings["features"] = time.perf_counter() - mark
    deadline.check("feature extraction")
    mark = time.perf_counter()
    frame = extraction.frame
    scores = FleetScores(pd.DataFrame(), {}, {})
    if extraction.as_of is not None and len(frame):
        keep_from = extraction.as_of.date() - timedelta(days=config.window_days - 1)
        scores = score_fleet(scoring, frame, keep_from, deadline)
    timings["scoring"] = time.perf_counter() - mark
    deadline.check("scoring")
    mark = time.perf_counter()
    findings, changes = pd.DataFrame(), list[AlertChange]()
    if extraction.as_of is not None and not scores.scored.empty:
        findings, changes = raise_day_alerts(
            alerts, scores.latest, clock or extraction.as_of, config, model_version, scores.factors
        )
    timings["alerts"] = time.perf_counter() - mark
    return RunOutput(
        version,
        extraction.as_of,
        model_version,
        frame,
        extraction.report,
        scores,
        findings,
        collisions,
        changes,
        timings,
    )
