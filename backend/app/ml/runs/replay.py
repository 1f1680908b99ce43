"""The day-by-day replay of an evidence frame: fit on the past, score, alert.

Every ``refit_every`` days after a warm-up, a health model is fitted on the fleet's
days before that day; it scores the following days as the live run does (the evidence
frame is causal: a device-day's row reads data up to the end of that day only, so
slicing one frame computed over the whole history equals computing it each day), and
``raise_day_alerts`` (the function the live run calls) turns each day's scores into
alerts, at the clock the live server would have had: the latest sample of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.core.errors import BadInput
from app.ml.alerts.memory import InMemoryAlertService
from app.ml.alerts.records import AlertChange, AlertRecord
from app.ml.alerts.rules import AlertRules
from app.ml.config import COMPONENTS, MLConfig
from app.ml.models.health_scoring import HealthModel
from app.ml.models.scoring import score_frame
from app.ml.runs.scoring import raise_day_alerts

HEALTH_COLUMNS = [
    "device_id",
    "date",
    "health_score",
    *COMPONENTS,
    "confidence",
    "status",
    "active",
]
ALERT_COLUMNS = [
    "alert_id",
    "device_id",
    "created_at",
    "evidence_at",
    "predicted_issue_type",
    "kind",
    "severity",
    "confidence",
    "predicted_timeframe",
    "predicted_failure_at",
    "health_score",
    "component_scores",
    "last_updated_at",
    "last_severity",
    "last_kind",
]


@dataclass(frozen=True)
class BacktestConfig:
    """Warm-up and refit cadence of the replay."""

    warmup_days: int = 7
    refit_every: int = 7

    def __post_init__(self) -> None:
        if self.warmup_days < 1:
            raise BadInput("warm-up must be at least one day", field="warmup_days")
        if self.refit_every < 1:
            raise BadInput("refit cadence must be at least one day", field="refit_every")


def day_end(day: date) -> datetime:
    """The last second of ``day`` (UTC, naive)."""
    return datetime(day.year, day.month, day.day) + timedelta(days=1, seconds=-1)


def clocks(frame: pd.DataFrame) -> dict[date, datetime]:
    """Per day, the latest sample the fleet had sent by its end (the live server's clock)."""
    per_day = frame.groupby("day")["last_ts"].max().sort_index().cummax()
    result: dict[date, datetime] = {}
    for day, stamp in zip(per_day.index, per_day.to_numpy(), strict=True):
        moment = pd.Timestamp(day)
        result[moment.date()] = (
            day_end(moment.date()) if pd.isna(stamp) else pd.Timestamp(stamp).to_pydatetime()
        )
    return result


@dataclass(frozen=True)
class ReplayOutput:
    """Alerts as first raised, the daily health, models fitted and the last one."""

    alerts: pd.DataFrame
    health: pd.DataFrame
    scored: pd.DataFrame
    fits: int
    model: HealthModel | None = None


class Replay:
    """Walks the days of an evidence frame, fitting, scoring and alerting causally."""

    def __init__(self, frame: pd.DataFrame, config: MLConfig, backtest: BacktestConfig):
        self.frame = frame
        self.config = config
        self.backtest = backtest
        self.alerts = InMemoryAlertService(AlertRules.from_config(config))
        self.days = sorted(pd.to_datetime(frame["day"]).dt.date.unique())
        self.clock = clocks(frame)
        self.model: HealthModel | None = None
        self.fits = 0
        self.first: dict[str, AlertRecord] = {}
        self.scored: list[pd.DataFrame] = []

    def blocks(self) -> list[list[date]]:
        """Runs of days scored by one model."""
        step = self.backtest.refit_every
        start = self.backtest.warmup_days
        return [self.days[i : i + step] for i in range(start, len(self.days), step)]

    def run_block(self, days: list[date]) -> None:
        """Refit on the days before ``days``, then score and alert each of them."""
        self._refit(days[0])
        if self.model is None:
            return
        last = pd.Timestamp(days[-1])
        history = self.frame[self.frame["day"] <= last]
        scored = score_frame(self.model.assess(history, self.config, days[0]), history, self.config)
        self.scored.append(scored)
        for day in days:
            rows = scored[scored["day"] == pd.Timestamp(day)]
            _, changes = raise_day_alerts(
                self.alerts, rows, self.clock[day], self.config, f"replay-{days[0]}"
            )
            self._remember(changes)

    def _refit(self, day: date) -> None:
        past = self.frame[self.frame["day"] < pd.Timestamp(day)]
        try:
            self.model = HealthModel().fit(past)
            self.fits += 1
        except BadInput:
            pass  # too little history yet: keep the last model (or none)

    def _remember(self, changes: list[AlertChange]) -> None:
        for change in changes:
            if change.action == "created":
                self.first[change.alert.alert_id] = change.alert

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
    """One row per alert: its values when first raised, plus its latest severity and kind."""
    rows = []
    for record in records:
        born = first[record.alert_id]
        context = born.health_trend_context or {}
        rows.append(
            {
                "alert_id": born.alert_id,
                "device_id": born.device_id,
                "created_at": born.created_at,
                "evidence_at": born.evidence_at,
                "predicted_issue_type": born.predicted_issue_type,
                "kind": born.kind,
                "severity": born.severity,
                "confidence": born.confidence,
                "predicted_timeframe": born.predicted_timeframe,
                "predicted_failure_at": born.predicted_failure_at,
                "health_score": round(born.health_score, 2),
                "component_scores": context.get("component_scores", {}),
                "last_updated_at": record.updated_at,
                "last_severity": record.severity,
                "last_kind": record.kind,
            }
        )
    return pd.DataFrame(rows, columns=ALERT_COLUMNS)


def replay(
    frame: pd.DataFrame, config: MLConfig, backtest: BacktestConfig, progress: bool = False
) -> ReplayOutput:
    """Replay an evidence frame day by day."""
    run = Replay(frame, config, backtest)
    blocks = run.blocks()
    with _progress(progress) as bar:
        task = bar.add_task("Replaying days", total=sum(len(b) for b in blocks))
        for block in blocks:
            run.run_block(block)
            bar.update(task, advance=len(block))
    alerts = alert_rows(run.alerts.records(), run.first)
    scored = pd.concat(run.scored, ignore_index=True) if run.scored else pd.DataFrame()
    return ReplayOutput(alerts, run.health(), scored, run.fits, run.model)


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
