"""Alert rules, the same in the SQL service and the in-memory replay, and findings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings, load_settings
from app.ml.alerts.predictive_alerts import (
    AlertChange,
    AlertRecord,
    InMemoryAlertService,
    PredictiveAlertService,
)
from app.ml.alerts.rules import AlertRules
from app.ml.config import MLConfig

T0 = datetime(2025, 6, 30, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Service(Protocol):
    def evaluate(self, findings: pd.DataFrame, as_of: datetime) -> list[AlertChange]: ...
    def resolve(
        self,
        alert_id: str,
        by: str,
        outcome: str,
        notes: str | None = ...,
        at: datetime | None = ...,
    ) -> AlertRecord: ...
    def acknowledge(
        self, alert_id: str, by: str, notes: str | None = ..., at: datetime | None = ...
    ) -> AlertRecord: ...


Make = Callable[..., Service]


@pytest.fixture(params=["sql", "memory"])
def make(request: pytest.FixtureRequest, settings: Settings) -> Make:
    """Builds the service under test with setting overrides, in both storage modes."""

    def rules(**overrides: Any) -> AlertRules:
        return AlertRules.from_config(MLConfig.from_settings(load_settings(**overrides)))

    if request.param == "memory":
        return lambda **overrides: InMemoryAlertService(rules(**overrides))
    sessions = request.getfixturevalue("factory")
    return lambda **overrides: PredictiveAlertService(rules(**overrides), sessions)


SEVERITY_OF = {20.0: "CRITICAL", 40.0: "HIGH", 60.0: "MEDIUM"}


def findings(*rows: dict[str, Any]) -> pd.DataFrame:
    """A findings frame; each row defaults to a confident motor degradation at health 60."""
    base = {"device_id": "dev-1", "health_score": 60.0, "confidence": 0.9, "kind": "degradation"}
    full = [{**base, "predicted_issue_type": "motor", **row} for row in rows]
    for row in full:
        row.setdefault("severity", SEVERITY_OF.get(row["health_score"], "MEDIUM"))
    return pd.DataFrame(full)


def alerted(changes: list[AlertChange]) -> dict[str, AlertRecord]:
    return {c.alert.device_id: c.alert for c in changes}


def test_new_finding_updates_the_open_alert_instead_of_duplicating(make: Make) -> None:
    service = make()
    first = service.evaluate(findings({"health_score": 60.0, "confidence": 0.7}), T0)[0]
    later = T0 + timedelta(days=1)
    worse = {"health_score": 40.0, "confidence": 0.95, "health_trend_context": {"slope": -2}}
    second = service.evaluate(findings(worse), later)
    assert [c.action for c in second] == ["updated"]
    alert = second[0].alert
    assert alert.alert_id == first.alert.alert_id
    assert (alert.severity, alert.confidence, alert.health_score) == ("HIGH", 0.95, 40.0)
    assert alert.health_trend_context == {"slope": -2}
    assert (alert.created_at, alert.updated_at) == (T0, later)
    assert first.alert.severity == "MEDIUM"


def test_an_acknowledged_alert_is_updated_and_stays_acknowledged(make: Make) -> None:
    service = make()
    created = service.evaluate(findings({}), T0)[0].alert
    service.acknowledge(created.alert_id, "alice", at=T0 + HOUR)
    changes = service.evaluate(findings({"health_score": 20.0}), T0 + 2 * HOUR)
    assert [(c.action, c.alert.status, c.alert.severity) for c in changes] == [
        ("updated", "acknowledged", "CRITICAL")
    ]


def test_another_issue_on_the_same_device_opens_its_own_alert(make: Make) -> None:
    service = make()
    service.evaluate(findings({"predicted_issue_type": "motor"}), T0)
    changes = service.evaluate(findings({"predicted_issue_type": "battery"}), T0 + HOUR)
    assert [(c.action, c.alert.predicted_issue_type) for c in changes] == [("created", "battery")]


def _resolved_motor_alert(service: Service) -> datetime:
    """Raise and resolve one motor alert on dev-1; returns when it was resolved."""
    alert = service.evaluate(findings({}), T0)[0].alert
    service.resolve(alert.alert_id, "alice", "maintenance_done", at=T0 + HOUR)
    return T0 + HOUR


def test_cooldown_holds_back_a_new_alert_after_resolution(make: Make) -> None:
    service = make()
    resolved = _resolved_motor_alert(service)
    assert service.evaluate(findings({}), resolved + timedelta(hours=23, minutes=59)) == []
    other_issue = service.evaluate(findings({"predicted_issue_type": "gps"}), resolved + HOUR)
    assert [c.action for c in other_issue] == ["created"]
    again = service.evaluate(findings({}), resolved + timedelta(hours=24))
    assert [(c.action, c.alert.predicted_issue_type) for c in again] == [("created", "motor")]


@pytest.mark.parametrize(("hours", "held_at", "free_at"), [(2, 1.9, 2.0), (0, None, 0.0)])
def test_alert_cooldown_hours_sets_the_cooldown(
    make: Make, hours: int, held_at: float | None, free_at: float
) -> None:
    service = make(alert_cooldown_hours=hours)
    resolved = _resolved_motor_alert(service)
    if held_at is not None:
        assert service.evaluate(findings({}), resolved + held_at * HOUR) == []
    assert len(service.evaluate(findings({}), resolved + free_at * HOUR)) == 1


def test_at_most_alert_max_per_device_are_active(make: Make) -> None:
    batch = findings(
        {"predicted_issue_type": "motor", "health_score": 40.0},
        {"predicted_issue_type": "battery", "health_score": 60.0},
        {"predicted_issue_type": "gps", "health_score": 20.0},
        {"device_id": "dev-2"},
    )
    service = make(alert_max_per_device=2)
    first = [(c.alert.device_id, c.alert.predicted_issue_type) for c in service.evaluate(batch, T0)]
    assert sorted(first) == [("dev-1", "gps"), ("dev-1", "motor"), ("dev-2", "motor")]
    again = {
        (c.alert.device_id, c.alert.predicted_issue_type): c
        for c in service.evaluate(batch, T0 + HOUR)
    }
    assert {c.action for c in again.values()} == {"updated"}
    motor = again["dev-1", "motor"].alert
    service.resolve(motor.alert_id, "alice", "confirmed_fault", at=T0 + 2 * HOUR)
    later = service.evaluate(batch, T0 + 3 * HOUR)
    assert ("created", "battery") in [(c.action, c.alert.predicted_issue_type) for c in later]
    fresh = batch.assign(device_id=batch["device_id"] + "-b")
    assert len(make().evaluate(fresh, T0)) == 4  # the default cap (5) holds none back


def test_recommended_actions_are_concrete_per_issue_and_severity(make: Make) -> None:
    issues = ("motor", "battery", "gps", "telemetry")
    batch = findings(
        *(
            {"device_id": f"{i}-{h}", "predicted_issue_type": i, "health_score": h}
            for i in issues
            for h in (60.0, 20.0)
        ),
        {"device_id": "gone", "predicted_issue_type": "battery", "kind": "offline"},
    )
    actions = {d: a.recommended_actions for d, a in alerted(make().evaluate(batch, T0)).items()}
    assert "Inspect motor brushes and bearings; check drill bit wear" in actions["motor-60.0"]
    assert any("battery" in a for a in actions["battery-20.0"])
    assert any("GPS" in a for a in actions["gps-60.0"])
    assert any("radio" in a for a in actions["telemetry-60.0"])
    for issue in issues:
        assert actions[f"{issue}-60.0"] != actions[f"{issue}-20.0"]
    assert actions["gone"][0].startswith("Recharge or replace the pod battery")


def test_created_at_is_the_as_of_clock_and_naive_times_are_utc(make: Make) -> None:
    alert = make().evaluate(findings({}), datetime(2025, 6, 1, 12, 0))[0].alert
    assert alert.created_at == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert alert.status == "open"


def test_numpy_values_in_the_context_are_stored_as_plain_json(make: Make) -> None:
    context = {"slope": np.float64(-1.5), "scores": np.array([60.0, np.nan]), "n": np.int64(3)}
    alert = make().evaluate(findings({"health_trend_context": context}), T0)[0].alert
    assert alert.health_trend_context == {"slope": -1.5, "scores": [60.0, None], "n": 3}


def test_findings_with_an_unknown_issue_type_are_refused(make: Make) -> None:
    with pytest.raises(ValueError, match="unknown predicted_issue_type"):
        make().evaluate(findings({"predicted_issue_type": "engine"}), T0)
    with pytest.raises(ValueError, match="unknown kind"):
        make().evaluate(findings({"kind": "rumour"}), T0)


def test_evidence_time_and_predicted_dates_are_kept_and_updated(make: Make) -> None:
    service = make()
    seen = datetime(2025, 6, 29, 15, 30)
    due = datetime(2025, 7, 9, 12, 0)
    row = {"evidence_at": seen, "predicted_failure_at": due, "predicted_timeframe": "around"}
    alert = service.evaluate(findings(row), T0)[0].alert
    assert (alert.evidence_at, alert.predicted_failure_at) == (
        seen.replace(tzinfo=UTC),
        due.replace(tzinfo=UTC),
    )
    sooner = {**row, "predicted_failure_at": due - timedelta(days=3), "kind": "offline"}
    updated = service.evaluate(findings(sooner), T0 + HOUR)[0].alert
    assert updated.predicted_failure_at == (due - timedelta(days=3)).replace(tzinfo=UTC)
    assert updated.kind == "offline"


def test_in_memory_replay_raises_the_same_alerts_as_the_sql_service(
    factory: sessionmaker[Session],
) -> None:
    rules = AlertRules(max_per_device=1)
    sql, memory = PredictiveAlertService(rules, factory), InMemoryAlertService(rules)
    rng = np.random.default_rng(5)
    devices = [f"dev-{i}" for i in range(20)]
    for day in range(10):
        batch = findings(
            *(
                {
                    "device_id": d,
                    "health_score": float(rng.uniform(20, 90)),
                    "confidence": float(rng.uniform(0.6, 1.0)),
                    "severity": str(rng.choice(["MEDIUM", "HIGH", "CRITICAL"])),
                    "predicted_issue_type": str(rng.choice(["motor", "battery", "gps"])),
                }
                for d in devices
            )
        )
        for service in (sql, memory):
            service.evaluate(batch, T0 + timedelta(days=day))
    keys = ["device_id", "predicted_issue_type", "severity", "created_at", "updated_at"]
    stored, _ = sql.list_alerts(limit=500)
    from_sql = sorted(tuple(getattr(a, k) for k in keys) for a in stored)
    from_memory = sorted(tuple(getattr(a, k) for k in keys) for a in memory.records())
    assert from_sql == from_memory
    assert len(from_sql) >= 20
