"""MLModelManager: versioned, signed model artifacts with an atomic active pointer.

Artifacts live in ML_MODEL_PATH (``<version>.joblib`` + signed ``<version>.json``); the
registry (versions, the active flag, deployment history) lives in the SQL store, so
switching the active model is one transaction: a crash leaves the old or the new model
active, never neither. Artifacts are verified before anything is unpickled.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from statistics import fmean
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings, get_settings
from app.core.errors import BadInput, Conflict, NotFound, Unavailable
from app.core.logging import configure_cli_logging
from app.db.session import build_engine, build_session_factory, migrate
from app.ml.registry.artifacts import (
    ArtifactStore,
    ArtifactVerificationError,
    load_verified,
    model_signing_key,
)
from app.ml.registry.cache import ModelCache
from app.ml.registry.metadata import build_metadata, created_at, optional_float, row_details
from app.ml.registry.names import next_version, validate_version
from app.ml.registry.records import DeploymentRecord, ModelInfo, PerformanceMetrics
from app.ml.registry.repository import RegistryRepository, to_info

LOGGER_NAME = "drillwatch.ml.models"
log = logging.getLogger(LOGGER_NAME)
LATENCY_WINDOW = 1000
MAX_ACTOR = 128
MAX_REASON = 2000


class MLModelManager:
    """Save, register, verify, deploy, roll back and load model versions."""

    def __init__(
        self,
        settings: Settings | None = None,
        session_factory: sessionmaker[Session] | None = None,
    ) -> None:
        standalone = settings is None
        self.settings = settings if settings is not None else get_settings()
        self._engine: Engine | None = None
        if session_factory is None:
            self.settings.ensure_directories()
            self._engine = build_engine(self.settings)
            migrate(self._engine)
            session_factory = build_session_factory(self._engine)
        if standalone and not logging.getLogger(LOGGER_NAME).handlers:
            configure_cli_logging(self.settings, "model-manager")  # the guide's python -c use
        self.session_factory = session_factory
        self.store = ArtifactStore(self.settings.ml_model_path, model_signing_key(self.settings))
        self.cache = ModelCache(self.settings.ml_model_cache_size)
        self._latencies: dict[str, deque[float]] = {}
        self._latency_lock = threading.Lock()

    def close(self) -> None:
        """Release the engine this manager built for itself (if any)."""
        if self._engine is not None:
            self._engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[RegistryRepository]:
        with self.session_factory() as session, session.begin():
            yield RegistryRepository(session)

    def save_model(
        self,
        model_obj: Any,
        version: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> ModelInfo:
        """Write a signed artifact for ``model_obj`` and register it (not deployed)."""
        document = build_metadata(self.settings, metadata)
        with self._transaction() as repo:
            version = self._new_version(repo, version)
        sidecar = self.store.write(version, model_obj, document)
        try:
            with self._transaction() as repo:
                info = to_info(
                    repo.add(version, sidecar["sha256"], created_at(sidecar), row_details(sidecar))
                )
        except BaseException:
            self.store.discard(version)
            raise
        log.info(
            "model_saved version=%s sha256=%s class=%s", version, info.sha256, info.model_class
        )
        return info

    def register_model(self, name: str) -> ModelInfo:
        """Register an artifact copied into ML_MODEL_PATH after verifying its signature."""
        name = validate_version(name)
        with self._transaction() as repo:
            row = repo.get(name)
            if row is not None:
                return to_info(row)
        _, sidecar = self.store.import_artifact(name)
        try:
            with self._transaction() as repo:
                row = repo.add(name, sidecar["sha256"], created_at(sidecar), row_details(sidecar))
                info = to_info(row)
        except IntegrityError:  # registered concurrently by another process
            return self._info(name)
        log.info("model_registered version=%s sha256=%s", name, info.sha256)
        return info

    def deploy_model(self, version: str, by: str = "cli", reason: str = "") -> ModelInfo:
        """Make ``version`` the active model (registering a copied-in artifact first)."""
        return self._switch(version, "deploy", by, reason)

    def rollback_model(
        self, version: str | None = None, by: str = "cli", reason: str = ""
    ) -> ModelInfo:
        """Reactivate ``version``, or the previously active version when None."""
        if version is None:
            with self._transaction() as repo:
                last = repo.last_deployment()
                version = last.previous_version if last is not None else None
            if version is None:
                raise Conflict("no previous model version to roll back to", field="version")
        return self._switch(version, "rollback", by, reason)

    def list_models(self) -> list[ModelInfo]:
        """Every registered version, oldest first."""
        with self._transaction() as repo:
            return [to_info(row) for row in repo.all_versions()]

    def active_model(self) -> ModelInfo | None:
        """The active version's record, or None before the first deployment."""
        with self._transaction() as repo:
            row = repo.active()
            return to_info(row) if row is not None else None

    def deployment_history(self) -> list[DeploymentRecord]:
        """Which version was active when, who switched it and why (oldest first)."""
        with self._transaction() as repo:
            return repo.history()

    def verify_model(self, version: str) -> ModelInfo:
        """Check the registered ``version``'s files on disk (digest and signature)."""
        info = self._info(validate_version(version))
        self.store.read_verified(info.version, info.sha256)
        return info

    def load_model(self, version: str) -> Any:
        """The verified, loaded model of a registered ``version`` (LRU-cached)."""
        info = self._info(validate_version(version))
        cached = self.cache.get(info.version, info.sha256)
        if cached is not None:
            return cached
        data, _ = self.store.read_verified(info.version, info.sha256)
        try:
            model = load_verified(data)
        except Exception as exc:  # signed by us, yet not loadable here (e.g. code moved)
            raise Conflict(
                f"artifact {info.version} verified but could not be loaded: {exc!r}"
            ) from exc
        self.cache.put(info.version, info.sha256, model)
        return model

    def load_active_with_info(self) -> tuple[ModelInfo, Any]:
        """The active version's record and its verified, loaded model."""
        info = self.active_model()
        if info is None:
            raise Unavailable("no model is deployed; train one or deploy a registered version")
        return info, self.load_model(info.version)

    def load_active(self) -> Any:
        """The active model, verified and loaded."""
        return self.load_active_with_info()[1]

    def record_latency(self, latency_ms: float, version: str | None = None) -> None:
        """Record one scoring call's duration for ``version`` (default: the active one)."""
        if version is None:
            active = self.active_model()
            if active is None:
                return
            version = active.version
        with self._latency_lock:
            window = self._latencies.setdefault(version, deque(maxlen=LATENCY_WINDOW))
            window.append(float(latency_ms))

    def get_performance_metrics(self) -> PerformanceMetrics:
        """Evaluation metrics of the active model and its scoring latency (logged)."""
        info = self.active_model()
        if info is None:
            raise Unavailable("no model is deployed; no performance metrics yet")
        with self._latency_lock:
            samples = list(self._latencies.get(info.version, ()))
        latency = fmean(samples) if samples else optional_float(info.metrics.get("latency_ms"))
        metrics = PerformanceMetrics(
            version=info.version,
            accuracy=optional_float(info.metrics.get("accuracy")),
            precision=optional_float(info.metrics.get("precision")),
            recall=optional_float(info.metrics.get("recall")),
            latency_ms=latency,
            latency_samples=len(samples),
        )
        log.info(
            "model_performance version=%s accuracy=%s precision=%s recall=%s latency_ms=%s "
            "latency_samples=%d",
            metrics.version,
            metrics.accuracy,
            metrics.precision,
            metrics.recall,
            metrics.latency_ms,
            metrics.latency_samples,
        )
        return metrics

    def _switch(self, version: str, action: str, by: str, reason: str) -> ModelInfo:
        version = validate_version(version)
        by, reason = _checked_actor(by, reason)
        try:  # refuse before switching: the active model keeps serving
            self.register_model(version)
            self.verify_model(version)
            self.load_model(version)
        except ArtifactVerificationError as exc:
            log.warning("model_%s_refused version=%s by=%s error=%s", action, version, by, exc)
            raise
        try:
            with self._transaction() as repo:
                row = repo.get(version)
                if row is None:
                    raise NotFound(f"model version {version} is not registered", field="version")
                if row.is_active:
                    log.info("model_%s version=%s already active by=%s", action, version, by)
                    return to_info(row)
                previous = repo.switch(version, action, by, reason)
                info = to_info(row)
        except IntegrityError:
            raise Conflict("another model switch happened at the same time; retry") from None
        log.info(
            "model_%s version=%s previous=%s by=%s reason=%r", action, version, previous, by, reason
        )
        return info

    def _info(self, version: str) -> ModelInfo:
        with self._transaction() as repo:
            row = repo.get(version)
            if row is None:
                raise NotFound(f"model version {version} is not registered", field="version")
            return to_info(row)

    def _new_version(self, repo: RegistryRepository, version: str | None) -> str:
        if version is None:
            return next_version([row.version for row in repo.all_versions()] + self.store.names())
        version = validate_version(version)
        if repo.get(version) is not None:
            raise Conflict(f"model version {version} already exists", field="version")
        return version


def _checked_actor(by: str, reason: str) -> tuple[str, str]:
    by = by.strip()
    if not by or len(by) > MAX_ACTOR:
        raise BadInput(f"'by' must be 1-{MAX_ACTOR} characters naming who switches", field="by")
    if len(reason) > MAX_REASON:
        raise BadInput(f"reason must be at most {MAX_REASON} characters", field="reason")
    return by, reason.strip()
