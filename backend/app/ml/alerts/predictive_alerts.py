"""Predictive alerts: findings -> persisted alerts, and their operator lifecycle.

``PredictiveAlertService`` applies the pure rules of ``app.ml.alerts.rules`` (shared
with ``InMemoryAlertService`` used by the replay) to alerts stored through SQLAlchemy,
logs each transition to ``drillwatch.ml.alerts`` and owns its unit of work, since it
is given a session factory rather than a session.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.core.errors import BadInput, Conflict, NotFound
from app.ml.alerts import outcomes, repository
from app.ml.alerts.lifecycle import AlertLifecycle, refused
from app.ml.alerts.memory import InMemoryAlertService
from app.ml.alerts.records import (
    FIELDS,
    AlertChange,
    AlertRecord,
    AlertStats,
    precision_of,
    rows_of,
    zeros,
)
from app.ml.alerts.rules import (
    ISSUE_TYPES,
    OUTCOMES,
    SEVERITIES,
    STATUSES,
    UPDATED_FIELDS,
    AlertRules,
    Plan,
    as_utc,
    plan_alerts,
)

__all__ = [
    "AlertChange",
    "AlertRecord",
    "AlertStats",
    "InMemoryAlertService",
    "PredictiveAlertService",
]

log = logging.getLogger("drillwatch.ml.alerts")
MAX_PAGE_SIZE = 500


def log_transition(alert: AlertRecord, transition: str, by: str) -> None:
    """One line per lifecycle step in logs/ml/alerts.log."""
    log.info(
        "alert_transition alert_id=%s device_id=%s transition=%s by=%s",
        alert.alert_id,
        alert.device_id,
        transition,
        by,
    )


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    """``value`` if it is one of ``allowed`` (None passes), else BadInput naming ``name``."""
    if value is not None and value not in allowed:
        raise BadInput(f"{name} must be one of {', '.join(allowed)}", field=name)
    return value


class PredictiveAlertService(AlertLifecycle):
    """Alerts persisted through SQLAlchemy (SQLite file or PostgreSQL)."""

    def __init__(self, rules: AlertRules, session_factory: sessionmaker[Session]) -> None:
        self.rules = rules
        self._sessions = session_factory

    def evaluate(self, findings: pd.DataFrame, as_of: datetime) -> list[AlertChange]:
        """Open or update alerts for ``findings`` as of ``as_of`` (the replay clock)."""
        if findings.empty:
            return []
        as_of = as_utc(as_of)
        try:
            plan, changed = self._apply(findings, as_of)
        except IntegrityError:  # a concurrent evaluation opened the same alert: re-plan
            try:
                plan, changed = self._apply(findings, as_of)
            except IntegrityError as exc:
                raise Conflict("alerts changed during evaluation; try again") from exc
        changes = [
            *(AlertChange("created", changed[i]) for i in plan.creates["alert_id"]),
            *(AlertChange("updated", changed[i]) for i in plan.updates["alert_id"]),
        ]
        for change in changes:
            if change.action == "created":
                log_transition(change.alert, "new->open", "system")
        log.debug("alert_evaluation as_of=%s suppressed=%s", as_of.isoformat(), plan.suppressed)
        return changes

    def _apply(
        self, findings: pd.DataFrame, as_of: datetime
    ) -> tuple[Plan, dict[str, AlertRecord]]:
        """Plan against the stored state and write the result in one transaction."""
        rules = self.rules
        devices = [str(d) for d in findings["device_id"].unique()]
        with self._sessions.begin() as session:
            state = repository.load_state(session, devices, as_of - rules.cooldown)
            plan = plan_alerts(state, findings, as_of, rules)
            fixed = {"created_at": as_of, "updated_at": as_of, "status": "open"}
            repository.insert_alerts(session, rows_of(plan.creates, FIELDS, **fixed))
            columns = ("alert_id", *UPDATED_FIELDS)
            repository.update_alerts(session, rows_of(plan.updates, columns, updated_at=as_of))
            ids = [*plan.creates["alert_id"], *plan.updates["alert_id"]]
            stored = repository.fetch(session, ids)
            changed = {a.alert_id: AlertRecord.from_model(a) for a in stored}
        return plan, changed

    def _move(
        self, alert_id: str, kind: str, allowed: tuple[str, ...], values: dict[str, Any]
    ) -> AlertRecord:
        """Move the alert only if its status is still the one we read, and log the step."""
        with self._sessions.begin() as session:
            current = repository.get(session, alert_id)
            if current is None:
                raise NotFound(f"alert {alert_id} not found", field="alert_id")
            before = current.status
            moved = before in allowed and repository.transition(session, alert_id, [before], values)
            if not moved:
                raise refused(alert_id, before, kind)
            session.refresh(current)
            record = AlertRecord.from_model(current)
        by = values.get("acknowledged_by") or values["resolved_by"]
        log_transition(record, f"{before}->{record.status}", by)
        return record

    def get_alert(self, alert_id: str) -> AlertRecord:
        """One alert by id (NotFound when unknown)."""
        with self._sessions() as session:
            alert = repository.get(session, alert_id)
            if alert is None:
                raise NotFound(f"alert {alert_id} not found", field="alert_id")
            return AlertRecord.from_model(alert)

    def list_alerts(
        self,
        limit: int = 50,
        page: int = 1,
        device_id: str | None = None,
        severity: str | None = None,
        status: str | None = None,
    ) -> tuple[list[AlertRecord], int]:
        """A page of alerts (newest first) matching the filters, and the matching total."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise BadInput(f"limit must be between 1 and {MAX_PAGE_SIZE}", field="limit")
        if page < 1:
            raise BadInput("page must be 1 or more", field="page")
        filters = {
            "device_id": device_id,
            "severity": _choice(severity.upper() if severity else None, SEVERITIES, "severity"),
            "status": _choice(status.lower() if status else None, STATUSES, "status"),
        }
        with self._sessions() as session:
            items, total = repository.page(session, filters, limit, (page - 1) * limit)
            return [AlertRecord.from_model(a) for a in items], total

    def stats(self) -> AlertStats:
        """Counts by severity, status, issue type and outcome, and operator precision."""
        with self._sessions() as session:
            severity, status, issue, outcome = (
                repository.counts(session, column)
                for column in ("severity", "status", "predicted_issue_type", "outcome")
            )
        outcomes = zeros(OUTCOMES, outcome)
        return AlertStats(
            total=sum(status.values()),
            by_severity=zeros(SEVERITIES, severity),
            by_status=zeros(STATUSES, status),
            by_issue_type=zeros(ISSUE_TYPES, issue),
            outcomes=outcomes,
            precision=precision_of(outcomes),
        )

    def live_precision(self) -> dict[str, list[outcomes.Precision]]:
        """Operators' verdicts as precision by model version, alert type, and both."""
        with self._sessions() as session:
            return outcomes.precision_table(outcomes.outcome_counts(session))

    def outcome_labels(self) -> list[outcomes.OutcomeLabel]:
        """Operators' verdicts as labels for training (confirmed fault or maintenance: a fault)."""
        with self._sessions() as session:
            return outcomes.outcome_labels(session)

    def outcomes_of_model(self, model_version: str | None) -> dict[str, int]:
        """Resolved alerts per outcome among those raised by ``model_version`` (none: {})."""
        if model_version is None:
            return {}
        with self._sessions() as session:
            return outcomes.outcomes_of(outcomes.outcome_counts(session, model_version))
