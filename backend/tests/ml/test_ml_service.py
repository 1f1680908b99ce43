"""MLService on a simulated fleet: the scoring run, its cache and background refresh."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.core.config import Settings
from app.core.errors import NotFound, Unavailable
from app.core.logging import configure_logging
from app.core.metrics import REGISTRY
from app.ml.models.model_manager import MLModelManager
from app.ml.models.scoring import AVAILABILITY_TOLERANCE, CAP_MARGIN
from app.ml.runs.training import TRAINING_LOCK
from app.ml.services import MLService
from tests.ml.model_factories import save_scaler
from tests.ml.service_helpers import Fleet, ingest_frame, isolated, simulate, store_of, wait_for

DEVICES, DAYS, SEED = 16, 30, 3
WEIGHTS = {"current_stability": 0.4, "battery_performance": 0.4, "gps_reliability": 0.2}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return simulate(tmp_path_factory.mktemp("fleet"), DEVICES, DAYS, SEED)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, fleet: Fleet) -> Iterator[MLService]:
    """One service over the whole fleet, its first run done."""
    tmp = tmp_path_factory.mktemp("served")
    settings = isolated(tmp)
    configure_logging(settings)
    store = store_of(settings)
    ingest_frame(store, settings, fleet.frame, tmp / "fleet.csv")
    ml = MLService(settings, store)
    ml.refresher.get()
    yield ml
    ml.close()


def body(ml: MLService, **params: Any) -> dict[str, Any]:
    args = {"device_ids": None, "include_debug": False, "include_trends": False}
    args |= {"days_history": 30} | params
    return dict(json.loads(ml.health_scores(**args)))


def scoring_runs() -> float:
    """How many scoring runs the Prometheus histogram has observed."""
    value = REGISTRY.get_sample_value("drillwatch_ml_scoring_run_seconds_count")
    return value or 0.0


def new_service(tmp: Path, **overrides: Any) -> MLService:
    settings = isolated(tmp, **overrides)
    return MLService(settings, store_of(settings), watch_interval=0.1)


def test_without_arguments_it_reads_the_settings_and_touches_nothing(settings: Settings) -> None:
    ml = MLService()
    assert ml.enabled is True
    assert ml.model_path == settings.ml_model_path
    assert settings.sqlite_path is not None
    assert not settings.sqlite_path.exists()


def test_as_of_is_the_latest_telemetry_and_every_device_is_scored(
    served: MLService, fleet: Fleet
) -> None:
    scores = body(served)
    latest = fleet.frame["timestamp"].max().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert scores["metadata"]["as_of"] == latest
    assert [d["device_id"] for d in scores["data"]] == sorted(fleet.frame["device_id"].unique())
    assert scores["metadata"]["count"] == DEVICES


def test_last_seen_is_each_devices_latest_sample(served: MLService, fleet: Fleet) -> None:
    expected = fleet.frame.groupby("device_id")["timestamp"].max().dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    got = {d["device_id"]: d["last_seen"] for d in body(served)["data"]}
    assert got == expected.to_dict()


def test_overall_health_is_the_weighted_mean_capped_by_the_worst_part(served: MLService) -> None:
    checked = 0
    for device in body(served, include_debug=True)["data"]:
        parts = device["component_scores"]
        if device["health_score"] is None or any(parts[c] is None for c in WEIGHTS):
            continue
        weighted = sum(w * parts[c] for c, w in WEIGHTS.items())
        expected = min(weighted, min(parts.values()) + CAP_MARGIN)
        internals = device["debug"]["internals"]
        gone = (internals["offline_probability"] - AVAILABILITY_TOLERANCE) / (
            1.0 - AVAILABILITY_TOLERANCE
        )
        expected *= 1.0 - min(max(gone, 0.0), 1.0)  # a silent machine may be gone
        if internals["failure_signs_probability"] >= 0.6:  # ... and likely is
            expected = min(expected, 30.0)
        assert device["health_score"] == pytest.approx(expected, abs=0.05)
        low, high = device["confidence_interval"]
        assert low <= device["health_score"] <= high
        checked += 1
    assert checked >= DEVICES // 2


def test_trend_covers_the_last_days_and_the_forecast_two_weeks(served: MLService) -> None:
    scores = body(served, include_trends=True, days_history=7)
    as_of = pd.Timestamp(scores["metadata"]["as_of"]).date()
    for device in scores["data"]:
        days = [pd.Timestamp(p["date"]).date() for p in device["trend"]]
        assert days[-1] == as_of
        assert len(days) <= 7
        assert (days[-1] - days[0]).days == len(days) - 1
        ahead = [pd.Timestamp(p["date"]).date() for p in device["forecast"]["series"]]
        assert [(d - as_of).days for d in ahead] == list(range(1, 15))


def test_every_device_has_factors_that_explain_its_score(served: MLService) -> None:
    devices = body(served)["data"]
    for device in devices:
        factors = device["explanatory_factors"]
        assert factors, f"{device['device_id']} has no factors"
        wear = [f["wear"] for f in factors]
        assert wear == sorted(wear, reverse=True)  # the most worn first: it would lower it first
        for factor in factors:
            assert factor["description"].endswith(".")
            assert (factor["effect"] == "lowers") == (factor["contribution"] > 0)
        lowering = [f for f in factors if f["effect"] == "lowers"]
        parts = device["component_scores"]
        if not lowering:  # nothing measured lowers it: every part it names scores 100
            assert all(parts[f["component"]] == 100.0 for f in factors)
    assert any(f["effect"] == "lowers" for d in devices for f in d["explanatory_factors"])


def test_the_initial_model_is_trained_by_the_system_and_recorded_on_alerts(
    served: MLService,
) -> None:
    history = served.manager.deployment_history()
    assert [(h.version, h.actor, h.reason) for h in history] == [
        ("1.0.0", "system", "initial model")
    ]
    alerts, total = served.alerts.list_alerts(limit=100)
    assert total > 0
    assert {a.model_version for a in alerts} == {"1.0.0"}
    assert body(served)["metadata"]["model_version"] == "1.0.0"


def test_an_unknown_device_is_404_naming_it(served: MLService) -> None:
    with pytest.raises(NotFound, match="device_001"):
        body(served, device_ids=["device_001"])


def test_processing_log_has_a_processing_time_line_per_run(served: MLService) -> None:
    lines = (served.settings.ml_log_path / "processing.log").read_text().splitlines()
    runs = [line for line in lines if "scoring_run" in line and "processing_time=" in line]
    assert len(runs) == served.refresher.runs >= 1


def test_a_request_gets_the_old_result_at_once_while_new_data_is_scored(
    tmp_path: Path, fleet: Fleet
) -> None:
    ml = new_service(tmp_path)
    cut = fleet.frame["timestamp"].min().normalize() + pd.Timedelta(days=20)
    ingest_frame(
        ml.store, ml.settings, fleet.frame[fleet.frame["timestamp"] < cut], tmp_path / "a.csv"
    )
    first = ml.refresher.get().result
    ingest_frame(
        ml.store, ml.settings, fleet.frame[fleet.frame["timestamp"] >= cut], tmp_path / "b.csv"
    )
    with TRAINING_LOCK:  # holds the refresh at its start, so it is certainly still running
        ml.refresher.check()
        started = time.perf_counter()
        during = ml.refresher.get()
        assert time.perf_counter() - started < 0.5
    assert during.result is first
    assert during.stale
    assert during.refreshing
    wait_for(lambda: ml.refresher.latest is not first)
    later = ml.refresher.get()
    assert not later.stale
    assert pd.Timestamp(later.result.as_of, tz="UTC") == fleet.frame["timestamp"].max()
    ml.close()


def test_the_watcher_scores_new_data_without_any_request(tmp_path: Path, fleet: Fleet) -> None:
    runs_before = scoring_runs()
    ml = new_service(tmp_path)
    ml.start()
    ingest_frame(ml.store, ml.settings, fleet.frame, tmp_path / "fleet.csv")
    wait_for(lambda: ml.refresher.latest is not None)
    ml.close()
    assert scoring_runs() > runs_before  # the run is visible to Prometheus too
    alerts, total = ml.alerts.list_alerts()
    assert total > 0
    assert alerts[0].created_at.replace(tzinfo=None) == ml.refresher.latest.as_of


def test_an_empty_store_answers_503_saying_why(tmp_path: Path) -> None:
    ml = new_service(tmp_path)
    with pytest.raises(Unavailable, match="telemetry store is empty"):
        ml.refresher.get()
    ml.close()


def test_an_active_model_that_is_not_a_health_model_is_refused(
    tmp_path: Path, fleet: Fleet
) -> None:
    ml = new_service(tmp_path)
    ingest_frame(ml.store, ml.settings, fleet.frame, tmp_path / "fleet.csv")
    manager = MLModelManager(ml.settings, ml.session_factory)
    manager.deploy_model(save_scaler(manager, 1, "scaler-1.0.0"), by="test")
    with pytest.raises(Unavailable, match="not a DrillWatch health model"):
        ml.refresher.get()
    ml.close()
