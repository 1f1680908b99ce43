"""Training on a simulated fleet: metadata, metrics, reproducibility and `drillwatch train`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.core.errors import BadInput
from app.core.logging import configure_logging
from app.ml.alerts.findings import day_findings
from app.ml.alerts.outcomes import OutcomeLabel
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.ml.alerts.rules import AlertRules
from app.ml.config import MLConfig
from app.ml.models.health_scoring import HealthScoringService
from app.ml.models.model_manager import MLModelManager
from app.ml.runs.training import (
    TrainResult,
    load_training_data,
    train_model,
    without_confirmed_faults,
)
from app.storage.duckdb import TelemetryStore
from tests.ml.service_helpers import Fleet, ingest_frame, isolated, simulate, store_of

DEVICES, DAYS, SEED = 24, 30, 4
runner = CliRunner()


@dataclass(frozen=True)
class Trained:
    settings: Settings
    store: TelemetryStore
    manager: MLModelManager
    fleet: Fleet
    result: TrainResult


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trained]:
    """The fleet ingested and version 1.0.0 trained with ground truth and deployed."""
    tmp = tmp_path_factory.mktemp("training")
    fleet = simulate(tmp / "sim", DEVICES, DAYS, SEED)
    settings = isolated(tmp)
    configure_logging(settings)
    store = store_of(settings)
    ingest_frame(store, settings, fleet.frame, tmp / "fleet.csv")
    manager = MLModelManager(settings)
    result = train_model(
        store, settings, manager, version="1.0.0", deploy=True, ground_truth=fleet.devices_csv
    )
    yield Trained(settings, store, manager, fleet, result)
    manager.close()


def sidecar(settings: Settings, version: str) -> dict[str, object]:
    return dict(json.loads((settings.ml_model_path / f"{version}.json").read_text()))


def stored_rows(store: TelemetryStore) -> int:
    with store.connect() as conn:
        row = conn.execute("SELECT count(*) FROM telemetry").fetchone()
    return int(row[0]) if row else 0


def test_metadata_records_data_range_fingerprint_features_and_settings(trained: Trained) -> None:
    meta = sidecar(trained.settings, "1.0.0")
    data = meta["training_data"]
    assert isinstance(data, dict)
    stamps = trained.fleet.frame["timestamp"]
    assert data["start"] == stamps.min().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert data["end"] == stamps.max().strftime("%Y-%m-%dT%H:%M:%SZ")
    unique = trained.fleet.frame.drop_duplicates(["device_id", "seq", "timestamp"])
    assert data["telemetry_rows"] == stored_rows(trained.store) == len(unique)
    assert data["fingerprint"]["rows"] == len(unique)
    assert data["devices"] == trained.fleet.frame["device_id"].nunique()
    assert "drilling_current" in meta["features"]
    assert "gps_fix" in meta["features"]
    noise = meta["model"]["noise"]  # type: ignore[index]
    assert set(noise) == set(meta["features"])  # every indicator's fitted noise
    assert meta["settings"]["ml_sklearn_jobs"] == trained.settings.ml_sklearn_jobs  # type: ignore[index]
    assert datetime.fromisoformat(str(meta["created_at"])).tzinfo is not None
    digest = hashlib.sha256((trained.settings.ml_model_path / "1.0.0.joblib").read_bytes())
    assert meta["sha256"] == digest.hexdigest()


def test_ground_truth_metrics_agree_with_the_faults_in_the_file(trained: Trained) -> None:
    metrics = trained.result.metrics
    truth = pd.read_csv(trained.fleet.devices_csv, dtype=str, keep_default_na=False)
    end = trained.fleet.frame["timestamp"].max().normalize() + pd.Timedelta(days=1)
    onset = pd.to_datetime(truth["onset_ts"].replace("", None), utc=True)
    faulty = int(((truth["fault_type"] != "none") & (onset <= end)).sum())
    c = metrics["confusion"]
    assert c["tp"] + c["fn"] == faulty
    assert sum(c.values()) == metrics["evaluated_devices"] == DEVICES
    assert metrics["accuracy"] == round((c["tp"] + c["tn"]) / DEVICES, 4)
    assert metrics["precision"] == round(c["tp"] / (c["tp"] + c["fp"]), 4)
    assert metrics["recall"] == round(c["tp"] / faulty, 4)
    assert metrics["source"] == "ground_truth"
    assert metrics["precision"] >= 0.8  # what the model flags at the end is faulty
    assert metrics["recall"] > 0  # in-sample and at one moment; drillwatch evaluate replays


def test_latency_is_measured_and_reported_by_the_registry(trained: Trained) -> None:
    latency = trained.result.metrics["latency_ms"]
    assert 0 < latency < 1000
    fresh = MLModelManager(trained.settings, trained.manager.session_factory)
    performance = fresh.get_performance_metrics()
    assert (performance.version, performance.latency_ms) == ("1.0.0", latency)
    assert performance.accuracy == trained.result.metrics["accuracy"]


def test_models_log_has_a_model_performance_line(trained: Trained) -> None:
    log = (trained.settings.ml_log_path / "models.log").read_text()
    accuracy = trained.result.metrics["accuracy"]
    assert f"model_performance version=1.0.0 accuracy={accuracy}" in log


def test_scores_are_reproducible_for_a_model_version(trained: Trained) -> None:
    frame = load_training_data(trained.store, trained.settings).frame
    fresh = MLModelManager(trained.settings, trained.manager.session_factory)
    loaded = HealthScoringService(trained.settings, fresh.load_model("1.0.0")).score(frame)
    again = HealthScoringService(trained.settings, fresh.load_model("1.0.0")).score(frame)
    pd.testing.assert_frame_equal(loaded, again)
    retrained = train_model(trained.store, trained.settings, trained.manager, version="1.0.1")
    model = trained.manager.load_model(retrained.info.version)
    pd.testing.assert_frame_equal(
        loaded, HealthScoringService(trained.settings, model).score(frame)
    )


def test_operator_outcomes_give_the_metrics_without_ground_truth(trained: Trained) -> None:
    alerts = PredictiveAlertService(AlertRules(), trained.manager.session_factory)
    findings = pd.DataFrame(
        {
            "device_id": [f"judged-{i}" for i in range(4)],
            "health_score": 40.0,
            "confidence": 0.9,
            "predicted_issue_type": "motor",
            "kind": "degradation",
            "severity": "HIGH",
        }
    )
    changes = alerts.evaluate(findings, datetime(2025, 7, 1, tzinfo=UTC))
    for change, outcome in zip(
        changes,
        ["confirmed_fault", "confirmed_fault", "maintenance_done", "false_alarm"],
        strict=True,
    ):
        alerts.resolve(change.alert.alert_id, "olga", outcome)
    outcomes = alerts.stats().outcomes
    result = train_model(trained.store, trained.settings, trained.manager, outcomes=outcomes)
    metrics = result.metrics
    assert (metrics["precision"], metrics["accuracy"], metrics["recall"]) == (0.75, 0.75, None)
    assert metrics["source"] == "operator_outcomes"


def test_without_ground_truth_or_outcomes_metrics_are_null_with_a_note(trained: Trained) -> None:
    metrics = train_model(trained.store, trained.settings, trained.manager).metrics
    assert (metrics["accuracy"], metrics["precision"], metrics["recall"]) == (None, None, None)
    assert "no ground truth" in metrics["note"]


def test_a_ground_truth_file_without_the_columns_is_refused(
    trained: Trained, tmp_path: Path
) -> None:
    bad = tmp_path / "truth.csv"
    bad.write_text("device_id,profile\nx,normal\n")
    with pytest.raises(BadInput, match="onset_ts") as caught:
        train_model(trained.store, trained.settings, trained.manager, ground_truth=bad)
    assert caught.value.field == "ground_truth"


def test_an_empty_store_cannot_be_trained_on(tmp_path: Path) -> None:
    settings = isolated(tmp_path)
    manager = MLModelManager(settings)
    with pytest.raises(BadInput, match="store is empty") as caught:
        train_model(store_of(settings), settings, manager)
    assert caught.value.field == "telemetry"
    manager.close()


@pytest.fixture
def cli_env(trained: Trained, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The environment the command reads, pointing at the trained fleet's folders."""
    monkeypatch.setitem(Settings.model_config, "env_file", None)
    s = trained.settings
    values = {
        "DUCKDB_PATH": s.duckdb_path,
        "DATABASE_URL": s.database_url,
        "LOG_PATH": s.log_path,
        "ML_DATA_PATH": s.ml_data_path,
        "ML_MODEL_PATH": s.ml_model_path,
        "ML_CACHE_PATH": s.ml_cache_path,
        "ML_LOG_PATH": s.ml_log_path,
        "TELEMETRY_DIR": s.telemetry_dir,
        "SECRET_KEY": s.secret_key.get_secret_value() if s.secret_key else "",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, str(value))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_cli_train_deploys_a_version_and_prints_its_metrics(
    trained: Trained, cli_env: Settings
) -> None:
    truth = str(trained.fleet.devices_csv)
    result = runner.invoke(
        cli, ["train", "--deploy", "--version", "2.0.0", "--ground-truth", truth]
    )
    assert result.exit_code == 0, result.output
    assert "Model 2.0.0" in result.output
    assert "accuracy" in result.output
    assert "Training" in result.stderr  # the progress bar
    assert trained.manager.active_model().version == "2.0.0"  # type: ignore[union-attr]
    assert sidecar(cli_env, "2.0.0")["metrics"]["source"] == "ground_truth"  # type: ignore[index]


