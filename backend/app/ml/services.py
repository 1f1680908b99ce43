"""MLService: the facade the API, the lifespan and the guide's snippets use.

``MLService()`` reads the settings only (``.enabled``, ``.model_path``) and builds the
one frozen ``MLConfig`` every part below it reads; the store, the SQL session factory
and the services behind them are built on first use. The lifespan passes its own store
and session factory and calls ``start`` and ``close``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Hashable
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings, get_settings
from app.core.errors import Conflict, NotFound, Unavailable
from app.db.session import build_engine, build_session_factory, migrate
from app.ml.alerts.predictive_alerts import AlertRecord, PredictiveAlertService
from app.ml.alerts.rules import AlertRules
from app.ml.config import MLConfig
from app.ml.models.health_scoring import HealthModel, HealthScoringService
from app.ml.models.model_manager import MLModelManager
from app.ml.preprocessing.feature_engineering import MLFeatureService
from app.ml.registry.metadata import settings_snapshot
from app.ml.registry.names import validate_version
from app.ml.registry.records import ModelInfo
from app.ml.runs.scoring import Deadline, run_scoring
from app.ml.runs.training import TRAINING_LOCK, Progress, TrainResult, train_model
from app.ml.self_monitoring import SelfMonitor
from app.ml.serving.fleet_result import FleetResult, RunKey, build_result, iso_z, log_run
from app.ml.serving.jobs import TrainingJob, TrainingJobs
from app.ml.serving.refresher import ResultRefresher, probe_data_version
from app.storage.duckdb import TelemetryStore

log = logging.getLogger("drillwatch.ml.processing")
DISABLED = (
    "the ML subsystem is disabled (ML_ENABLED=false); set ML_ENABLED=true and restart "
    "to use /api/ml"
)
WATCH_INTERVAL = 5.0
RUN_HISTORY = 50


class MLService:
    """Features, scores, alerts, models and training behind one object."""

    def __init__(
        self,
        settings: Settings | None = None,
        store: TelemetryStore | None = None,
        session_factory: sessionmaker[Session] | None = None,
        *,
        watch_interval: float = WATCH_INTERVAL,
    ) -> None:
        self.settings = settings if settings is not None else get_settings()
        self.config = MLConfig.from_settings(self.settings)
        self._store = store
        self._session_factory = session_factory
        self._engine: Engine | None = None
        self.watch_interval = watch_interval
        self.started_at = time.time()
        self.run_history: deque[dict[str, Any]] = deque(maxlen=RUN_HISTORY)
        self.monitor = SelfMonitor()
        self._started = False

    @property
    def enabled(self) -> bool:
        """ML_ENABLED."""
        return self.settings.ml_enabled

    @property
    def model_path(self) -> Path:
        """ML_MODEL_PATH (absolute)."""
        return self.settings.ml_model_path

    def require_enabled(self) -> None:
        """503 with a clear message when ML_ENABLED=false."""
        if not self.enabled:
            raise Unavailable(DISABLED)

    @cached_property
    def store(self) -> TelemetryStore:
        """The telemetry store given at construction, else one from the settings."""
        if self._store is not None:
            return self._store
        store = TelemetryStore.from_settings(self.settings)
        store.initialise()
        return store

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """SQL sessions given at construction, else on a migrated DATABASE_URL engine."""
        if self._session_factory is not None:
            return self._session_factory
        self.settings.ensure_directories()
        self._engine = build_engine(self.settings)
        migrate(self._engine)
        return build_session_factory(self._engine)

    @cached_property
    def manager(self) -> MLModelManager:
        """The model registry."""
        return MLModelManager(self.settings, self.session_factory)

    @cached_property
    def features(self) -> MLFeatureService:
        """Daily device features (cached under ML_CACHE_PATH)."""
        return MLFeatureService(self.store, self.settings, config=self.config)

    @cached_property
    def alerts(self) -> PredictiveAlertService:
        """Persisted alerts and their lifecycle."""
        return PredictiveAlertService(AlertRules.from_config(self.config), self.session_factory)

    @cached_property
    def refresher(self) -> ResultRefresher:
        """The cached fleet result and its background refresh."""
        return ResultRefresher(
            self._compute,
            self._probe,
            ttl=self.settings.ml_feature_cache_ttl,
            wait=self.settings.ml_max_processing_time,
            interval=self.watch_interval,
            observe=self.monitor.record_run,
        )

    @cached_property
    def jobs(self) -> TrainingJobs:
        """Background training jobs."""
        return TrainingJobs(self._run_job)

    @cached_property
    def settings_fingerprint(self) -> str:
        """Hash of the settings that shape scores."""
        text = json.dumps(settings_snapshot(self.settings), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def start(self, after: threading.Thread | None = None) -> None:
        """Begin watching for data (after ``after``, e.g. the start-up ingest); no-op if off."""
        if not self.enabled:
            log.info("ml_disabled ML_ENABLED=false: /api/ml answers 503 except /api/ml/health")
            return
        self._started = True
        # built here, before request threads and background threads share them
        _ = (self.manager, self.features, self.alerts, self.jobs)
        self.refresher.start(after)

    def close(self) -> None:
        """Stop background work and release what this service built."""
        for name in ("refresher", "jobs"):
            if name in self.__dict__:
                getattr(self, name).close()
        if "manager" in self.__dict__:
            self.manager.close()
        if self._engine is not None:
            self._engine.dispose()

    def poke(self) -> None:
        """Look for changes now (after a deploy, a rollback or a training)."""
        if self._started:
            self.refresher.check()

    def result_generation(self) -> Hashable:
        """Changes whenever the health scores or alerts served may have: a run or the config."""
        refresher: ResultRefresher | None = self.__dict__.get("refresher")
        runs = None if refresher is None else refresher.generation()
        return (runs, id(self.config))  # config: frozen, replaced as a whole if ever

    def _probe(self) -> RunKey | None:
        active = self.manager.active_model()
        version = probe_data_version(self.store)
        if version is None:
            return None
        model = (active.version, active.sha256) if active is not None else ("", "")
        return RunKey(version, *model, self.settings_fingerprint)

    def _compute(self) -> FleetResult:
        info, model = self._active_model()
        started = time.perf_counter()
        scoring = HealthScoringService(self.settings, model, self.config)
        deadline = Deadline(self.config.max_processing_s)
        output = run_scoring(
            self.store, self.features, scoring, self.alerts, info.version, deadline
        )
        self.manager.record_latency(output.timings["scoring"] * 1000, info.version)
        self.monitor.scoring.add(output.timings["scoring"])
        key = RunKey(output.data_version, info.version, info.sha256, self.settings_fingerprint)
        result = build_result(output, key, time.perf_counter() - started, self.config)
        log_run(result)
        self.run_history.append(dict(result.timings))
        if self.settings.ml_garbage_collect:
            log.info("gc_collect collected=%d after scoring_run", gc.collect())
        return result

    def _active_model(self) -> tuple[ModelInfo, HealthModel]:
        with TRAINING_LOCK:  # an API training that is deploying finishes first
            if self.manager.active_model() is None:
                self._train_initial()
        info, model = self.manager.load_active_with_info()
        if not isinstance(model, HealthModel):
            raise Unavailable(
                f"the active model {info.version} is a {info.model_class}, not a DrillWatch "
                "health model: deploy a version trained by drillwatch train"
            )
        return info, model

    def _train_initial(self) -> None:
        job = TrainingJob(uuid.uuid4().hex, "system", True, None)
        if self.jobs.run(job) is None:
            raise Unavailable(f"no model is deployed and none could be trained yet: {job.error}")

    def _run_job(self, job: TrainingJob, progress: Progress) -> TrainResult:
        result = train_model(
            self.store,
            self.settings,
            self.manager,
            version=job.version,
            deploy=job.deploy,
            by=job.requested_by,
            reason="initial model" if job.requested_by == "system" else "",
            outcomes=self.previous_model_outcomes(),
            labels=self.alerts.outcome_labels(),
            progress=progress,
        )
        if job.requested_by != "system" and job.deploy:
            self.poke()
        return result

    def previous_model_outcomes(self) -> dict[str, int]:
        """Operators' verdicts on the alerts of the active model: training records their
        precision as the previous model's."""
        active = self.manager.active_model()
        return self.alerts.outcomes_of_model(active.version if active else None)

    def start_training(self, by: str, deploy: bool, version: str | None) -> TrainingJob:
        """Queue a training job (202); poll ``training_job``."""
        if version is not None and validate_version(version) in self.manager.store.names():
            raise Conflict(f"model version {version} already exists", field="version")
        return self.jobs.submit(by, deploy, version)

    def training_job(self, job_id: str) -> TrainingJob:
        """A training job's state."""
        return self.jobs.get(job_id)

    def health_scores(
        self,
        device_ids: list[str] | None,
        include_debug: bool | None,
        include_trends: bool,
        days_history: int,
    ) -> str:
        """The health-scores body as JSON text, served from the cached result."""
        served = self.refresher.get()
        result = served.result
        debug = self.settings.ml_debug if include_debug is None else include_debug
        devices = list(dict.fromkeys(device_ids)) if device_ids else result.devices
        unknown = [d for d in devices if d not in result.heads]
        if unknown:
            raise NotFound(
                f"no health score for device {', '.join(unknown)}: unknown device, or no "
                "telemetry in the store's history",
                field="device_id",
            )
        metadata = {
            "count": len(devices),
            "as_of": iso_z(result.as_of),
            "computed_at": iso_z(result.computed_at),
            "model_version": result.model_version,
            "stale": served.stale,
            "refreshing": served.refreshing,
            "processing_time_ms": result.timings["total"],
            "timings_ms": result.timings,
            "feature_quality": result.quality,
            "processing": result.processing,
            "thresholds": self.config.thresholds.named(),
            "include_debug": debug,
            "include_trends": include_trends,
            "days_history": days_history,
        }
        return result.body(devices, metadata, include_trends, days_history, debug)

    def acknowledge(self, alert_id: str, by: str, notes: str | None) -> AlertRecord:
        """open -> acknowledged."""
        return self.alerts.acknowledge(alert_id, by, notes)

    def resolve(self, alert_id: str, by: str, outcome: str, notes: str | None) -> AlertRecord:
        """open|acknowledged -> resolved with an outcome."""
        return self.alerts.resolve(alert_id, by, outcome, notes)

    def deploy(self, version: str, by: str, reason: str) -> ModelInfo:
        """Make ``version`` active (verified first), then refresh the scores."""
        info = self.manager.deploy_model(version, by=by, reason=reason)
        self.poke()
        return info

    def rollback(self, version: str | None, by: str, reason: str) -> ModelInfo:
        """Reactivate ``version`` or the previous one, then refresh the scores."""
        info = self.manager.rollback_model(version, by=by, reason=reason)
        self.poke()
        return info
