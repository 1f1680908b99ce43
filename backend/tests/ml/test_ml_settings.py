"""Each ML_* performance and debug setting, shown by what it changes in a real run."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.core.config import Settings
from app.core.errors import Unavailable
from app.core.logging import configure_logging
from app.ml.models.model_manager import MLModelManager
from app.ml.runs.scoring import blas_threads
from app.ml.runs.training import train_model
from app.ml.services import MLService
from tests.ml.service_helpers import ingest_frame, isolated, simulate, store_of, wait_for

DEVICES, DAYS, SEED = 16, 30, 5


@dataclass(frozen=True)
class Base:
    """A folder holding the ingested fleet and a deployed model, shared by the tests."""

    tmp: Path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    tmp = tmp_path_factory.mktemp("settings")
    fleet = simulate(tmp / "sim", DEVICES, DAYS, SEED)
    settings = isolated(tmp)
    store = store_of(settings)
    ingest_frame(store, settings, fleet.frame, tmp / "fleet.csv")
    manager = MLModelManager(settings)
    train_model(store, settings, manager, version="1.0.0", deploy=True)
    manager.close()
    return Base(tmp)


@pytest.fixture
def service(base: Base, tmp_path: Path) -> Iterator[Any]:
    """Builds an MLService on the shared fleet with overrides; logs go to this test's folder."""
    built: list[MLService] = []

    def make(**overrides: Any) -> MLService:
        overrides.setdefault("ml_log_path", tmp_path / "logs")
        settings = isolated(base.tmp, **overrides)
        configure_logging(settings)
        ml = MLService(settings, store_of(settings))
        built.append(ml)
        return ml

    yield make
    for ml in built:
        ml.close()


def processing(ml: MLService) -> dict[str, Any]:
    return dict(ml.refresher.get().result.processing)


def log_of(ml: MLService) -> str:
    path = ml.settings.ml_log_path / "processing.log"
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("size", [5, 16, 100])
def test_ml_batch_size_sets_devices_per_batch(service: Any, size: int) -> None:
    info = processing(service(ml_batch_size=size, ml_parallel_processing=False))
    assert (info["batch_size"], info["batches"]) == (size, math.ceil(DEVICES / size))


def test_parallel_processing_scores_batches_in_a_pool_of_ml_max_workers(service: Any) -> None:
    info = processing(service(ml_batch_size=2, ml_parallel_processing=True, ml_max_workers=3))
    assert info["parallel"] is True
    assert info["max_workers"] == 3
    assert 1 <= len(info["workers"]) <= 3
    assert all(name.startswith("ml-score_") for name in info["workers"])


def test_without_parallel_processing_the_refresh_thread_scores_every_batch(service: Any) -> None:
    info = processing(service(ml_batch_size=2, ml_parallel_processing=False, ml_max_workers=3))
    assert info["batches"] == DEVICES // 2
    assert info["workers"] == ["ml-refresh_0"]


@pytest.mark.parametrize("threads", [1, 2])
def test_ml_numpy_threads_limits_blas_threads_during_the_run(service: Any, threads: int) -> None:
    before = blas_threads()
    assert processing(service(ml_numpy_threads=threads))["blas_threads"] == threads
    assert blas_threads() == before  # restored afterwards


def test_ml_sklearn_jobs_is_the_models_n_jobs(base: Base) -> None:
    settings = isolated(base.tmp, ml_sklearn_jobs=3)
    manager = MLModelManager(settings)
    result = train_model(store_of(settings), settings, manager, version="jobs-3")
    model = manager.load_model(result.info.version)
    manager.close()
    assert model.n_jobs == 3  # indicators fitted three at a time


@pytest.mark.parametrize("collect", [True, False])
def test_ml_garbage_collect_collects_after_each_run(service: Any, collect: bool) -> None:
    ml = service(ml_garbage_collect=collect)
    ml.refresher.get()
    assert ("gc_collect collected=" in log_of(ml)) is collect


def test_ml_debug_includes_debug_by_default_and_logs_debug_lines(service: Any) -> None:
    ml = service(ml_debug=True)
    body = json.loads(ml.health_scores(None, None, False, 30))
    assert all("features" in d["debug"] and "internals" in d["debug"] for d in body["data"])
    assert " DEBUG drillwatch.ml." in log_of(ml)


def test_without_ml_debug_debug_is_left_out_unless_asked(service: Any) -> None:
    ml = service(ml_debug=False)
    assert all(
        "debug" not in d for d in json.loads(ml.health_scores(None, None, False, 30))["data"]
    )
    assert all("debug" in d for d in json.loads(ml.health_scores(None, True, False, 30))["data"])
    assert " DEBUG " not in log_of(ml)


def test_ml_log_level_warning_drops_the_info_lines(service: Any) -> None:
    ml = service(ml_log_level="WARNING")
    ml.refresher.get()
    assert "scoring_run" not in log_of(ml)


def test_ml_max_processing_time_cuts_off_work_and_answers_503_at_once(
    service: Any, tmp_path: Path
) -> None:
    ml = service(ml_max_processing_time=0.05, ml_cache_path=tmp_path / "cold")
    started = time.perf_counter()
    with pytest.raises(Unavailable, match=r"ML_MAX_PROCESSING_TIME=0\.05"):
        ml.refresher.get()
    assert time.perf_counter() - started < 1.0
    wait_for(lambda: ml.refresher.error is not None)
    assert "cut off" in str(ml.refresher.error)
    assert "ML_MAX_PROCESSING_TIME=0.05" in str(ml.refresher.error)
    assert ml.refresher.latest is None


def test_feature_cache_ttl_expiry_serves_the_old_result_and_refreshes(service: Any) -> None:
    ml = service(ml_feature_cache_ttl=1)
    first = ml.refresher.get()
    assert not first.stale
    time.sleep(1.1)
    expired = ml.refresher.get()
    assert expired.result is first.result
    assert expired.stale
    wait_for(lambda: ml.refresher.latest is not first.result)
    assert ml.refresher.latest.computed_at > first.result.computed_at  # type: ignore[union-attr]


def test_ml_enabled_false_refuses_work_and_starts_nothing(service: Any) -> None:
    ml = service(ml_enabled=False)
    ml.start()
    with pytest.raises(Unavailable, match="ML_ENABLED=false"):
        ml.require_enabled()
    assert "refresher" not in ml.__dict__


def test_settings_are_part_of_the_result_key(service: Any) -> None:
    one = service(current_stability_weight=0.5, battery_performance_weight=0.3)
    two = service()
    assert one.refresher.get().result.key != two.refresher.get().result.key
    assert isinstance(one.settings, Settings)
