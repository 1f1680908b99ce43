"""The health trajectory alerts follow, and the one function that turns a day's scores into alerts.

Alerts track the weakest component rather than the weighted overall score: one
failing part pulls the overall only to about 60 (motor, battery) or 80 (GPS), and
telemetry quality is not part of it. Only measured days form the trajectory (a
silent day repeats the last measured features), and a component counts as below a
threshold "now" only when its last ``confirm_days`` measured scores all are, so a
single odd day (one sudden battery drop) does not raise an alert on its own.

``raise_day_alerts`` is shared by the live scoring run and the day-by-day replay, so
the server raises on a day what the backtest raises for that day (same data and model).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Protocol

import numpy as np
import pandas as pd

from app.core.config import Settings
from app.ml.alerts.findings import build_findings
from app.ml.alerts.forecast import ForecastConfig, forecast_health, thresholds_from
from app.ml.alerts.records import AlertChange

COMPONENTS = ("current_stability", "battery_performance", "gps_reliability", "telemetry_quality")
CONFIRM_DAYS = 2
FORECAST = ForecastConfig()


class AlertSink(Protocol):
    """Anything with ``evaluate(findings, as_of)``: the SQL service or the in-memory one."""

    def evaluate(self, findings: pd.DataFrame, as_of: datetime) -> list[AlertChange]:
        """Open or update alerts for ``findings``."""


def weakest(scored: pd.DataFrame) -> pd.Series:
    """Per row, the lowest component score (NaN when none is scored)."""
    return scored[[c for c in COMPONENTS if c in scored]].min(axis=1, skipna=True)


def with_measured(scored: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """``scored`` (row-aligned with ``features``) with their ``active`` flag as ``measured``."""
    measured: np.ndarray = features["active"].to_numpy(dtype=bool)
    return scored.assign(measured=measured)


def alert_trajectory(scored: pd.DataFrame, min_confidence: float = 0.0) -> pd.DataFrame:
    """(device_id, day, health = weakest component, components) over measured days.

    ``scored`` is a score frame of several days; its optional boolean ``measured``
    column marks days the pod reported data. Days not measured, or scored with less
    than ``min_confidence`` (a few samples are shrunk towards normal), are dropped.
    """
    keep = scored["confidence"].to_numpy(dtype=float) >= min_confidence
    if "measured" in scored:
        keep &= scored["measured"].to_numpy(dtype=bool)
    rows = scored[keep]
    columns = ["device_id", "day", *[c for c in COMPONENTS if c in rows]]
    return rows[columns].assign(health=weakest(rows))


def confirmed(trajectory: pd.DataFrame, as_of: date, days: int = CONFIRM_DAYS) -> pd.Series:
    """Per device, the highest of its last ``days`` measured weakest-component scores."""
    upto = trajectory[pd.to_datetime(trajectory["day"]) <= pd.Timestamp(as_of)]
    last = upto.sort_values("day", kind="stable").groupby("device_id").tail(days)
    return last.groupby("device_id")["health"].max()


def alert_findings(
    history: pd.DataFrame,
    today: pd.DataFrame,
    as_of: date,
    thresholds: Mapping[str, float],
    config: ForecastConfig | None = None,
    confirm_days: int = CONFIRM_DAYS,
    min_confidence: float = 0.0,
) -> pd.DataFrame:
    """Findings for the devices scored on ``as_of`` from their scored ``history``.

    ``today`` holds the day's scores (device_id, confidence, silence_unexplained,
    optional model_version); ``history`` the scores of the forecast window. Days
    below ``min_confidence`` (ML_CONFIDENCE_THRESHOLD) stay out of the trajectory.
    """
    config = config or ForecastConfig()
    trajectory = alert_trajectory(history, min_confidence)
    forecast = forecast_health(trajectory, thresholds, config, as_of, list(COMPONENTS))
    scores = pd.DataFrame(
        {
            "device_id": today["device_id"].to_numpy(),
            "confidence": today["confidence"].to_numpy(),
            "telemetry_finding": today["silence_unexplained"].to_numpy(dtype=bool),
        }
    )
    if "model_version" in today:
        scores["model_version"] = today["model_version"].to_numpy()
    health = confirmed(trajectory, as_of, confirm_days)
    scores["health_score"] = scores["device_id"].map(health)
    return build_findings(forecast, scores)


def window_of(scored: pd.DataFrame, as_of: date, days: int) -> pd.DataFrame:
    """The rows of the ``days`` days ending with ``as_of``."""
    stamp = pd.Timestamp(as_of)
    day = pd.to_datetime(scored["day"])
    return scored[((day <= stamp) & (day > stamp - pd.Timedelta(days=days))).to_numpy()]


def day_findings(
    scored: pd.DataFrame,
    as_of: date,
    settings: Settings,
    model_version: str | None = None,
    config: ForecastConfig = FORECAST,
    confirm_days: int = CONFIRM_DAYS,
) -> pd.DataFrame:
    """Findings on ``as_of`` from daily scores up to it (with their ``measured`` flags).

    Only the forecast window ending at ``as_of`` is read, so a caller may pass more
    history (the live run scores FEATURE_WINDOW_SIZE days) or exactly the window.
    """
    window = window_of(scored, as_of, config.window_days)
    today = window[(pd.to_datetime(window["day"]) == pd.Timestamp(as_of)).to_numpy()]
    if model_version is not None:
        today = today.assign(model_version=model_version)
    found = alert_findings(
        window,
        today,
        as_of,
        thresholds_from(settings),
        config,
        confirm_days,
        settings.ml_confidence_threshold,
    )
    # the precision alerts are stored and shown with; rounded before the rules gate on them
    return found.round({"health_score": 2, "confidence": 4})


def raise_day_alerts(
    sink: AlertSink,
    scored: pd.DataFrame,
    as_of: date,
    clock: datetime,
    settings: Settings,
    model_version: str | None = None,
    config: ForecastConfig = FORECAST,
    confirm_days: int = CONFIRM_DAYS,
) -> tuple[pd.DataFrame, list[AlertChange]]:
    """The day's findings and the alerts ``sink`` opens or updates for them at ``clock``."""
    findings = day_findings(scored, as_of, settings, model_version, config, confirm_days)
    return findings, sink.evaluate(findings, clock)
