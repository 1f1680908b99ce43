"""Alert rules as pure functions over frames: gates, severity, cooldown, caps, updates.

``plan_alerts(state, findings, as_of, rules)`` decides which findings open new alerts
and which update open ones; the SQL service and the in-memory replay both apply its
result, so the rules are the same whatever the store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from app.core.config import Settings
from app.core.errors import BadInput
from app.ml.alerts.actions import actions_for

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
ISSUE_TYPES = ("motor", "battery", "gps", "telemetry")
STATUSES = ("open", "acknowledged", "resolved")
ACTIVE = ("open", "acknowledged")
OUTCOMES = ("confirmed_fault", "false_alarm", "maintenance_done")
# Which threshold's crossing a severity's timeframe refers to (LOW: the alert gate).
SEVERITY_THRESHOLD = {"LOW": "alert", "MEDIUM": "medium", "HIGH": "high", "CRITICAL": "critical"}
STATE_COLUMNS = ("alert_id", "device_id", "predicted_issue_type", "status", "resolved_at")
UPDATED_FIELDS = (
    "severity",
    "confidence",
    "predicted_timeframe",
    "recommended_actions",
    "health_score",
    "health_trend_context",
    "model_version",
)


@dataclass(frozen=True)
class AlertRules:
    """The alert settings in one place (thresholds are health scores 0..100)."""

    alert_threshold: float = 70.0
    confidence_threshold: float = 0.6
    cooldown: timedelta = timedelta(hours=24)
    max_per_device: int = 5
    medium: float = 70.0
    high: float = 50.0
    critical: float = 30.0
    horizon_days: int = 7

    @classmethod
    def from_settings(cls, settings: Settings, horizon_days: int = 7) -> AlertRules:
        """Rules from ML_ALERT_THRESHOLD, ML_CONFIDENCE_THRESHOLD and the ALERT_* settings."""
        return cls(
            alert_threshold=settings.ml_alert_threshold,
            confidence_threshold=settings.ml_confidence_threshold,
            cooldown=timedelta(hours=settings.alert_cooldown_hours),
            max_per_device=settings.alert_max_per_device,
            medium=settings.medium_alert_threshold,
            high=settings.high_alert_threshold,
            critical=settings.critical_health_threshold,
            horizon_days=horizon_days,
        )

    def threshold(self, severity: str) -> float:
        """The health threshold whose crossing defines ``severity``."""
        return {
            "LOW": self.alert_threshold,
            "MEDIUM": self.medium,
            "HIGH": self.high,
            "CRITICAL": self.critical,
        }[severity]


@dataclass
class Plan:
    """What an evaluation changes: rows to insert, rows to update, findings held back."""

    creates: pd.DataFrame
    updates: pd.DataFrame
    suppressed: dict[str, int] = field(default_factory=dict)


def severity_of(health: np.ndarray, rules: AlertRules) -> np.ndarray:
    """LOW / MEDIUM / HIGH / CRITICAL for each health value (NaN -> LOW)."""
    conditions = [health < rules.critical, health < rules.high, health < rules.medium]
    return np.select(conditions, ["CRITICAL", "HIGH", "MEDIUM"], default="LOW").astype(object)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive values are taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def empty_state() -> pd.DataFrame:
    """An alert-state frame with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in STATE_COLUMNS})


def _timeframes(found: pd.DataFrame, rules: AlertRules) -> pd.Series:
    """The timeframe of each finding's severity threshold, "now" when already below it."""
    chosen = pd.Series(None, index=found.index, dtype=object)
    for severity, name in SEVERITY_THRESHOLD.items():
        if f"timeframe_{name}" in found:
            chosen = chosen.mask(found["severity"] == severity, found[f"timeframe_{name}"])
    limit = found["severity"].map(rules.threshold).to_numpy(float)
    below = found["health_score"].to_numpy(float) < limit
    fallback = np.where(below, "now", f"within {rules.horizon_days} days")
    return chosen.where(chosen.map(lambda v: isinstance(v, str)), fallback)


REQUIRED = ("device_id", "health_score", "confidence", "predicted_issue_type")


def _check_findings(findings: pd.DataFrame) -> None:
    """Fail loudly on a malformed findings frame (a programming error, not user input)."""
    missing = [c for c in REQUIRED if c not in findings]
    if missing:
        raise ValueError(f"findings lack column(s) {', '.join(missing)}")
    unknown = set(findings["predicted_issue_type"]) - set(ISSUE_TYPES)
    if unknown:
        raise ValueError(f"unknown predicted_issue_type {sorted(map(str, unknown))}")


