"""Operators' resolutions as live precision: per model version, per alert type, and both.

An alert resolved as ``confirmed_fault`` or ``maintenance_done`` was right, one resolved
as ``false_alarm`` was wrong; precision is right / judged. Training records the precision
of the alerts raised by the model that was active when it ran (the previous model), and
uses every judged alert as a label (``outcome_labels``) to measure the new model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models_alerts import Alert
from app.ml.alerts.records import precision_of
from app.ml.alerts.rules import OUTCOMES

UNKNOWN_VERSION = "unknown"
CONFIRMED = ("confirmed_fault", "maintenance_done")


@dataclass(frozen=True)
class OutcomeCount:
    """How many alerts of one model version and type were resolved with one outcome."""

    model_version: str
    issue_type: str
    outcome: str
    alerts: int


@dataclass(frozen=True)
class Precision:
    """Judged alerts of one slice (a version, a type, or both) and their precision."""

    model_version: str | None
    issue_type: str | None
    outcomes: dict[str, int]
    judged: int
    precision: float | None


def outcome_counts(session: Session, model_version: str | None = None) -> list[OutcomeCount]:
    """Resolved alerts grouped by model version, issue type and outcome."""
    version = func.coalesce(Alert.model_version, UNKNOWN_VERSION)
    query = (
        select(version, Alert.predicted_issue_type, Alert.outcome, func.count())
        .where(Alert.outcome.is_not(None))
        .group_by(version, Alert.predicted_issue_type, Alert.outcome)
    )
    if model_version is not None:
        query = query.where(Alert.model_version == model_version)
    return [OutcomeCount(str(v), str(i), str(o), int(n)) for v, i, o, n in session.execute(query)]


def _slice(version: str | None, issue: str | None, counts: Iterable[OutcomeCount]) -> Precision:
    outcomes = dict.fromkeys(OUTCOMES, 0)
    for count in counts:
        outcomes[count.outcome] = outcomes.get(count.outcome, 0) + count.alerts
    judged = sum(outcomes.values())
    return Precision(version, issue, outcomes, judged, precision_of(outcomes))


def precision_table(counts: list[OutcomeCount]) -> dict[str, list[Precision]]:
    """Precision by model version, by issue type, and by both (sorted)."""
    versions = sorted({c.model_version for c in counts})
    issues = sorted({c.issue_type for c in counts})
    pairs = sorted({(c.model_version, c.issue_type) for c in counts})
    return {
        "by_model_version": [
            _slice(v, None, [c for c in counts if c.model_version == v]) for v in versions
        ],
        "by_issue_type": [
            _slice(None, i, [c for c in counts if c.issue_type == i]) for i in issues
        ],
        "by_version_and_type": [
            _slice(v, i, [c for c in counts if (c.model_version, c.issue_type) == (v, i)])
            for v, i in pairs
        ],
    }


def outcomes_of(counts: list[OutcomeCount]) -> dict[str, int]:
    """Total alerts per outcome over ``counts``."""
    return _slice(None, None, counts).outcomes


@dataclass(frozen=True)
class OutcomeLabel:
    """An operator's verdict on one alert as a label: a fault of that part on that day?"""

    device_id: str
    issue_type: str
    day: date
    faulty: bool


def _utc_day(moment: datetime) -> date:
    """The UTC calendar day of a moment (naive moments are UTC already)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).date()


def outcome_labels(session: Session) -> list[OutcomeLabel]:
    """Every judged alert (any model version) on the UTC day of its evidence."""
    query = select(
        Alert.device_id,
        Alert.predicted_issue_type,
        func.coalesce(Alert.evidence_at, Alert.created_at),
        Alert.outcome,
    ).where(Alert.outcome.in_((*CONFIRMED, "false_alarm")))
    labels = {
        OutcomeLabel(str(d), str(i), _utc_day(at), o in CONFIRMED)
        for d, i, at, o in session.execute(query)
    }
    return sorted(labels, key=lambda x: (x.day, x.device_id, x.issue_type, x.faulty))
