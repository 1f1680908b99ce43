"""The guide's alerting thresholds inside the server: windows, checks, /api/ml/health."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.ml import self_monitoring as sm
from app.ml.self_monitoring import SelfMonitor


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def firing(monitor: SelfMonitor, down: float = 0.0, memory: float | None = None) -> set[str]:
    """Names of the checks past their threshold."""
    return {c.name for c in monitor.checks(down, memory) if c.firing}


def test_each_check_fires_just_past_the_guides_threshold() -> None:
    monitor = SelfMonitor(Clock())
    assert firing(monitor, down=300.0, memory=1e9) == set()
    assert firing(monitor, down=301.0, memory=1e9 + 1) == {
        "ml_service_down_seconds",
        "memory_bytes",
    }
    for _ in range(190):
        monitor.record_run(ok=True)
    for _ in range(10):
        monitor.record_run(ok=False)
    assert firing(monitor) == set(), "10 failures in 200 runs: at both limits, not past"
    monitor.record_run(ok=False)
    assert firing(monitor) == {
        "ml_processing_failures_last_hour",
        "ml_processing_error_share_last_hour",
    }


def test_scoring_time_and_api_errors_are_averaged() -> None:
    monitor = SelfMonitor(Clock())
    for seconds in (4.0, 6.0):
        monitor.scoring.add(seconds)
    for status in [200] * 19 + [503]:
        monitor.record_api(status)
    checks = {c.name: c for c in monitor.checks(0.0, None)}
    assert checks["mean_health_scoring_seconds_last_hour"].value == 5.0
    assert checks["ml_api_error_share_last_hour"].value == 0.05
    assert not checks["ml_api_error_share_last_hour"].firing
    monitor.scoring.add(5.3)
    monitor.record_api(500)
    assert firing(monitor) == {
        "mean_health_scoring_seconds_last_hour",
        "ml_api_error_share_last_hour",
    }


def test_windows_forget_what_is_older_than_an_hour() -> None:
    clock = Clock()
    monitor = SelfMonitor(clock)
    for _ in range(11):
        monitor.record_run(ok=False)
    clock.now += sm.WINDOW_SECONDS - 1
    monitor.record_run(ok=True)
    assert "ml_processing_failures_last_hour" in firing(monitor)
    clock.now += 2
    checks = {c.name: c for c in monitor.checks(0.0, None)}
    assert checks["ml_processing_failures_last_hour"].value == 0
    assert checks["ml_processing_error_share_last_hour"].value == 0.0
    assert checks["mean_health_scoring_seconds_last_hour"].value is None


def test_down_time_counts_from_the_first_sighting_until_ready_again() -> None:
    clock = Clock()
    down = SelfMonitor(clock).down
    assert down.longest({"health_scoring": "not_ready", "model_manager": "ready"}) == 0.0
    clock.now += 200
    assert down.longest({"health_scoring": "not_ready", "model_manager": "error"}) == 200.0
    clock.now += 150
    assert down.longest({"health_scoring": "ready", "model_manager": "error"}) == 150.0
    assert down.longest({"health_scoring": "ready", "model_manager": "ready"}) == 0.0


def rss_bytes() -> float:
    """This process's resident memory from /proc (not through prometheus_client)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return float(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_ml_health_lists_the_checks_only_when_asked(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    assert set(client.get("/api/ml/health").json()) == {
        "status",
        "ml_enabled",
        "services",
        "last_updated",
    }
    # an empty store: the ML run fails and the route answers 503
    assert client.get("/api/ml/health-scores", headers=admin_headers).status_code == 503
    body = client.get("/api/ml/health", params={"include_checks": "true"}).json()
    checks = {c["name"]: c for c in body["checks"]}
    assert list(checks) == [
        "ml_service_down_seconds",
        "ml_processing_failures_last_hour",
        "mean_health_scoring_seconds_last_hour",
        "memory_bytes",
        "ml_processing_error_share_last_hour",
        "ml_api_error_share_last_hour",
    ]
    assert checks["memory_bytes"]["value"] == pytest.approx(rss_bytes(), rel=0.3)
    assert checks["memory_bytes"]["threshold"] == 1e9
    assert checks["ml_processing_failures_last_hour"]["value"] >= 1
    assert checks["ml_processing_error_share_last_hour"]["value"] == 1.0
    # /api/ml answers before this one: the first health check (200) and the 503
    assert checks["ml_api_error_share_last_hour"] == {
        "name": "ml_api_error_share_last_hour",
        "value": 0.5,
        "threshold": 0.05,
        "unit": "share",
        "firing": True,
    }
    assert client.get("/api/ml/health", params={"include_checks": "maybe"}).status_code == 422