def test_cli_train_on_an_empty_store_exits_1_with_a_clear_error(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(cli, ["train"])
    assert result.exit_code == 1
    assert "the telemetry store is empty" in result.stderr


def judge(trained: Trained, cases: list[tuple[str, str, date, str]]) -> None:
    """Raise an alert for each (device, part, day) through the alert service and resolve it."""
    alerts = PredictiveAlertService(
        AlertRules(cooldown=timedelta(0)), trained.manager.session_factory
    )
    for device, issue, day, outcome in cases:
        at = datetime.combine(day, time(12), UTC)
        finding = {
            "device_id": device, "predicted_issue_type": issue, "kind": "degradation",
            "severity": "HIGH", "confidence": 0.9, "health_score": 40.0,
            "predicted_timeframe": "now", "evidence_at": at,
        }  # fmt: skip
        (change,) = alerts.evaluate(pd.DataFrame([finding]), at)
        alerts.resolve(change.alert.alert_id, "olga", outcome)


def test_cli_train_uses_operators_verdicts_as_labels_for_the_new_model(
    trained: Trained, cli_env: Settings
) -> None:
    frame = load_training_data(trained.store, trained.settings).frame
    config = MLConfig.from_settings(trained.settings)
    last = pd.to_datetime(frame["day"]).max().date()
    scored = trained.manager.load_model("1.0.0").score(frame, config, keep_from=last)
    found = day_findings(scored, config, None)
    pairs = zip(found["device_id"], found["predicted_issue_type"], strict=True)
    called = list(dict.fromkeys(pairs))
    assert len(called) >= 2, "the simulated fleet should call for two alerts on its last day"
    quiet = sorted(set(scored["device_id"]) - set(found["device_id"]))[0]
    judge(
        trained,
        [
            (*called[0], last, "confirmed_fault"),  # called, a fault: tp
            (*called[1], last, "false_alarm"),  # called, none: fp
            (quiet, "motor", last, "maintenance_done"),  # not called, a fault: fn
            (quiet, "gps", last, "false_alarm"),  # not called, none: tn
            ("not-in-the-store", "motor", last, "confirmed_fault"),  # no data: no case
        ],
    )
    result = runner.invoke(cli, ["train", "--version", "3.0.0"])
    assert result.exit_code == 0, result.output
    metrics = sidecar(cli_env, "3.0.0")["metrics"]
    assert isinstance(metrics, dict)
    assert (metrics["source"], metrics["judged_alerts"]) == ("operator_labels", 4)
    assert metrics["confusion"] == {"tp": 1, "fp": 1, "fn": 1, "tn": 1}
    assert (metrics["precision"], metrics["recall"], metrics["accuracy"]) == (0.5, 0.5, 0.5)
    assert "judged alerts" in result.output
    without = runner.invoke(cli, ["train", "--version", "3.0.1", "--no-outcome-labels"])
    assert without.exit_code == 0, without.output
    assert sidecar(cli_env, "3.0.1")["metrics"]["source"] != "operator_labels"  # type: ignore[index]
    active = frame[frame["active"].astype(bool)]
    faulty = {called[0][0], quiet}  # confirmed_fault and maintenance_done
    days = pd.to_datetime(active["day"]).dt.date
    lookback = last - timedelta(days=config.window_days)
    fault_days = active["device_id"].isin(faulty) & (days >= lookback) & (days <= last)
    assert 0 < fault_days.sum() < len(active)
    with_labels = trained.manager.load_model("3.0.0")
    assert with_labels.training_rows_ == len(active) - int(fault_days.sum())
    assert trained.manager.load_model("3.0.1").training_rows_ == len(active)


def test_confirmed_faults_days_are_left_out_of_the_fit() -> None:
    frame = pd.DataFrame(
        {
            "device_id": ["a"] * 5 + ["b"] * 5,
            "day": [date(2025, 7, d) for d in range(1, 6)] * 2,
        }
    )
    labels = [
        OutcomeLabel("a", "motor", date(2025, 7, 4), faulty=True),
        OutcomeLabel("b", "battery", date(2025, 7, 4), faulty=False),  # a false alarm stays
    ]
    kept = without_confirmed_faults(frame, labels, days=1)
    assert list(zip(kept["device_id"], kept["day"], strict=True)) == [
        ("a", date(2025, 7, 1)),
        ("a", date(2025, 7, 2)),
        ("a", date(2025, 7, 5)),
        *[("b", date(2025, 7, d)) for d in range(1, 6)],
    ]
    assert without_confirmed_faults(frame, [], days=1).equals(frame)
