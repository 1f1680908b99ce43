"""The latest fleet result in memory, refreshed in the background; requests never block on it.

A watcher thread probes the run key (data version, active model, settings) every few
seconds and starts a refresh when the key changed or the result is older than
ML_FEATURE_CACHE_TTL. Refreshes run one at a time in a worker thread. A request gets
the last result at once (marked stale while a newer one is due); only when there is
no result yet does it wait, at most ML_MAX_PROCESSING_TIME, then answers 503.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass

from app.core import metrics
from app.core.errors import AppError, Unavailable
from app.ml.preprocessing.feature_engineering import data_version
from app.ml.serving.fleet_result import FleetResult, RunKey
from app.storage.duckdb import TelemetryStore

log = logging.getLogger("drillwatch.ml.processing")
FIRST_CHECK_DELAY = 1.0
CLOSE_TIMEOUT = 5.0


def probe_data_version(store: TelemetryStore) -> str | None:
    """The store's data version without waiting; None while another process holds it."""
    try:
        with store.without_waiting().connect() as conn:
            return data_version(conn)
    except Unavailable:
        return None


@dataclass(frozen=True)
class Served:
    """A result as handed to a request, with its freshness."""

    result: FleetResult
    stale: bool
    refreshing: bool


class ResultRefresher:
    """Single-flight background refreshes of one cached ``FleetResult``."""

    def __init__(
        self,
        compute: Callable[[], FleetResult],
        probe: Callable[[], RunKey | None],
        *,
        ttl: float,
        wait: float,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        observe: Callable[[bool], None] = metrics.record_ml_run,
    ) -> None:
        self.compute = compute
        self.observe = observe  # told whether each run succeeded
        self.probe = probe
        self.ttl = ttl
        self.wait = wait
        self.interval = interval
        self.clock = clock
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ml-refresh")
        self._future: Future[FleetResult] | None = None
        self._result: FleetResult | None = None
        self._result_at = 0.0
        self._latest_key: RunKey | None = None
        self.error: BaseException | None = None
        self._error_key: RunKey | None = None
        self.runs = 0
        self.probe_state = "unknown"  # ok | busy | error: how the last probe went
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self, after: threading.Thread | None = None) -> None:
        """Watch for new data in the background (after ``after`` finished, if given)."""
        self._watcher = threading.Thread(
            target=self._watch, args=(after,), name="ml-watch", daemon=True
        )
        self._watcher.start()

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Stop watching, drop queued work and give a running refresh ``timeout`` s to end."""
        self._stop.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            running = self._future
        if running is not None:
            futures_wait([running], timeout=timeout)

    def _watch(self, after: threading.Thread | None) -> None:
        if after is not None:
            after.join()
        # a moment's grace after start-up: a process about to take the store gets it first
        self._stop.wait(min(self.interval, FIRST_CHECK_DELAY))
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.interval)

    def check(self) -> None:
        """Probe the key and refresh when the data, model or settings changed or TTL expired."""
        try:
            key = self.probe()
        except Exception:  # a failed probe must not stop the watcher
            self.probe_state = "error"
            log.warning("ml_refresh probe failed", exc_info=True)
            return
        self.probe_state = "busy" if key is None else "ok"
        if key is None:
            return  # the store is busy (an ingest in another process): look again later
        with self._lock:
            self._latest_key = key
            result, failed_for = self._result, self._error_key
        due = failed_for != key if result is None else result.key != key or self._expired()
        if due and not self._stop.is_set():
            with contextlib.suppress(Unavailable):  # closed meanwhile
                self.refresh()

    def refresh(self) -> Future[FleetResult]:
        """The running refresh, or a new one."""
        with self._lock:
            if self._future is None or self._future.done():
                if self._stop.is_set():
                    raise Unavailable("the ML service is shutting down")
                self._future = self._executor.submit(self._run)
            return self._future

    def _run(self) -> FleetResult:
        try:
            result = self.compute()
        except BaseException as exc:
            with self._lock:
                self.error, self._error_key = exc, self._latest_key
            log.warning("ml_refresh failed: %s", exc)
            self.observe(False)
            raise
        self.observe(True)
        with self._lock:
            self._result, self._result_at = result, self.clock()
            self._latest_key = result.key
            self.error = self._error_key = None
            self.runs += 1
        return result

    def _expired(self) -> bool:
        return self.ttl <= 0 or self.clock() - self._result_at > self.ttl

    @property
    def refreshing(self) -> bool:
        """True while a refresh runs."""
        with self._lock:
            return self._future is not None and not self._future.done()

    def generation(self) -> tuple[int, bool, RunKey | None]:
        """Changes with the served result, a refresh starting or ending, or new data seen."""
        with self._lock:
            running = self._future is not None and not self._future.done()
            return (self.runs, running, self._latest_key)

    @property
    def latest(self) -> FleetResult | None:
        """The cached result, whatever its age."""
        with self._lock:
            return self._result

    def age(self) -> float | None:
        """Seconds since the cached result was computed."""
        with self._lock:
            return None if self._result is None else self.clock() - self._result_at

    def get(self) -> Served:
        """The cached result now, or the first one within ML_MAX_PROCESSING_TIME."""
        with self._lock:
            result, latest = self._result, self._latest_key
        if result is not None:
            expired = self._expired()
            if expired:
                self.refresh()
            changed = latest is not None and latest != result.key
            return Served(result, expired or changed, self.refreshing)
        future = self.refresh()
        try:
            return Served(future.result(timeout=self.wait), False, False)
        except FutureTimeout:
            raise Unavailable(
                f"health scores are still being computed after {self.wait:g} s "
                f"(ML_MAX_PROCESSING_TIME={self.wait:g}); retry in a moment"
            ) from None
        except AppError:
            raise
        except Exception as exc:
            raise Unavailable(f"ML processing failed: {exc}") from exc
