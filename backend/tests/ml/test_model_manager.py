"""MLModelManager: save, register, deploy, rollback, history, verification, cache, metrics."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import joblib
import numpy as np
import pytest

from app.core.config import Settings, get_settings
from app.core.errors import BadInput, Conflict, Unavailable
from app.ml.models.model_manager import MLModelManager
from app.ml.registry.artifacts import ArtifactVerificationError
from tests.conftest import ADMIN_PASSWORD, SECRET_KEY
from tests.ml.model_factories import (
    active_rows,
    copy_in_new_model,
    fitted_scaler,
    flip_byte,
    save_scaler,
)

BAD_NAMES = ["../x", "a/b", "..", "../../etc/passwd", "x/../y"]


@pytest.fixture
def manager(settings: Settings) -> Iterator[MLModelManager]:
    built = MLModelManager(settings)
    yield built
    built.close()


def test_save_assigns_semver_and_records_signed_metadata(manager: MLModelManager) -> None:
    model, data = fitted_scaler(1)
    training = {"start": "2025-01-01", "end": "2025-01-31", "rows": 40, "fingerprint": "abc"}
    info = manager.save_model(
        model, metadata={"training_data": training, "features": ["a", "b", "c"]}
    )
    assert (info.version, save_scaler(manager, 2)) == ("1.0.0", "1.1.0")
    sidecar = json.loads((manager.settings.ml_model_path / "1.0.0.json").read_text())
    assert sidecar["training_data"] == training
    assert sidecar["features"] == ["a", "b", "c"]
    assert sidecar["model_class"].endswith("StandardScaler")
    assert sidecar["created_at"]
    assert sidecar["signature"]
    assert info.is_active is False
    assert info.training_data == training
    np.testing.assert_allclose(manager.load_model("1.0.0").mean_, data.mean(axis=0))


def test_metadata_snapshots_model_settings_without_secrets(manager: MLModelManager) -> None:
    save_scaler(manager, 1)
    raw = (manager.settings.ml_model_path / "1.0.0.json").read_text()
    snapshot = json.loads(raw)["settings"]
    assert snapshot["ml_model_cache_size"] == 100
    assert snapshot["current_stability_weight"] == 0.4
    assert SECRET_KEY not in raw
    assert ADMIN_PASSWORD not in raw
    assert not {"secret_key", "admin_password", "database_url"} & set(snapshot)


def test_saving_an_existing_version_is_a_conflict(manager: MLModelManager) -> None:
    save_scaler(manager, 1, "2.0.0")
    with pytest.raises(Conflict):
        save_scaler(manager, 2, "2.0.0")


def test_deploys_record_which_version_was_active_when_who_and_why(
    manager: MLModelManager,
) -> None:
    first, second = save_scaler(manager, 1), save_scaler(manager, 2)
    manager.deploy_model(first, by="alice", reason="initial model")
    manager.deploy_model(second, by="bob", reason="retrained on March")
    assert active_rows(manager) == [second]
    assert manager.active_model().version == second  # type: ignore[union-attr]
    history = manager.deployment_history()
    got = [(h.version, h.previous_version, h.action, h.actor, h.reason) for h in history]
    assert got == [
        (first, None, "deploy", "alice", "initial model"),
        (second, first, "deploy", "bob", "retrained on March"),
    ]
    assert history[0].active_until == history[1].active_from
    assert history[1].active_until is None


def test_rollback_without_version_reactivates_the_previous_one(manager: MLModelManager) -> None:
    first, second = save_scaler(manager, 1), save_scaler(manager, 2)
    manager.deploy_model(first)
    manager.deploy_model(second)
    assert manager.rollback_model(by="carol", reason="worse recall").version == first
    assert active_rows(manager) == [first]
    last = manager.deployment_history()[-1]
    assert (last.action, last.previous_version, last.actor) == ("rollback", second, "carol")


def test_rollback_with_nothing_to_return_to_is_a_conflict(manager: MLModelManager) -> None:
    with pytest.raises(Conflict, match="no previous"):
        manager.rollback_model()
    manager.deploy_model(save_scaler(manager, 1))
    with pytest.raises(Conflict, match="no previous"):
        manager.rollback_model()


def test_redeploying_the_active_version_adds_no_history(manager: MLModelManager) -> None:
    version = save_scaler(manager, 1)
    manager.deploy_model(version)
    manager.deploy_model(version)
    assert len(manager.deployment_history()) == 1


def test_load_active_before_any_deployment_is_unavailable(manager: MLModelManager) -> None:
    save_scaler(manager, 1)
    with pytest.raises(Unavailable):
        manager.load_active()


@pytest.mark.parametrize("damage", ["flip", "truncate", "drop_sidecar"])
def test_damaged_artifact_is_refused_and_the_active_model_keeps_serving(
    manager: MLModelManager, settings: Settings, damage: str
) -> None:
    good, bad = save_scaler(manager, 1), save_scaler(manager, 2)
    manager.deploy_model(good)
    blob = settings.ml_model_path / f"{bad}.joblib"
    if damage == "flip":
        flip_byte(blob)
    elif damage == "truncate":
        blob.write_bytes(blob.read_bytes()[:100])
    else:
        blob.with_suffix(".json").unlink()
    refused = re.escape(f"artifact {bad} failed verification")
    with pytest.raises(ArtifactVerificationError, match=refused):
        manager.deploy_model(bad)
    assert active_rows(manager) == [good]
    fresh = MLModelManager(settings)  # no cache: loads from disk and verifies again
    np.testing.assert_allclose(fresh.load_active().mean_, fitted_scaler(1)[1].mean(axis=0))
    fresh.close()


def test_foreign_joblib_dropped_into_the_folder_is_refused(
    manager: MLModelManager, settings: Settings
) -> None:
    manager.deploy_model(save_scaler(manager, 1))
    joblib.dump(fitted_scaler(3)[0], settings.ml_model_path / "foreign_v2.0.0.joblib")
    with pytest.raises(ArtifactVerificationError, match=r"foreign_v2\.0\.0 failed verification"):
        manager.deploy_model("foreign_v2.0.0")
    assert [m.version for m in manager.list_models()] == ["1.0.0"]
    assert active_rows(manager) == ["1.0.0"]


def test_tampered_active_file_refused_on_fresh_load_while_cached_copy_serves(
    manager: MLModelManager, settings: Settings
) -> None:
    version = save_scaler(manager, 1)
    manager.deploy_model(version)
    manager.load_active()
    flip_byte(settings.ml_model_path / f"{version}.joblib")
    assert manager.load_active() is not None
    fresh = MLModelManager(settings)
    with pytest.raises(ArtifactVerificationError):
        fresh.load_active()
    fresh.close()


@pytest.mark.parametrize("name", BAD_NAMES)
def test_path_traversal_names_are_rejected_everywhere(manager: MLModelManager, name: str) -> None:
    model, _ = fitted_scaler(1)
    calls: list[Callable[[], object]] = [
        lambda: manager.deploy_model(name),
        lambda: manager.rollback_model(name),
        lambda: manager.register_model(name),
        lambda: manager.load_model(name),
        lambda: manager.save_model(model, version=name),
    ]
    for call in calls:
        with pytest.raises(BadInput):
            call()
    assert not list(manager.settings.ml_model_path.parent.glob("*.joblib"))


def test_artifact_copied_in_under_another_file_name_deploys_by_version(
    manager: MLModelManager, settings: Settings, tmp_path: Path
) -> None:
    copy_in_new_model(settings, tmp_path, 5)
    info = manager.deploy_model("new_model_v1.1.0", by="ops", reason="guide flow")
    assert info.version == "new_model_v1.1.0"
    assert active_rows(manager) == ["new_model_v1.1.0"]
    np.testing.assert_allclose(manager.load_active().mean_, fitted_scaler(5)[1].mean(axis=0))


@pytest.mark.parametrize(("size", "expected"), [("2", ["1.1.0", "1.2.0"]), ("100", None)])
def test_model_cache_holds_at_most_ml_model_cache_size_models(
    env: Path, monkeypatch: pytest.MonkeyPatch, size: str, expected: list[str] | None
) -> None:
    monkeypatch.setenv("ML_MODEL_CACHE_SIZE", size)
    get_settings.cache_clear()
    manager = MLModelManager(get_settings())
    versions = [save_scaler(manager, seed) for seed in (1, 2, 3)]
    for version in versions:
        manager.load_model(version)
    assert manager.cache.versions() == (expected or versions)
    for version in versions:  # cached models are served from memory, others re-read
        flip_byte(manager.settings.ml_model_path / f"{version}.joblib")
    for version in versions:
        if version in manager.cache.versions():
            assert manager.load_model(version) is not None
        else:
            with pytest.raises(ArtifactVerificationError):
                manager.load_model(version)
    manager.close()


def test_performance_metrics_come_from_training_metrics_and_measured_latency(
    manager: MLModelManager, caplog: pytest.LogCaptureFixture
) -> None:
    version = save_scaler(manager, 1, accuracy=0.9, precision=0.8, recall=0.75, latency_ms=40.0)
    manager.deploy_model(version)
    caplog.set_level(logging.INFO, logger="drillwatch.ml.models")
    before = manager.get_performance_metrics()
    assert (before.accuracy, before.precision, before.recall) == (0.9, 0.8, 0.75)
    assert (before.latency_ms, before.latency_samples) == (40.0, 0)
    for ms in (10.0, 20.0, 60.0):
        manager.record_latency(ms)
    after = manager.get_performance_metrics()
    assert (after.version, after.latency_ms, after.latency_samples) == (version, 30.0, 3)
    lines = [r.getMessage() for r in caplog.records if r.name == "drillwatch.ml.models"]
    assert any(
        line.startswith(f"model_performance version={version} accuracy=0.9") for line in lines
    )


def test_deploy_rollback_and_refusals_are_logged(
    manager: MLModelManager, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="drillwatch.ml.models")
    first, second = save_scaler(manager, 1), save_scaler(manager, 2)
    manager.deploy_model(first, by="alice", reason="initial")
    manager.deploy_model(second, by="bob")
    manager.rollback_model(by="carol", reason="regression")
    flip_byte(settings.ml_model_path / f"{second}.joblib")
    with pytest.raises(ArtifactVerificationError):
        manager.deploy_model(second, by="dave")
    lines = [r.getMessage() for r in caplog.records if r.name == "drillwatch.ml.models"]
    assert f"model_deploy version={first} previous=None by=alice reason='initial'" in lines
    assert f"model_rollback version={first} previous={second} by=carol reason='regression'" in (
        lines
    )
    assert any(line.startswith(f"model_deploy_refused version={second} by=dave") for line in lines)


BAD_ACTORS = [(" ", "", "by"), ("x" * 129, "", "by"), ("ops", "r" * 2001, "reason")]


@pytest.mark.parametrize(("by", "reason", "field"), BAD_ACTORS)
def test_switch_actor_and_reason_are_validated(
    manager: MLModelManager, by: str, reason: str, field: str
) -> None:
    version = save_scaler(manager, 1)
    with pytest.raises(BadInput) as info:
        manager.deploy_model(version, by=by, reason=reason)
    assert info.value.field == field
    assert active_rows(manager) == []
