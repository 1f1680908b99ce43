"""Alert records as the API and the backtest see them, and plain-value helpers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class AlertRecord:
    """One alert as the API and the backtest see it."""

    alert_id: str
    device_id: str
    severity: str
    predicted_issue_type: str
    predicted_timeframe: str
    recommended_actions: list[str]
    confidence: float
    health_score: float
    health_trend_context: dict[str, Any]
    model_version: str | None
    created_at: datetime
    updated_at: datetime
    status: str
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_notes: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None
    resolution_notes: str | None = None
    kind: str = "degradation"
    evidence_at: datetime | None = None
    predicted_failure_at: datetime | None = None
    predicted_earliest_at: datetime | None = None
    predicted_latest_at: datetime | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[Any, Any]) -> AlertRecord:
        """Build from a dict-like row, turning NaN/NaT into None and numpy into Python."""
        given = {f.name: plain(values.get(f.name)) for f in fields(cls)}
        return cls(**{k: v for k, v in given.items() if v is not None or k != "kind"})

    @classmethod
    def from_model(cls, alert: Any) -> AlertRecord:
        """Build from an ``Alert`` ORM object."""
        return cls(**{f.name: getattr(alert, f.name) for f in fields(cls)})


FIELDS = tuple(f.name for f in fields(AlertRecord))


@dataclass(frozen=True)
class AlertChange:
    """What an evaluation did to one alert."""

    action: Literal["created", "updated"]
    alert: AlertRecord


@dataclass(frozen=True)
class AlertStats:
    """Counts by severity, status, issue type and outcome, and operator-judged precision."""

    total: int
    by_severity: dict[str, int]
    by_status: dict[str, int]
    by_issue_type: dict[str, int]
    outcomes: dict[str, int]
    precision: float | None


def plain(value: Any) -> Any:
    """A JSON- and DB-friendly Python value (None for NaN/NaT), containers included."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NaT or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def rows_of(frame: pd.DataFrame, columns: tuple[str, ...], **fixed: Any) -> list[dict[str, Any]]:
    """Plain dict rows of ``columns`` with ``fixed`` values set on every row."""
    present = [c for c in columns if c in frame and c not in fixed]
    records = frame[present].to_dict("records")
    return [{**{str(k): plain(v) for k, v in r.items()}, **fixed} for r in records]


def precision_of(outcomes: Mapping[str, int]) -> float | None:
    """Share of judged alerts that were right (confirmed fault or maintenance done)."""
    right = outcomes.get("confirmed_fault", 0) + outcomes.get("maintenance_done", 0)
    judged = right + outcomes.get("false_alarm", 0)
    return right / judged if judged else None


def zeros(keys: tuple[str, ...], counts: Mapping[str, int]) -> dict[str, int]:
    """``counts`` over all ``keys``, missing ones as 0."""
    return {key: int(counts.get(key, 0)) for key in keys}
