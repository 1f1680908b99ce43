"""Alert rules, the same in the SQL service and the in-memory replay, and findings."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings, load_settings
from app.ml.alerts.forecast import forecast_health, thresholds_from
from app.ml.alerts.predictive_alerts import (
    AlertChange,
    AlertRecord,
    InMemoryAlertService,
    PredictiveAlertService,
    build_findings,
)

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
    if request.param == "memory":
        return lambda **overrides: InMemoryAlertService(load_settings(**overrides))
    sessions = request.getfixturevalue("factory")
    return lambda **overrides: PredictiveAlertService(load_settings(**overrides), sessions)


def findings(*rows: dict[str, Any]) -> pd.DataFrame:
    """A findings frame; each row defaults to a confident motor finding at health 60."""
    base = {"device_id": "dev-1", "health_score": 60.0, "confidence": 0.9}
    return pd.DataFrame([{**base, "predicted_issue_type": "motor", **row} for row in rows])


def alerted(changes: list[AlertChange]) -> dict[str, AlertRecord]:
    return {c.alert.device_id: c.alert for c in changes}


def test_confidence_gate_uses_ml_confidence_threshold(make: Make) -> None:
    batch = findings({"device_id": "a", "confidence": 0.59}, {"device_id": "b", "confidence": 0.6})
    assert set(alerted(make().evaluate(batch, T0))) == {"b"}
    assert set(alerted(make(ml_confidence_threshold=0.5).evaluate(batch, T0))) == {"a", "b"}


def test_health_gate_uses_now_or_the_forecast_against_ml_alert_threshold(make: Make) -> None:
    batch = findings(
        {"device_id": "below", "health_score": 69.9},
        {"device_id": "at", "health_score": 70.0},
        {"device_id": "heading", "health_score": 80.0, "forecast_health": 65.0},
        {"device_id": "fine", "health_score": 80.0, "forecast_health": 75.0},
    )
    result = alerted(make().evaluate(batch, T0))
    assert set(result) == {"below", "heading"}
    assert result["heading"].severity == "MEDIUM"
    wider = alerted(make(ml_alert_threshold=80).evaluate(batch, T0))
    assert set(wider) == {"below", "at", "heading", "fine"}
    assert wider["at"].severity == "LOW"


@pytest.mark.parametrize(
    ("health", "forecast", "severity"),
    [
        (29.9, None, "CRITICAL"),
        (30.0, None, "HIGH"),
        (49.9, None, "HIGH"),
        (50.0, None, "MEDIUM"),
        (69.9, None, "MEDIUM"),
        (60.0, 25.0, "CRITICAL"),
        (45.0, 55.0, "HIGH"),
    ],
)
def test_severity_is_the_worse_of_now_and_forecast_by_the_default_thresholds(
    make: Make, health: float, forecast: float | None, severity: str
) -> None:
    row = {"health_score": health, "forecast_health": np.nan if forecast is None else forecast}
    assert make().evaluate(findings(row), T0)[0].alert.severity == severity


def test_severity_thresholds_come_from_settings(make: Make) -> None:
    service = make(critical_health_threshold=40, high_alert_threshold=55, medium_alert_threshold=65)
    batch = findings(*({"device_id": str(h), "health_score": h} for h in (38.0, 45.0, 60.0, 68.0)))
    result = {d: a.severity for d, a in alerted(service.evaluate(batch, T0)).items()}
    assert result == {"38.0": "CRITICAL", "45.0": "HIGH", "60.0": "MEDIUM", "68.0": "LOW"}


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


def test_timeframe_is_that_of_the_severity_threshold(make: Make) -> None:
    forecast = {"timeframe_medium": "now", "timeframe_high": "1-2 days"}
    batch = findings(
        {
            "device_id": "falling",
            "forecast_health": 25.0,
            **forecast,
            "timeframe_critical": "4-6 days",
        },
        {
            "device_id": "low",
            "health_score": 45.0,
            "forecast_health": 48.0,
            "timeframe_high": "now",
        },
        {"device_id": "bare", "health_score": 45.0},
        {"device_id": "soon", "health_score": 75.0, "forecast_health": 60.0},
    )
    result = {d: a.predicted_timeframe for d, a in alerted(make().evaluate(batch, T0)).items()}
    assert result == {"falling": "4-6 days", "low": "now", "bare": "now", "soon": "within 7 days"}


def test_recommended_actions_are_concrete_per_issue_and_severity(make: Make) -> None:
    issues = ("motor", "battery", "gps", "telemetry")
    batch = findings(
        *(
            {"device_id": f"{i}-{h}", "predicted_issue_type": i, "health_score": h}
            for i in issues
            for h in (60.0, 20.0)
        )
    )
    actions = {d: a.recommended_actions for d, a in alerted(make().evaluate(batch, T0)).items()}
    assert "Inspect motor brushes and bearings; check drill bit wear" in actions["motor-60.0"]
    assert any("battery" in a for a in actions["battery-20.0"])
    assert any("GPS" in a for a in actions["gps-60.0"])
    assert any("radio" in a for a in actions["telemetry-60.0"])
    for issue in issues:
        assert actions[f"{issue}-60.0"] != actions[f"{issue}-20.0"]


def test_created_at_is_the_as_of_clock_and_naive_times_are_utc(make: Make) -> None:
    alert = make().evaluate(findings({}), datetime(2025, 6, 1, 12, 0))[0].alert
    assert alert.created_at == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert alert.status == "open"


def test_a_finding_without_a_current_score_raises_nothing(make: Make) -> None:
    batch = findings({"health_score": np.nan, "forecast_health": 20.0})
    assert make().evaluate(batch, T0) == []


def test_numpy_values_in_the_context_are_stored_as_plain_json(make: Make) -> None:
    context = {"slope": np.float64(-1.5), "scores": np.array([60.0, np.nan]), "n": np.int64(3)}
    alert = make().evaluate(findings({"health_trend_context": context}), T0)[0].alert
    assert alert.health_trend_context == {"slope": -1.5, "scores": [60.0, None], "n": 3}


def test_findings_with_an_unknown_issue_type_are_refused(make: Make) -> None:
    with pytest.raises(ValueError, match="unknown predicted_issue_type"):
        make().evaluate(findings({"predicted_issue_type": "engine"}), T0)


def test_in_memory_replay_raises_the_same_alerts_as_the_sql_service(
    factory: sessionmaker[Session],
) -> None:
    settings = load_settings(alert_max_per_device=1)
    sql, memory = PredictiveAlertService(settings, factory), InMemoryAlertService(settings)
    rng = np.random.default_rng(5)
    devices = [f"dev-{i}" for i in range(20)]
    for day in range(10):
        batch = findings(
            *(
                {
                    "device_id": d,
                    "health_score": float(rng.uniform(20, 90)),
                    "confidence": float(rng.uniform(0.4, 1.0)),
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


# --- findings: from forecast and scores to the rules' input -----------------------------


def daily(device: str, health: list[float], **components: list[float]) -> pd.DataFrame:
    days = [date(2025, 6, 30) - timedelta(days=len(health) - 1 - i) for i in range(len(health))]
    return pd.DataFrame({"device_id": device, "day": days, "health": health, **components})


@pytest.mark.parametrize(
    ("component", "issue"),
    [
        ("current_stability", "motor"),
        ("battery_performance", "battery"),
        ("gps_reliability", "gps"),
        ("telemetry_quality", "telemetry"),
    ],
)
def test_the_worst_component_names_the_issue(component: str, issue: str) -> None:
    parts = {
        c: [90.0] * 5
        for c in (
            "current_stability",
            "battery_performance",
            "gps_reliability",
            "telemetry_quality",
        )
    }
    parts[component] = [50.0] * 5
    forecast = forecast_health(daily("a", [60.0] * 5, **parts), {"medium": 70.0})
    found = build_findings(forecast, pd.DataFrame({"device_id": ["a"], "confidence": [0.8]}))
    assert found.loc[0, "predicted_issue_type"] == issue
    assert found.loc[0, "health_trend_context"]["worst_component"] == component


def test_a_falling_component_beats_a_steady_low_one_and_telemetry_findings_override() -> None:
    falling = [95.0, 92.0, 89.0, 86.0, 83.0, 80.0]  # -3/day: 59 in 7 days
    steady = [65.0] * 6
    frame = pd.concat(
        [
            daily("a", [70.0] * 6, current_stability=falling, battery_performance=steady),
            daily("b", [70.0] * 6, current_stability=falling, battery_performance=steady),
        ]
    )
    scores = pd.DataFrame(
        {
            "device_id": ["a", "b"],
            "confidence": 0.8,
            "telemetry_finding": [False, True],
            "model_version": "1.2.0",
        }
    )
    found = build_findings(forecast_health(frame, {"medium": 70.0}), scores).set_index("device_id")
    assert found.loc["a", "predicted_issue_type"] == "motor"
    assert found.loc["b", "predicted_issue_type"] == "telemetry"
    assert found.loc["a", "model_version"] == "1.2.0"


def test_findings_carry_the_trend_context(settings: Settings) -> None:
    health = [80.0 - 2.0 * i for i in range(14)]  # 80 down to 54
    forecast = forecast_health(
        daily("a", health, current_stability=health), thresholds_from(settings)
    )
    found = build_findings(forecast, pd.DataFrame({"device_id": ["a"], "confidence": [0.9]}))
    context = found.loc[0, "health_trend_context"]
    assert context["slope_per_day"] == pytest.approx(-2.0)
    assert context["health_now"] == pytest.approx(54.0)
    assert context["baseline"] == pytest.approx(np.median(health[:7]))
    assert [r["health"] for r in context["recent_scores"]] == health[-7:]
    assert context["forecast_health"] == pytest.approx(40.0)
    assert context["days_to_threshold"] == {"medium": 0.0, "high": 2.0, "critical": 12.0}
    assert found.loc[0, "health_score"] == pytest.approx(54.0)


@pytest.mark.parametrize("mode", ["sql", "memory"])
def test_alerts_for_a_thousand_devices_take_under_a_second(
    request: pytest.FixtureRequest, settings: Settings, mode: str
) -> None:
    rng = np.random.default_rng(9)
    n, days = 1000, 30
    frame = pd.DataFrame(
        {
            "device_id": np.repeat([f"d{i:04d}" for i in range(n)], days),
            "day": np.tile(pd.date_range(end=date(2025, 6, 30), periods=days), n),
        }
    )
    trend = np.repeat(rng.uniform(-2.5, 0.0, n), days) * np.tile(np.arange(days), n)
    frame["health"] = 95.0 + trend + rng.normal(0, 2, n * days)
    frame["current_stability"] = frame["health"] + rng.normal(0, 2, n * days)
    frame["battery_performance"] = 90.0 + rng.normal(0, 2, n * days)
    scores = pd.DataFrame({"device_id": frame["device_id"].unique(), "confidence": 0.9})
    service: Service = (
        PredictiveAlertService(settings, request.getfixturevalue("factory"))
        if mode == "sql"
        else InMemoryAlertService(settings)
    )
    started = time.perf_counter()
    found = build_findings(forecast_health(frame, thresholds_from(settings)), scores)
    changes = service.evaluate(found, T0)
    elapsed = time.perf_counter() - started
    expected = np.fmin(found["health_score"], found["forecast_health"]) < 70.0
    assert len(changes) == int(expected.sum()) > 300
    assert elapsed < 1.0
