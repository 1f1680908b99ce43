"""Persisted alerts: lifecycle transitions, listing, statistics, restarts, migration."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.errors import BadInput, Conflict, NotFound
from app.core.logging import configure_logging
from app.db.base import Base
from app.db.session import alembic_config, build_engine, build_session_factory, migrate
from app.ml.alerts.predictive_alerts import AlertRecord, PredictiveAlertService
from app.ml.alerts.rules import AlertRules

T0 = datetime(2025, 6, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def service(factory: sessionmaker[Session]) -> PredictiveAlertService:
    return PredictiveAlertService(AlertRules(), factory)


def finding(device: str, health: float, issue: str = "motor") -> dict[str, object]:
    """A degradation finding whose severity is the band of ``health``."""
    severity = "CRITICAL" if health < 30 else "HIGH" if health < 50 else "MEDIUM"
    return {
        "device_id": device,
        "health_score": health,
        "confidence": 0.9,
        "predicted_issue_type": issue,
        "kind": "degradation",
        "severity": severity,
    }


def raise_alerts(service: PredictiveAlertService, *healths: float) -> list[AlertRecord]:
    """One motor alert per health value, on devices dev-0, dev-1, ..., an hour apart."""
    alerts = []
    for i, health in enumerate(healths):
        batch = pd.DataFrame([finding(f"dev-{i}", health)])
        alerts.append(service.evaluate(batch, T0 + timedelta(hours=i))[0].alert)
    return alerts


def test_acknowledge_then_resolve_records_who_when_and_why(service: PredictiveAlertService) -> None:
    (alert,) = raise_alerts(service, 40.0)
    acked = service.acknowledge(
        alert.alert_id, "alice", "crew informed", at=T0 + timedelta(hours=2)
    )
    assert (acked.status, acked.acknowledged_by, acked.acknowledged_notes) == (
        "acknowledged", "alice", "crew informed",
    )  # fmt: skip
    assert acked.acknowledged_at == T0 + timedelta(hours=2)
    done = service.resolve(alert.alert_id, "bob", "confirmed_fault", "brushes worn")
    assert (done.status, done.resolved_by, done.outcome, done.resolution_notes) == (
        "resolved", "bob", "confirmed_fault", "brushes worn",
    )  # fmt: skip
    assert done.resolved_at is not None
    assert done.resolved_at.tzinfo is not None
    assert service.get_alert(alert.alert_id) == done


def test_an_open_alert_can_be_resolved_directly(service: PredictiveAlertService) -> None:
    (alert,) = raise_alerts(service, 40.0)
    assert service.resolve(alert.alert_id, "bob", "false_alarm").status == "resolved"


def test_invalid_transitions_are_conflicts(service: PredictiveAlertService) -> None:
    first, second = raise_alerts(service, 40.0, 40.0)
    service.acknowledge(first.alert_id, "alice")
    with pytest.raises(Conflict, match="acknowledged"):
        service.acknowledge(first.alert_id, "alice")
    service.resolve(second.alert_id, "bob", "false_alarm")
    with pytest.raises(Conflict):
        service.resolve(second.alert_id, "bob", "false_alarm")
    with pytest.raises(Conflict):
        service.acknowledge(second.alert_id, "alice")
    assert service.get_alert(second.alert_id).outcome == "false_alarm"


def test_unknown_alerts_are_not_found(service: PredictiveAlertService) -> None:
    for call in (
        lambda: service.acknowledge("no-such-alert", "alice"),
        lambda: service.resolve("no-such-alert", "alice", "false_alarm"),
        lambda: service.get_alert("no-such-alert"),
    ):
        with pytest.raises(NotFound):
            call()


@pytest.mark.parametrize(
    ("by", "outcome", "notes", "field"),
    [
        ("bob", "fixed", None, "outcome"),
        ("bob", None, None, "outcome"),
        ("  ", "false_alarm", None, "by"),
        ("bob", "false_alarm", "x" * 2001, "notes"),
    ],
)
def test_bad_resolve_input_names_the_field_and_changes_nothing(
    service: PredictiveAlertService, by: str, outcome: str | None, notes: str | None, field: str
) -> None:
    (alert,) = raise_alerts(service, 40.0)
    with pytest.raises(BadInput) as caught:
        service.resolve(alert.alert_id, by, outcome, notes)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert service.get_alert(alert.alert_id).status == "open"


def test_each_transition_is_logged(
    service: PredictiveAlertService, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="drillwatch.ml.alerts"):
        (alert,) = raise_alerts(service, 40.0)
        service.acknowledge(alert.alert_id, "alice")
        service.resolve(alert.alert_id, "bob", "maintenance_done")
    lines = [r.getMessage() for r in caplog.records if r.name == "drillwatch.ml.alerts"]
    head = f"alert_transition alert_id={alert.alert_id} device_id=dev-0 transition="
    assert lines == [
        head + "new->open by=system",
        head + "open->acknowledged by=alice",
        head + "acknowledged->resolved by=bob",
    ]


def test_listing_filters_pages_and_counts(service: PredictiveAlertService) -> None:
    alerts = raise_alerts(service, 20.0, 40.0, 45.0, 60.0, 65.0)  # CRITICAL HIGH HIGH MEDIUM MEDIUM
    service.acknowledge(alerts[1].alert_id, "alice")
    items, total = service.list_alerts(limit=2, page=1)
    assert total == 5
    assert [a.device_id for a in items] == ["dev-4", "dev-3"]  # newest first
    items, _ = service.list_alerts(limit=2, page=3)
    assert [a.device_id for a in items] == ["dev-0"]
    items, total = service.list_alerts(severity="high")
    assert (total, {a.device_id for a in items}) == (2, {"dev-1", "dev-2"})
    items, total = service.list_alerts(status="acknowledged")
    assert (total, [a.device_id for a in items]) == (1, ["dev-1"])
    items, total = service.list_alerts(device_id="dev-3", severity="MEDIUM", status="open")
    assert (total, [a.device_id for a in items]) == (1, ["dev-3"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"severity": "urgent"}, "severity"),
        ({"status": "closed"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"page": 0}, "page"),
    ],
)
def test_bad_listing_parameters_name_the_field(
    service: PredictiveAlertService, params: dict[str, object], field: str
) -> None:
    with pytest.raises(BadInput) as caught:
        service.list_alerts(**params)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_stats_count_alerts_and_judge_precision_from_outcomes(
    service: PredictiveAlertService,
) -> None:
    alerts = raise_alerts(service, 20.0, 40.0, 45.0, 60.0, 65.0)
    for alert, outcome in zip(
        alerts, ("confirmed_fault", "maintenance_done", "false_alarm"), strict=False
    ):
        service.resolve(alert.alert_id, "bob", outcome)
    stats = service.stats()
    assert stats.total == 5
    assert stats.by_severity == {"LOW": 0, "MEDIUM": 2, "HIGH": 2, "CRITICAL": 1}
    assert stats.by_status == {"open": 2, "acknowledged": 0, "resolved": 3}
    assert stats.by_issue_type == {"motor": 5, "battery": 0, "gps": 0, "telemetry": 0}
    assert stats.outcomes == {"confirmed_fault": 1, "false_alarm": 1, "maintenance_done": 1}
    assert stats.precision == pytest.approx(2 / 3)


def test_precision_is_none_before_any_outcome(service: PredictiveAlertService) -> None:
    raise_alerts(service, 40.0)
    assert service.stats().precision is None


def test_alerts_survive_a_restart_with_their_status(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    first = PredictiveAlertService(AlertRules(), factory)
    alerts = raise_alerts(first, 20.0, 40.0)
    first.acknowledge(alerts[0].alert_id, "alice", "on it")
    engine = factory.kw["bind"]
    engine.dispose()

    restarted = build_engine(settings)
    try:
        again = PredictiveAlertService(AlertRules(), build_session_factory(restarted))
        items, total = again.list_alerts()
        assert total == 2
        by_id = {a.alert_id: a for a in items}
        assert by_id[alerts[0].alert_id].status == "acknowledged"
        assert by_id[alerts[0].alert_id].acknowledged_notes == "on it"
        assert by_id[alerts[1].alert_id] == alerts[1]
    finally:
        restarted.dispose()


def test_migration_0003_follows_the_registry_and_matches_the_model(settings: Settings) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revision = script.get_revision("0003_alerts")
    assert revision is not None
    assert revision.down_revision == "0002_ml_registry"
    engine = build_engine(settings)
    try:
        migrate(engine)
        assert "ml_alerts" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, Base.metadata)
        assert [d for d in diffs if "ml_alerts" in str(d)] == []
    finally:
        engine.dispose()


def test_the_database_allows_one_active_alert_per_device_and_issue(
    service: PredictiveAlertService, factory: sessionmaker[Session]
) -> None:
    (alert,) = raise_alerts(service, 40.0)
    columns = (
        "device_id, severity, predicted_issue_type, predicted_timeframe, recommended_actions, "
        "confidence, health_score, health_trend_context, created_at, updated_at"
    )
    copy = (
        f"INSERT INTO ml_alerts (alert_id, status, {columns}) "
        f"SELECT 'copy', 'open', {columns} FROM ml_alerts WHERE alert_id = '{alert.alert_id}'"
    )
    with pytest.raises(IntegrityError), factory.begin() as session:
        session.execute(text(copy))
    service.resolve(alert.alert_id, "bob", "false_alarm")
    with factory.begin() as session:
        session.execute(text(copy))  # a resolved one no longer blocks


def test_transitions_reach_logs_ml_alerts_log(
    service: PredictiveAlertService, settings: Settings
) -> None:
    logger = logging.getLogger("drillwatch.ml.alerts")
    root = logging.getLogger()
    before = {id(h) for lg in (root, logger) for h in lg.handlers}
    saved_level = root.level
    configure_logging(settings)
    try:
        (alert,) = raise_alerts(service, 40.0)
        service.acknowledge(alert.alert_id, "alice")
        for handler in logger.handlers:
            handler.flush()
        text_ = (settings.ml_log_path / "alerts.log").read_text(encoding="utf-8")
    finally:
        for lg in (root, logger):
            for handler in [h for h in lg.handlers if id(h) not in before]:
                lg.removeHandler(handler)
                handler.close()
        root.setLevel(saved_level)
    assert f"alert_id={alert.alert_id} device_id=dev-0 transition=new->open by=system" in text_
    assert (
        f"alert_id={alert.alert_id} device_id=dev-0 transition=open->acknowledged by=alice" in text_
    )
