"""Routing preview: which rules an existing or imagined alert would hit, whom it would
tell, and whether a silence or another alert would hold it back (no side effects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import BadInput, NotFound
from app.db.models_alerts import Alert
from app.notifications import repository
from app.notifications.config import NotifyConfig
from app.notifications.detection import ACTIVE, Hold
from app.notifications.pipeline import current_holds
from app.notifications.routing import AlertFacts, RouteDecision, route

IMAGINED = "preview"


@dataclass(frozen=True)
class Preview:
    """The routing decision for one alert, the channel names, and its hold."""

    facts: AlertFacts
    decision: RouteDecision
    names: dict[int, str]
    hold: Hold | None


def _imagined(device_id: str | None, severity: str | None, issue: str | None, kind: str) -> Alert:
    if device_id is None or severity is None or issue is None:
        raise BadInput("give alert_id, or device_id, severity and issue_type", field="alert_id")
    return Alert(
        alert_id=IMAGINED,
        device_id=device_id,
        severity=severity,
        predicted_issue_type=issue,
        kind=kind,
        status="open",
    )


def preview(
    session: Session,
    config: NotifyConfig,
    at: datetime,
    *,
    alert_id: str | None = None,
    device_id: str | None = None,
    severity: str | None = None,
    issue_type: str | None = None,
    kind: str = "degradation",
) -> Preview:
    """Route the alert at ``at`` against the stored rules, groups and silences."""
    if alert_id is not None:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id} not found", field="alert_id")
    else:
        alert = _imagined(device_id, severity, issue_type, kind)
    groups = repository.group_membership(session)
    others = session.scalars(
        select(Alert).where(
            Alert.device_id == alert.device_id,
            Alert.status.in_(ACTIVE),
            Alert.alert_id != alert.alert_id,
        )
    )
    silences = repository.active_silences(session, at)
    holds = current_holds([alert, *others], silences, groups, at, config)
    facts = AlertFacts(
        alert.device_id,
        alert.severity,
        alert.predicted_issue_type,
        groups.get(alert.device_id, frozenset()),
    )
    decision = route(facts, repository.rules(session), at)
    names = {c.id: c.name for c in repository.all_channels(session)}
    return Preview(facts, decision, names, holds.get(alert.alert_id))
