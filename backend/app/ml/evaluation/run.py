"""One evaluation: simulate a fleet, replay it day by day, score the replay against truth."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from app.core.config import Settings
from app.ml.evaluation.metrics import (
    AlertScores,
    Truth,
    alert_scores,
    calibration,
    collision_detection,
    failure_detection,
    judge_alerts,
    load_truth,
    recall_and_lead,
    spearman_table,
    unusual_false_alarms,
)
from app.ml.evaluation.sources import SIMULATOR, FleetFiles, simulate
from app.ml.runs.backtest import BacktestConfig, BacktestResult, run_backtest, write_outputs
from app.storage.scratch import process_folder, scratch_root

RIGHT_WITHIN_DAYS = 21
REPORTED_SETTINGS = (
    "ml_alert_threshold",
    "ml_confidence_threshold",
    "medium_alert_threshold",
    "high_alert_threshold",
    "critical_health_threshold",
    "current_stability_weight",
    "battery_performance_weight",
    "gps_reliability_weight",
    "feature_window_size",
)


@dataclass(frozen=True)
class ReplayScores:
    """Every metric of one replay against the ground truth."""

    judged: pd.DataFrame
    alerts: AlertScores
    detection: pd.DataFrame
    recall: float
    median_lead: float
    unusual: pd.DataFrame
    spearman: pd.DataFrame
    calibration: pd.DataFrame
    degrading: int  # faults still degrading when the window ends
    degrading_caught: int  # ... of which have a right alert
    collisions: tuple[int, int, int] = (0, 0, 0)  # in truth, of which found, spurious

    @property
    def spearman_overall(self) -> float:
        """Spearman rho of the overall health with the worst condition of any part."""
        return float(self.spearman["spearman"].iloc[0])

    @property
    def spearman_components(self) -> dict[str, float]:
        """Spearman rho per component with its own condition."""
        rows = self.spearman.iloc[1:]
        return dict(zip(rows["score"], rows["spearman"].astype(float), strict=True))

    @property
    def unusual_alerts(self) -> int:
        """Alerts on fault-free devices with a confounding profile."""
        return int(self.unusual.loc[self.unusual["profile"] != "normal", "alerts"].sum())


@dataclass
class Evaluation:
    """One simulated fleet, its replay, the replay's scores and where the time went."""

    source: str
    devices: int
    days: int
    seed: int
    start: date
    config: BacktestConfig
    backtest: BacktestResult
    metrics: ReplayScores
    seconds: dict[str, float] = field(default_factory=dict)
    settings: dict[str, float] = field(default_factory=dict)


def score_replay(
    result: BacktestResult,
    truth: Truth,
    horizon_days: int = RIGHT_WITHIN_DAYS,
    collisions: Path | None = None,
) -> ReplayScores:
    """Score a replay's alerts and daily health against the ground truth."""
    judged = judge_alerts(result.alerts, truth, horizon_days)
    detection = failure_detection(result.alerts, truth)
    recall, lead = recall_and_lead(detection)
    devices = truth.devices
    degrading = devices[devices["onset_ts"].notna() & devices["failure_ts"].isna()]
    caught = degrading["device_id"].isin(judged.loc[judged["right"], "device_id"])
    return ReplayScores(
        judged=judged,
        alerts=alert_scores(judged, truth),
        detection=detection,
        recall=recall,
        median_lead=lead,
        unusual=unusual_false_alarms(judged, truth),
        spearman=spearman_table(result.health, truth),
        calibration=calibration(judged),
        degrading=len(degrading),
        degrading_caught=int(caught.sum()),
        collisions=collision_detection(result.collisions, collisions),
    )


def evaluate_fleet(
    devices: int,
    days: int,
    seed: int,
    settings: Settings,
    config: BacktestConfig | None = None,
    out: Path | None = None,
    progress: bool = False,
    source: str = SIMULATOR,
) -> Evaluation:
    """Simulate ``devices`` x ``days`` of ``source`` with ``seed``, replay it and score it.

    The simulated files live in a temporary folder; ``out`` (optional) receives the
    replay's alerts.json and health_daily.csv.
    """
    config = config or BacktestConfig()
    scratch = process_folder(scratch_root(settings))  # beside the store, cleaned after a kill
    with tempfile.TemporaryDirectory(prefix="evaluate-", dir=scratch) as folder:
        began = time.perf_counter()
        fleet: FleetFiles = simulate(source, devices, days, seed, Path(folder))
        simulated = time.perf_counter()
        result = run_backtest(fleet.telemetry, None, settings, config, progress)
        replayed = time.perf_counter()
        truth = load_truth(fleet.devices, fleet.daily)
        metrics = score_replay(result, truth, collisions=fleet.collisions)
        scored = time.perf_counter()
    if out is not None:
        write_outputs(result, out)
    seconds = {
        "simulate": simulated - began,
        "ingest_features": result.seconds["ingest_features"],
        "replay": result.seconds["replay"],
        "evaluate": scored - replayed,
        "total": scored - began,
    }
    return Evaluation(
        source=source,
        devices=devices,
        days=days,
        seed=seed,
        start=fleet.start,
        config=config,
        backtest=result,
        metrics=metrics,
        seconds=seconds,
        settings={name: float(getattr(settings, name)) for name in REPORTED_SETTINGS},
    )
