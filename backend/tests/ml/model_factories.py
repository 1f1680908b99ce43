"""Helpers for model-registry tests: small real estimators and registry probes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler
from sqlalchemy import text

from app.core.config import Settings, load_settings
from app.ml.models.model_manager import MLModelManager


def fitted_scaler(seed: int) -> tuple[StandardScaler, np.ndarray]:
    """A small fitted sklearn estimator and the data it was fitted on."""
    data = np.random.default_rng(seed).normal(loc=seed, size=(40, 3))
    return StandardScaler().fit(data), data


def save_scaler(
    manager: MLModelManager, seed: int, version: str | None = None, **metrics: float
) -> str:
    """Save a scaler fitted with ``seed`` (metrics as training metrics); its version."""
    model, _ = fitted_scaler(seed)
    return manager.save_model(model, version=version, metadata={"metrics": metrics}).version


def copy_in_new_model(settings: Settings, tmp: Path, seed: int) -> None:
    """The guide's flow: save ``new_model_v1.1.0`` under ``tmp``, copy it in as ``new_model.*``."""
    staging = MLModelManager(
        load_settings(
            ml_model_path=tmp / "staging",
            database_url=f"sqlite:///{tmp / 'staging.db'}",
        )
    )
    staging.save_model(fitted_scaler(seed)[0], version="new_model_v1.1.0")
    staging.close()
    for suffix in (".joblib", ".json"):  # cp new_model.joblib data/ml/models/
        source = tmp / "staging" / f"new_model_v1.1.0{suffix}"
        (settings.ml_model_path / f"new_model{suffix}").write_bytes(source.read_bytes())


def active_rows(manager: MLModelManager) -> list[str]:
    """Versions flagged active, read with plain SQL."""
    with manager.session_factory() as session:
        return list(session.scalars(text("SELECT version FROM ml_models WHERE is_active")))


def last_switched_to(manager: MLModelManager) -> str | None:
    """The version named by the newest deployment-history row, read with plain SQL."""
    query = text("SELECT version FROM ml_deployments ORDER BY id DESC LIMIT 1")
    with manager.session_factory() as session:
        version = session.scalar(query)
    return None if version is None else str(version)


def flip_byte(path: Path) -> None:
    """Invert one byte in the middle of ``path``."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
