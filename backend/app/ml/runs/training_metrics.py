"""Metrics of a trained model: against simulator ground truth, else operators' alert outcomes.

With ground truth (``ground_truth_devices.csv`` from ``drillwatch simulate``) each device
is a case: it is flagged when, at the end of the training data, its status is watch,
degraded, critical or offline_likely_failed, or the day's findings call for an alert;
it is faulty when its injected fault began by then. These are
in-sample figures (the model saw the same data); ``drillwatch evaluate`` gives the
honest day-by-day ones. Without ground truth, operators' resolved alerts give precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from app.core.errors import BadInput
from app.ml.alerts.findings import day_findings
from app.ml.alerts.records import precision_of
from app.ml.config import MLConfig
from app.ml.models.health_scoring import HealthModel

GROUND_TRUTH_COLUMNS = ("device_id", "fault_type", "onset_ts")
NO_FAULT = ("", "none")
FLAGGED = ("watch", "degraded", "critical", "offline_likely_failed")


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def flagged_devices(model: HealthModel, frame: pd.DataFrame, config: MLConfig) -> pd.Series:
    """Per device scored at the end of ``frame``: is it flagged as unhealthy or alerted?"""
    end = pd.to_datetime(frame["day"]).max()
    latest = model.score(frame, config, keep_from=end.date())
    alerted = set(day_findings(latest, config, None)["device_id"])
    flagged = latest["status"].isin(FLAGGED) | latest["device_id"].isin(alerted)
    return pd.Series(flagged.to_numpy(), index=latest["device_id"].to_numpy())


def read_ground_truth(path: Path) -> pd.DataFrame:
    """The simulator's per-device truth, checked for the columns we need."""
    if not path.is_file():
        raise BadInput(f"ground truth file {path} does not exist", field="ground_truth")
    try:
        truth = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(
            f"ground truth file {path} is not a CSV: {exc}", field="ground_truth"
        ) from None
    missing = [c for c in GROUND_TRUTH_COLUMNS if c not in truth]
    if missing:
        raise BadInput(
            f"ground truth file {path.name} lacks column(s) {', '.join(missing)} "
            "(expected ground_truth_devices.csv from drillwatch simulate)",
            field="ground_truth",
        )
    return truth


def ground_truth_metrics(predicted: pd.Series, truth: pd.DataFrame, end: Any) -> dict[str, Any]:
    """Accuracy, precision and recall of ``predicted`` against faults begun by ``end``."""
    onset = pd.to_datetime(truth["onset_ts"].replace("", None), utc=True, errors="coerce")
    faulty = ~truth["fault_type"].str.lower().isin(NO_FAULT) & (
        onset <= pd.Timestamp(end, tz="UTC")
    )
    actual = pd.Series(faulty.to_numpy(), index=truth["device_id"].to_numpy())
    common = predicted.index.intersection(actual.index)
    if common.empty:
        raise BadInput("the ground truth names none of the store's devices", field="ground_truth")
    p, a = predicted[common].astype(bool), actual[common].astype(bool)
    tp, fp = int((p & a).sum()), int((p & ~a).sum())
    fn, tn = int((~p & a).sum()), int((~p & ~a).sum())
    return {
        "accuracy": _ratio(tp + tn, len(common)),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "source": "ground_truth",
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "evaluated_devices": len(common),
        "note": "in-sample, per device at the end of the training data; "
        "drillwatch evaluate gives day-by-day figures",
    }


def outcome_metrics(outcomes: Mapping[str, int]) -> dict[str, Any] | None:
    """Precision of operator-judged alerts (accuracy is the same share); None if none judged."""
    precision = precision_of(outcomes)
    if precision is None:
        return None
    judged = sum(int(outcomes.get(k, 0)) for k in ("confirmed_fault", "maintenance_done"))
    judged += int(outcomes.get("false_alarm", 0))
    return {
        "accuracy": round(precision, 4),
        "precision": round(precision, 4),
        "recall": None,
        "source": "operator_outcomes",
        "judged_alerts": judged,
        "note": "share of resolved alerts operators confirmed; recall needs ground truth",
    }


def evaluate_model(
    model: HealthModel,
    frame: pd.DataFrame,
    config: MLConfig,
    ground_truth: Path | None,
    outcomes: Mapping[str, int] | None,
) -> dict[str, Any]:
    """Metrics from ground truth when given, else operator outcomes, else nulls with a note."""
    if ground_truth is not None:
        truth = read_ground_truth(ground_truth)
        end = pd.to_datetime(frame["day"]).max() + pd.Timedelta(days=1)
        return ground_truth_metrics(flagged_devices(model, frame, config), truth, end)
    judged = outcome_metrics(outcomes or {})
    if judged is not None:
        return judged
    return {
        "accuracy": None,
        "precision": None,
        "recall": None,
        "source": None,
        "note": "no ground truth given and no alert resolved by an operator yet",
    }
