"""Metrics of a trained model: against simulator ground truth, else operators' alert outcomes.

With ground truth (``ground_truth_devices.csv`` from ``drillwatch simulate``) each device
is a case: it is flagged when, at the end of the training data, its status is watch,
degraded, critical or offline_likely_failed, or the day's findings call for an alert;
it is faulty when its injected fault began by then. These are
in-sample figures (the model saw the same data); ``drillwatch evaluate`` gives the
honest day-by-day ones. Without ground truth, operators' verdicts are the labels: each
judged alert inside the training data is a case on its evidence day, faulty when it was
resolved as a confirmed fault or maintenance done, and flagged when the new model calls
for an alert on that part of that device that day. With no judged alert inside the data,
the precision of the previous model's resolved alerts is recorded instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from app.core.errors import BadInput
from app.ml.alerts.findings import day_findings
from app.ml.alerts.outcomes import OutcomeLabel
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
    return {
        **_confusion_metrics(predicted[common], actual[common]),
        "source": "ground_truth",
        "evaluated_devices": len(common),
        "note": "in-sample, per device at the end of the training data; "
        "drillwatch evaluate gives day-by-day figures",
    }


def _confusion_metrics(predicted: Any, actual: Any) -> dict[str, Any]:
    """Accuracy, precision, recall and the confusion counts of paired yes/no calls."""
    p, a = np.asarray(predicted, dtype=bool), np.asarray(actual, dtype=bool)
    tp, fp = int((p & a).sum()), int((p & ~a).sum())
    fn, tn = int((~p & a).sum()), int((~p & ~a).sum())
    return {
        "accuracy": _ratio(tp + tn, len(p)),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
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


def alert_calls(
    model: HealthModel, frame: pd.DataFrame, config: MLConfig, since: Any
) -> tuple[set[tuple[str, Any]], set[tuple[str, str, Any]]]:
    """The (device, day) pairs scored from ``since`` on, and the (device, part, day) alerts
    the model calls for on them."""
    scored = model.score(frame, config, keep_from=since)
    days = pd.to_datetime(scored["day"]).dt.date
    called: set[tuple[str, str, Any]] = set()
    for day, rows in scored.groupby(days):
        found = day_findings(rows, config, None)
        called |= {
            (str(d), str(i), day)
            for d, i in zip(found["device_id"], found["predicted_issue_type"], strict=True)
        }
    return set(zip(scored["device_id"].astype(str), days, strict=True)), called


def label_metrics(
    model: HealthModel, frame: pd.DataFrame, config: MLConfig, labels: Sequence[OutcomeLabel]
) -> dict[str, Any] | None:
    """The new model against operators' verdicts (None when no verdict is inside the data)."""
    days = pd.to_datetime(frame["day"]).dt.date
    inside = [x for x in labels if days.min() <= x.day <= days.max()]
    if not inside:
        return None
    scored, called = alert_calls(model, frame, config, min(x.day for x in inside))
    cases = [x for x in inside if (x.device_id, x.day) in scored]
    if not cases:
        return None
    predicted = [(x.device_id, x.issue_type, x.day) in called for x in cases]
    return {
        **_confusion_metrics(predicted, [x.faulty for x in cases]),
        "source": "operator_labels",
        "judged_alerts": len(cases),
        "note": "in-sample, on the evidence days of alerts operators resolved: confirmed "
        "fault or maintenance done is a fault, false alarm is none",
    }


def evaluate_model(
    model: HealthModel,
    frame: pd.DataFrame,
    config: MLConfig,
    ground_truth: Path | None,
    outcomes: Mapping[str, int] | None,
    labels: Sequence[OutcomeLabel] = (),
) -> dict[str, Any]:
    """Metrics from ground truth when given, else operators' verdicts as labels, else the
    previous model's operator precision, else nulls with a note."""
    if ground_truth is not None:
        truth = read_ground_truth(ground_truth)
        end = pd.to_datetime(frame["day"]).max() + pd.Timedelta(days=1)
        return ground_truth_metrics(flagged_devices(model, frame, config), truth, end)
    labelled = label_metrics(model, frame, config, labels)
    previous = outcome_metrics(outcomes or {})
    if labelled is not None:
        if previous is not None:
            labelled["previous_model_precision"] = previous["precision"]
        return labelled
    judged = previous
    if judged is not None:
        return judged
    return {
        "accuracy": None,
        "precision": None,
        "recall": None,
        "source": None,
        "note": "no ground truth given and no alert resolved by an operator yet",
    }