def candidates(findings: pd.DataFrame, rules: AlertRules) -> pd.DataFrame:
    """Findings that pass the confidence and health gates, with severity and timeframe."""
    _check_findings(findings)
    found = findings.copy()
    if "forecast_health" not in found:
        found["forecast_health"] = np.nan
    health = found["health_score"].to_numpy(float)
    worst = np.fmin(health, found["forecast_health"].to_numpy(float))
    found["severity"] = severity_of(worst, rules)
    confident = found["confidence"].to_numpy(float) >= rules.confidence_threshold
    gate: np.ndarray = confident & (worst < rules.alert_threshold) & ~np.isnan(health)
    found["rank"] = pd.Categorical(found["severity"], categories=SEVERITIES).codes
    found = found.loc[gate].sort_values(["rank", "confidence"], ascending=False, kind="stable")
    found = found.drop_duplicates(["device_id", "predicted_issue_type"]).drop(columns="rank")
    found["predicted_timeframe"] = _timeframes(found, rules)
    found["recommended_actions"] = actions_for(found["predicted_issue_type"], found["severity"])
    if "model_version" not in found:
        found["model_version"] = None
    if "health_trend_context" not in found:
        found["health_trend_context"] = pd.Series(
            [{} for _ in range(len(found))], index=found.index, dtype=object
        )
    return found


def _cooled_down(
    new: pd.DataFrame, state: pd.DataFrame, as_of: datetime, rules: AlertRules
) -> np.ndarray:
    """True where no alert of the same device and issue was resolved within the cooldown."""
    resolved = state[state["status"] == "resolved"]
    last = resolved.groupby(["device_id", "predicted_issue_type"])["resolved_at"].max()
    keys = pd.MultiIndex.from_frame(new[["device_id", "predicted_issue_type"]])
    when = pd.to_datetime(pd.Series(last.reindex(keys).to_numpy(), dtype=object), utc=True)
    since = pd.Timestamp(as_of) - when
    result: np.ndarray = (when.isna() | (since >= pd.Timedelta(rules.cooldown))).to_numpy()
    return result


def _under_cap(new: pd.DataFrame, state: pd.DataFrame, rules: AlertRules) -> np.ndarray:
    """True for the new alerts that keep each device within ALERT_MAX_PER_DEVICE active."""
    active = state[state["status"].isin(ACTIVE)].groupby("device_id").size()
    already = active.reindex(new["device_id"]).fillna(0).to_numpy()
    order = new.groupby("device_id", sort=False).cumcount().to_numpy() + 1
    result: np.ndarray = already + order <= rules.max_per_device
    return result


def plan_alerts(
    state: pd.DataFrame, findings: pd.DataFrame, as_of: datetime, rules: AlertRules
) -> Plan:
    """Apply every rule to ``findings`` given the ``state`` of existing alerts (no I/O)."""
    as_of = as_utc(as_of)
    found = candidates(findings, rules)
    active = state.loc[
        state["status"].isin(ACTIVE), ["alert_id", "device_id", "predicted_issue_type"]
    ]
    matched = found.merge(active, on=["device_id", "predicted_issue_type"], how="left")
    is_update = matched["alert_id"].notna().to_numpy()
    updates = matched[is_update].assign(updated_at=as_of)
    new = matched[~is_update]
    cooled = _cooled_down(new, state, as_of, rules)
    capped = _under_cap(new[cooled], state, rules)
    creates = new[cooled][capped].assign(created_at=as_of, updated_at=as_of, status="open")
    creates["alert_id"] = [str(uuid.uuid4()) for _ in range(len(creates))]
    suppressed = {"cooldown": int((~cooled).sum()), "max_per_device": int((~capped).sum())}
    return Plan(creates.reset_index(drop=True), updates.reset_index(drop=True), suppressed)


MAX_NAME = 64
MAX_NOTES = 2000
TRANSITIONS = {"acknowledge": (("open",), "acknowledged"), "resolve": (ACTIVE, "resolved")}


def _text(value: str | None, name: str, limit: int, required: bool) -> str | None:
    """Stripped text, checked for presence and length (BadInput naming ``name``)."""
    if value is None or not value.strip():
        if required:
            raise BadInput(f"{name} is required", field=name)
        return None
    if len(value) > limit:
        raise BadInput(f"{name} is longer than {limit} characters", field=name)
    return value.strip()


def transition_values(
    kind: str, by: str, outcome: str | None, notes: str | None, at: datetime
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Statuses a transition may start from and the column values it sets (validated)."""
    allowed, target = TRANSITIONS[kind]
    who = _text(by, "by", MAX_NAME, required=True)
    text = _text(notes, "notes", MAX_NOTES, required=False)
    if kind == "acknowledge":
        values = {"acknowledged_by": who, "acknowledged_at": at, "acknowledged_notes": text}
    elif outcome not in OUTCOMES:
        raise BadInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    else:
        values = {"resolved_by": who, "resolved_at": at, "outcome": outcome}
        values["resolution_notes"] = text
    return allowed, {**values, "status": target, "updated_at": at}
