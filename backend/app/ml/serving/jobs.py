"""Training jobs run in the background, one at a time, with their state kept in memory."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from app.core.errors import AppError, Conflict, NotFound
from app.ml.runs.training import Progress, TrainResult

log = logging.getLogger("drillwatch.ml.models")
JobStatus = Literal["queued", "running", "succeeded", "failed"]
MAX_KEPT = 50


@dataclass
class TrainingJob:
    """One training request and how far it got."""

    job_id: str
    requested_by: str
    deploy: bool
    version: str | None
    status: JobStatus = "queued"
    step: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    result: dict[str, Any] | None = None

    def finish(self, result: TrainResult) -> None:
        """Record a successful training."""
        self.version = result.info.version
        self.result = {
            "version": result.info.version,
            "deployed": result.deployed,
            "metrics": result.metrics,
            "training_data": result.training_data,
            "seconds": round(result.seconds, 3),
        }
        self.status, self.finished_at = "succeeded", datetime.now(UTC)

    def fail(self, exc: BaseException) -> None:
        """Record why training failed."""
        self.error = exc.message if isinstance(exc, AppError) else f"{type(exc).__name__}: {exc}"
        self.status, self.finished_at = "failed", datetime.now(UTC)


Runner = Callable[[TrainingJob, Progress], TrainResult]


class TrainingJobs:
    """Queue of training jobs executed by one worker thread."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._jobs: OrderedDict[str, TrainingJob] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ml-train")

    def submit(self, by: str, deploy: bool, version: str | None) -> TrainingJob:
        """Queue a training; 409 while another one is queued or running."""
        with self._lock:
            busy = [j for j in self._jobs.values() if j.status in ("queued", "running")]
            if busy:
                raise Conflict(
                    f"training job {busy[0].job_id} is still {busy[0].status}; "
                    "wait for it to finish",
                    field="job_id",
                )
            job = self._keep(TrainingJob(uuid.uuid4().hex, by, deploy, version))
        self._executor.submit(self.run, job)
        return job

    def run(self, job: TrainingJob) -> TrainResult | None:
        """Execute ``job`` in the calling thread, recording its progress and outcome."""
        with self._lock:
            self._keep(job)
        job.status, job.started_at = "running", datetime.now(UTC)

        def progress(step: str) -> None:
            job.step = step

        try:
            result = self.runner(job, progress)
        except Exception as exc:  # the job records the failure; the API reports it
            job.fail(exc)
            log.warning("training job %s failed: %s", job.job_id, job.error)
            return None
        job.finish(result)
        return result

    def _keep(self, job: TrainingJob) -> TrainingJob:
        self._jobs[job.job_id] = job
        while len(self._jobs) > MAX_KEPT:
            self._jobs.popitem(last=False)
        return job

    def get(self, job_id: str) -> TrainingJob:
        """One job by id (404 when unknown or forgotten)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"training job {job_id} not found", field="job_id")
        return job

    def latest(self) -> TrainingJob | None:
        """The most recent job."""
        with self._lock:
            return next(reversed(self._jobs.values()), None)

    def close(self) -> None:
        """Drop queued jobs; a running one finishes on its own."""
        self._executor.shutdown(wait=False, cancel_futures=True)
