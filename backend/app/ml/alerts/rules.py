"""Alert rules as pure functions over frames: one per device and issue, cooldown, caps.

The findings (``findings.day_findings``) say what calls for an alert and how urgently;
``plan_alerts(state, findings, as_of, rules)`` decides which findings open new alerts
and which update the active ones. The SQL service and the in-memory replay both apply
its result, so the rules are the same whatever the store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from app.core.errors import BadInput
from app.ml.alerts.actions import actions_for
from app.ml.config import MLConfig

SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
ISSUE_TYPES = ("motor", "battery", "gps", "telemetry")
KINDS = ("degradation", "offline")
STATUSES = ("open", "acknowledged", "resolved")
ACTIVE = ("open", "acknowledged")
OUTCOMES = ("confirmed_fault", "false_alarm", "maintenance_done")
STATE_COLUMNS = ("alert_id", "device_id", "predicted_issue_type", "status", "resolved_at")
UPDATED_FIELDS = (
    "severity",
    "kind",
    "confidence",
    "predicted_timeframe",
    "predicted_failure_at",
    "predicted_earliest_at",
    "predicted_latest_at",
    "evidence_at",
    "recommended_actions",
    "health_score",
    "health_trend_context",
    "model_version",
)
REQUIRED = ("device_id", "predicted_issue_type", "kind", "severity", "confidence", "health_score")
DATES = ("predicted_failure_at", "predicted_earliest_at", "predicted_latest_at", "evidence_at")


@dataclass(frozen=True)
class AlertRules:
    """How findings become alerts: cooldown and the cap of active alerts per device."""

    cooldown: timedelta = timedelta(hours=24)
    max_per_device: int = 5

    @classmethod
    def from_config(cls, config: MLConfig) -> AlertRules:
        """ALERT_COOLDOWN_HOURS and ALERT_MAX_PER_DEVICE."""
        return cls(cooldown=config.alerts.cooldown, max_per_device=config.alerts.max_per_device)


@dataclass
class Plan:
    """What an evaluation changes: rows to insert, rows to update, findings held back."""

    creates: pd.DataFrame
    updates: pd.DataFrame
    suppressed: dict[str, int] = field(default_factory=dict)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive values are taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def empty_state() -> pd.DataFrame:
    """An alert-state frame with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in STATE_COLUMNS})


def _check_findings(findings: pd.DataFrame) -> None:
    """Fail loudly on a malformed findings frame (a programming error, not user input)."""
    missing = [c for c in REQUIRED if c not in findings]
    if missing:
        raise ValueError(f"findings lack column(s) {', '.join(missing)}")
    for column, allowed in (
        ("predicted_issue_type", ISSUE_TYPES),
        ("severity", SEVERITIES),
        ("kind", KINDS),
    ):
        unknown = set(findings[column]) - set(allowed)
        if unknown:
            raise ValueError(f"unknown {column} {sorted(map(str, unknown))}")


def candidates(findings: pd.DataFrame) -> pd.DataFrame:
    """One finding per device and issue (the most severe), with recommended actions."""
    _check_findings(findings)
    found = findings.copy()
    found["rank"] = pd.Categorical(found["severity"], categories=SEVERITIES).codes
    found = found.sort_values(["rank", "confidence"], ascending=False, kind="stable")
    found = found.drop_duplicates(["device_id", "predicted_issue_type"]).drop(columns="rank")
    found["recommended_actions"] = actions_for(
        found["predicted_issue_type"], found["severity"], found["kind"]
    )
    for column in DATES:  # naive times are UTC, as everywhere in the store
        values = found[column] if column in found else pd.Series(None, index=found.index)
        found[column] = pd.to_datetime(values, utc=True)
    found["model_version"] = found.get("model_version")
    if "predicted_timeframe" not in found:
        found["predicted_timeframe"] = "not predicted"
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
    found = candidates(findings)
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
