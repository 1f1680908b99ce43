"""Alerts held in memory: the same rules as the SQL service, for fast day-by-day replays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from app.core.errors import NotFound
from app.ml.alerts.lifecycle import AlertLifecycle, refused
from app.ml.alerts.records import FIELDS, AlertChange, AlertRecord, rows_of
from app.ml.alerts.rules import (
    STATE_COLUMNS,
    UPDATED_FIELDS,
    AlertRules,
    as_utc,
    plan_alerts,
)


class InMemoryAlertService(AlertLifecycle):
    """Evaluate findings without a database (backtest and evaluation)."""

    def __init__(self, rules: AlertRules | None = None) -> None:
        self.rules = rules or AlertRules()
        self._rows: dict[str, dict[str, Any]] = {}

    @property
    def alerts(self) -> pd.DataFrame:
        """Every alert raised so far, one row each, in creation order."""
        return pd.DataFrame(list(self._rows.values()), columns=list(FIELDS))

    def records(self) -> list[AlertRecord]:
        """Every alert as records, in creation order."""
        return [AlertRecord.from_mapping(row) for row in self._rows.values()]

    def _state(self) -> pd.DataFrame:
        """The columns the rules look at, for every alert."""
        rows = [[row[c] for c in STATE_COLUMNS] for row in self._rows.values()]
        return pd.DataFrame(rows, columns=list(STATE_COLUMNS), dtype=object)

    def evaluate(self, findings: pd.DataFrame, as_of: datetime) -> list[AlertChange]:
        """Open or update alerts for ``findings`` as of ``as_of``."""
        if findings.empty:
            return []
        as_of = as_utc(as_of)
        plan = plan_alerts(self._state(), findings, as_of, self.rules)
        fixed = {"created_at": as_of, "updated_at": as_of, "status": "open"}
        created = rows_of(plan.creates, FIELDS, **fixed)
        for row in created:
            self._rows[row["alert_id"]] = {field: row.get(field) for field in FIELDS}
        updated = rows_of(plan.updates, ("alert_id", *UPDATED_FIELDS), updated_at=as_of)
        for row in updated:
            self._rows[row["alert_id"]].update(row)
        return [
            *(AlertChange("created", self._record(r["alert_id"])) for r in created),
            *(AlertChange("updated", self._record(r["alert_id"])) for r in updated),
        ]

    def _record(self, alert_id: str) -> AlertRecord:
        """The alert with this id (NotFound when unknown)."""
        if alert_id not in self._rows:
            raise NotFound(f"alert {alert_id} not found", field="alert_id")
        return AlertRecord.from_mapping(self._rows[alert_id])

    def get_alert(self, alert_id: str) -> AlertRecord:
        """One alert by id (NotFound when unknown)."""
        return self._record(alert_id)

    def _move(
        self, alert_id: str, kind: str, allowed: tuple[str, ...], values: dict[str, Any]
    ) -> AlertRecord:
        """Check the current status, then apply the transition's values."""
        before = self._record(alert_id).status
        if before not in allowed:
            raise refused(alert_id, before, kind)
        self._rows[alert_id].update(values)
        return self._record(alert_id)
