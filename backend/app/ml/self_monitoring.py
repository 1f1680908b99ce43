"""The guide's "Alerting Thresholds", evaluated inside the server.

``GET /api/ml/health?include_checks=true`` lists them; Prometheus evaluates the same
conditions from ``/api/v1/metrics`` (``deploy/prometheus/drillwatch-rules.yml``).
Windows are the rules' windows: failures, scoring time and error shares over the last
hour, a service down for more than five minutes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from statistics import fmean

from app.core import metrics

SERVICE_DOWN_SECONDS = 300.0  # ML service down for > 5 minutes
FAILURES_PER_HOUR = 10  # feature processing failures > 10 per hour
MEAN_SCORING_SECONDS = 5.0  # average health score calculation time > 5 seconds
MEMORY_BYTES = 1e9  # memory usage > 1GB
ERROR_SHARE = 0.05  # error rate > 5% in any ML component
WINDOW_SECONDS = 3600.0


@dataclass(frozen=True)
class Check:
    """One threshold: the value now, the limit, and whether the value is past it."""

    name: str
    value: float | None
    threshold: float
    unit: str
    firing: bool


class Window:
    """Timestamped values of the last hour (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._items: deque[tuple[float, float]] = deque()
        self._lock = threading.Lock()

    def add(self, value: float) -> None:
        """Record ``value`` now."""
        with self._lock:
            self._items.append((self.clock(), value))

    def values(self) -> list[float]:
        """The values of the last WINDOW_SECONDS."""
        oldest = self.clock() - WINDOW_SECONDS
        with self._lock:
            while self._items and self._items[0][0] < oldest:
                self._items.popleft()
            return [v for _, v in self._items]


class DownClock:
    """How long each ML service has been seen not ready, across health evaluations."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._since: dict[str, float] = {}
        self._lock = threading.Lock()

    def longest(self, services: Mapping[str, str]) -> float:
        """Seconds the longest-down service has been not ready (0 when all are ready)."""
        now = self.clock()
        with self._lock:
            for name, state in services.items():
                if state == "ready":
                    self._since.pop(name, None)
                else:
                    self._since.setdefault(name, now)
            return max((now - t for t in self._since.values()), default=0.0)


class SelfMonitor:
    """Run outcomes, scoring times and ML API answers of one server process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.runs = Window(clock)  # 1.0 failed, 0.0 succeeded
        self.scoring = Window(clock)  # seconds
        self.api = Window(clock)  # 1.0 for a 5xx answer of /api/ml, else 0.0
        self.down = DownClock(clock)

    def record_run(self, ok: bool) -> None:
        """One ML processing run ended (also counted for Prometheus)."""
        metrics.record_ml_run(ok)
        self.runs.add(0.0 if ok else 1.0)

    def record_api(self, status: int) -> None:
        """One /api/ml request was answered with ``status``."""
        self.api.add(1.0 if status >= 500 else 0.0)

    def checks(self, down_seconds: float, memory: float | None) -> list[Check]:
        """Every guide threshold, evaluated now (``down_seconds`` from ``down.longest``)."""
        runs, scoring, api = self.runs.values(), self.scoring.values(), self.api.values()
        return [
            _above("ml_service_down_seconds", down_seconds, SERVICE_DOWN_SECONDS, "s"),
            _above("ml_processing_failures_last_hour", sum(runs), FAILURES_PER_HOUR, "runs"),
            _above(
                "mean_health_scoring_seconds_last_hour", _mean(scoring), MEAN_SCORING_SECONDS, "s"
            ),
            _above("memory_bytes", memory, MEMORY_BYTES, "B"),
            _above("ml_processing_error_share_last_hour", _mean(runs), ERROR_SHARE, "share"),
            _above("ml_api_error_share_last_hour", _mean(api), ERROR_SHARE, "share"),
        ]


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def _above(name: str, value: float | None, threshold: float, unit: str) -> Check:
    return Check(name, value, threshold, unit, value is not None and value > threshold)


def resident_memory() -> float | None:
    """This process's resident memory in bytes, as /api/v1/metrics reports it."""
    return metrics.REGISTRY.get_sample_value("process_resident_memory_bytes")
