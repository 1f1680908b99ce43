"""The day-by-day replay of a daily feature frame: fit on the past, score, alert.

For each day ``d`` after a warm-up, a health model is fitted on the fleet's days before
``d`` (every ``refit_every`` days). As the live scoring run does with its model, that
model scores the forecast window ending at ``d``, and ``raise_day_alerts`` (the function
the live run calls) turns those scores into the day's alerts, with the clock at the end
of ``d``. The features are causal (the row for ``d`` reads data up to the end of ``d``
only), so slicing one frame computed over the whole history is the same as computing
it each day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.core.config import Settings
from app.core.errors import BadInput
from app.ml.alerts.forecast import ForecastConfig
from app.ml.alerts.memory import InMemoryAlertService
from app.ml.alerts.records import AlertChange, AlertRecord
from app.ml.alerts.trajectory import CONFIRM_DAYS, raise_day_alerts, window_of, with_measured
from app.ml.models.feature_specs import COMPONENTS
from app.ml.models.health_scoring import HealthModel, HealthScoringService

HEALTH_COLUMNS = ["device_id", "date", "health_score", *COMPONENTS, "confidence", "status"]
ALERT_COLUMNS = [
    "alert_id",
    "device_id",
    "created_at",
    "predicted_issue_type",
    "severity",
    "confidence",
    "predicted_timeframe",
    "health_score",
    "component_scores",
    "last_updated_at",
    "last_severity",
]


@dataclass(frozen=True)
class BacktestConfig:
    """Warm-up, refit cadence and the forecast used by the replay."""

    warmup_days: int = 7
    refit_every: int = 1
    confirm_days: int = CONFIRM_DAYS
    forecast: ForecastConfig = field(default_factory=ForecastConfig)

    def __post_init__(self) -> None:
        if self.warmup_days < 1:
            raise BadInput("warm-up must be at least one day", field="warmup_days")
        if self.refit_every < 1:
            raise BadInput("refit cadence must be at least one day", field="refit_every")
        if self.confirm_days < 1:
            raise BadInput("confirmation needs at least one day", field="confirm_days")


def day_end(day: date) -> datetime:
    """The replay clock for ``day``: its last second, UTC (naive)."""
    return datetime(day.year, day.month, day.day) + timedelta(days=1, seconds=-1)


class Replay:
    """Walks the days of a feature frame, fitting, scoring and alerting causally."""

    def __init__(self, features: pd.DataFrame, settings: Settings, config: BacktestConfig):
        self.features = features
        self.settings = settings
        self.config = config
        self.alerts = InMemoryAlertService(settings, config.forecast.horizon_days)
        self.days = sorted(pd.to_datetime(features["day"]).dt.date.unique())
        self.model: HealthModel | None = None
        self.scored: list[pd.DataFrame] = []
        self.fits = 0

    def step(self, index: int) -> list[AlertChange]:
        """Replay day number ``index``: refit if due, score the window, raise the day's alerts."""
        day = self.days[index]
        stamp = pd.Timestamp(day)
        if self.model is None or (index - self.config.warmup_days) % self.config.refit_every == 0:
            fitted = self._fit(stamp)
            self.fits += fitted is not None
            self.model = fitted or self.model
        if self.model is None:
            return []
        window = window_of(self.features, day, self.config.forecast.window_days)
        scoring = HealthScoringService(self.settings, self.model)
        scored = with_measured(scoring.score(window), window)
        self.scored.append(scored[(scored["day"] == stamp).to_numpy()])
        _, changes = raise_day_alerts(
            self.alerts,
            scored,
            day,
            day_end(day),
            self.settings,
            config=self.config.forecast,
            confirm_days=self.config.confirm_days,
        )
        return changes

    def _fit(self, stamp: pd.Timestamp) -> HealthModel | None:
        """A model fitted on the fleet's days before ``stamp`` (None while too little)."""
        past = self.features[self.features["day"] < stamp]
        try:
            return HealthModel.from_settings(self.settings).fit(past)
        except BadInput:
            return None

    def health(self) -> pd.DataFrame:
        """Every scored device-day, as the model of that day saw it."""
        if not self.scored:
            return pd.DataFrame(columns=HEALTH_COLUMNS)
        frame = pd.concat(self.scored, ignore_index=True)
        frame["date"] = pd.to_datetime(frame["day"]).dt.strftime("%Y-%m-%d")
        return frame[HEALTH_COLUMNS].round(
            dict.fromkeys(("health_score", *COMPONENTS), 2) | {"confidence": 4}
        )


def alert_rows(records: list[AlertRecord], first: dict[str, AlertRecord]) -> pd.DataFrame:
    """One row per alert: its values when first raised, plus its latest severity."""
    rows = []
    for record in records:
        born = first[record.alert_id]
        context = born.health_trend_context or {}
        rows.append(
            {
                "alert_id": born.alert_id,
                "device_id": born.device_id,
                "created_at": born.created_at,
                "predicted_issue_type": born.predicted_issue_type,
                "severity": born.severity,
                "confidence": born.confidence,
                "predicted_timeframe": born.predicted_timeframe,
                "health_score": round(born.health_score, 2),
                "component_scores": context.get("component_scores", {}),
                "last_updated_at": record.updated_at,
                "last_severity": record.severity,
            }
        )
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


@dataclass(frozen=True)
class ReplayOutput:
    """Alerts as first raised, the daily health, models fitted and the last day's model."""

    alerts: pd.DataFrame
    health: pd.DataFrame
    fits: int
    model: HealthModel | None = None


def replay(
    features: pd.DataFrame, settings: Settings, config: BacktestConfig, progress: bool = False
) -> ReplayOutput:
    """Replay a daily feature frame day by day."""
    run = Replay(features, settings, config)
    first: dict[str, AlertRecord] = {}
    with _progress(progress) as bar:
        task = bar.add_task("Replaying days", total=max(len(run.days) - config.warmup_days, 0))
        for index in range(config.warmup_days, len(run.days)):
            for change in run.step(index):
                if change.action == "created":
                    first[change.alert.alert_id] = change.alert
            bar.update(task, advance=1)
    alerts = alert_rows(run.alerts.records(), first)
    return ReplayOutput(alerts, run.health(), run.fits, run.model)


def _progress(enabled: bool) -> Progress:
    """Days replayed and elapsed time, on stderr."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )
