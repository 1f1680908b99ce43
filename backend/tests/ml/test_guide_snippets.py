"""The operations guide's Python snippets, run as written with `python -c` from backend/."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import app as cli
from app.core.config import Settings
from app.services.ingestion import ingest_file
from app.simulation import simulate_fleet
from app.storage.duckdb import TelemetryStore
from tests.support import run_python

DEPENDENCIES = "import sklearn, joblib; print('ML dependencies OK')"
DIAGNOSIS = "import sklearn, joblib, pandas, numpy"
CONFIGURATION = """
from app.ml.services import MLService
ml = MLService()
print('Configuration loaded successfully')
print(f'ML Enabled: {ml.enabled}')
print(f'Model path: {ml.model_path}')
"""
FEATURES = """
from app.ml.preprocessing.feature_engineering import FeatureEngineer
from app.services.data_processor import DataProcessor

dp = DataProcessor()
sessions = dp.get_sessions()
print(f'Raw sessions: {len(sessions)}')

fe = FeatureEngineer()
features = fe.extract_features(sessions[:10])
print(f'Features extracted: {len(features)}')
"""
VALIDATION = """
from app.ml.models.health_scoring import HealthScoringService
from app.ml.preprocessing.feature_engineering import FeatureEngineer

# Create test data
test_features = {
    'device_001': {
        'current_stability': 85.0,
        'battery_performance': 75.0, 
        'gps_reliability': 95.0
    }
}

hs = HealthScoringService()
score = hs.calculate_health_score('device_001', test_features['device_001'])
print(f'Test health score: {score}')
"""  # noqa: W291 (the guide's trailing space, kept verbatim)
METRICS = """
from app.ml.models.model_manager import MLModelManager
mm = MLModelManager()
metrics = mm.get_performance_metrics()
print(f'Model accuracy: {metrics.accuracy}')
print(f'Prediction latency: {metrics.latency_ms}ms')
"""


def run(code: str) -> list[str]:
    """``python -c code`` from backend/ with the test's environment; its output lines."""
    return run_python(code).splitlines()


@pytest.mark.usefixtures("env")
def test_dependency_checks_pass() -> None:
    assert run(DEPENDENCIES) == ["ML dependencies OK"]
    assert run(DIAGNOSIS) == []


def test_configuration_validation_prints_the_settings(settings: Settings) -> None:
    assert run(CONFIGURATION) == [
        "Configuration loaded successfully",
        "ML Enabled: True",
        f"Model path: {settings.ml_model_path}",
    ]


def test_configuration_validation_shows_ml_disabled(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_ENABLED", "false")
    assert run(CONFIGURATION)[1] == "ML Enabled: False"


def test_manual_feature_engineering_on_the_field_sample(
    settings: Settings, sample_csv: Path
) -> None:
    store = TelemetryStore(settings.duckdb_path, lock_timeout=10)
    store.initialise()
    ingest_file(store, sample_csv, settings)
    assert run(FEATURES) == ["Raw sessions: 100", "Features extracted: 10"]  # 2 of a second pod


@pytest.mark.usefixtures("env")
def test_model_validation_gives_83() -> None:
    assert run(VALIDATION) == ["Test health score: 83.0"]


def test_performance_metrics_after_a_real_training(settings: Settings, tmp_path: Path) -> None:
    sim = simulate_fleet(16, 30, 3, tmp_path / "sim", progress=False)
    store = TelemetryStore(settings.duckdb_path, lock_timeout=10)
    store.initialise()
    ingest_file(store, sim.telemetry_csv, settings)
    truth = str(sim.devices_csv)
    trained = CliRunner().invoke(cli, ["train", "--deploy", "--ground-truth", truth])
    assert trained.exit_code == 0, trained.output
    sidecar = json.loads((settings.ml_model_path / "1.0.0.json").read_text())
    accuracy, latency = sidecar["metrics"]["accuracy"], sidecar["metrics"]["latency_ms"]
    assert isinstance(accuracy, float)
    assert latency > 0
    assert run(METRICS) == [f"Model accuracy: {accuracy}", f"Prediction latency: {latency}ms"]
    truth_frame = pd.read_csv(sim.devices_csv)
    assert sidecar["metrics"]["evaluated_devices"] == len(truth_frame)
    log = (settings.ml_log_path / "models.log").read_text()
    assert f"model_performance version=1.0.0 accuracy={accuracy}" in log
