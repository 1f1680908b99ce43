"""The operator lifecycle (acknowledge, resolve) shared by the SQL and in-memory services."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from app.core.errors import Conflict
from app.db.base import utcnow
from app.ml.alerts.records import AlertRecord
from app.ml.alerts.rules import as_utc, transition_values


def refused(alert_id: str, status: str, kind: str) -> Conflict:
    """The Conflict for a transition the alert's current status does not allow."""
    return Conflict(f"alert {alert_id} is {status}; cannot {kind} it")


class AlertLifecycle(ABC):
    """Validated transitions; each store only says how to move one alert."""

    def acknowledge(
        self, alert_id: str, by: str, notes: str | None = None, at: datetime | None = None
    ) -> AlertRecord:
        """open -> acknowledged at ``at`` (default: now), recording who and why."""
        return self._transition(alert_id, "acknowledge", by, None, notes, at)

    def resolve(
        self,
        alert_id: str,
        by: str,
        outcome: str,
        notes: str | None = None,
        at: datetime | None = None,
    ) -> AlertRecord:
        """open|acknowledged -> resolved at ``at`` (default: now) with an outcome."""
        return self._transition(alert_id, "resolve", by, outcome, notes, at)

    def _transition(
        self,
        alert_id: str,
        kind: str,
        by: str,
        outcome: str | None,
        notes: str | None,
        at: datetime | None,
    ) -> AlertRecord:
        """Validate the request before the store touches the alert."""
        allowed, values = transition_values(kind, by, outcome, notes, as_utc(at or utcnow()))
        return self._move(alert_id, kind, allowed, values)

    @abstractmethod
    def _move(
        self, alert_id: str, kind: str, allowed: tuple[str, ...], values: dict[str, Any]
    ) -> AlertRecord:
        """Set ``values`` if the alert's status is in ``allowed``, else raise ``refused``."""
