"""/api/ml across app lifetimes: ML switched off, alerts surviving a restart, and the
operations guide's curl, grep and health-report commands against `python main.py`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import BACKEND_DIR, get_settings
from app.main import create_app
from tests.api.test_ml_api import login
from tests.ml.service_helpers import Fleet, simulate, wait_for
from tests.support import ADMIN_PASSWORD, env_values


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return simulate(tmp_path_factory.mktemp("fleet"), 16, 30, 3)


@pytest.fixture
def disabled(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ML_ENABLED", "false")
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        yield client


def test_ml_disabled_answers_503_on_every_ml_route_but_health(disabled: TestClient) -> None:
    health = disabled.get("/api/ml/health").json()
    assert (health["status"], health["ml_enabled"]) == ("disabled", False)
    assert set(health["services"].values()) == {"disabled"}
    assert disabled.get("/api/ml/alerts").status_code == 401  # credentials are checked first
    headers = login(disabled, "admin", ADMIN_PASSWORD)
    paths = disabled.get("/openapi.json").json()["paths"]
    routes = [(m, p) for p, ops in paths.items() if p.startswith("/api/ml/") for m in ops]
    assert len(routes) == 12
    for method, path in routes:
        if path == "/api/ml/health":
            continue
        response = disabled.request(method, path.replace("{", "").replace("}", ""), headers=headers)
        assert response.status_code == 503, (method, path)
        assert "ML_ENABLED=false" in response.json()["detail"]
    assert disabled.get("/api/v1/health").json()["status"] == "ok"
    assert disabled.get("/api/v1/sessions", headers=headers).status_code == 200
    assert not any(t.name == "ml-watch" for t in threading.enumerate())


def test_alerts_and_their_lifecycle_survive_a_restart(env: Path, fleet: Fleet) -> None:
    shutil.copy(fleet.csv, env / "drop" / "fleet.csv")
    with TestClient(create_app()) as first:
        headers = login(first, "admin", ADMIN_PASSWORD)
        wait_for(lambda: first.get("/api/ml/alerts", headers=headers).json()["data"] != [])
        before = first.get("/api/ml/alerts", headers=headers).json()["data"]
        alert_id = before[0]["alert_id"]
        path = f"/api/ml/alerts/{alert_id}/acknowledge"
        assert first.post(path, headers=headers, json={"notes": "seen"}).status_code == 200
    with TestClient(create_app()) as second:
        headers = login(second, "admin", ADMIN_PASSWORD)
        after = second.get("/api/ml/alerts", headers=headers).json()["data"]
        assert {a["alert_id"] for a in after} == {a["alert_id"] for a in before}
        kept = next(a for a in after if a["alert_id"] == alert_id)
        assert (kept["status"], kept["acknowledged_notes"]) == ("acknowledged", "seen")
        models = second.get("/api/ml/models", headers=headers).json()
        assert [d["version"] for d in models["deployments"]] == ["1.0.0"]  # no retraining


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sh(script: str, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )  # a hang, not a slow machine
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def server(tmp_path: Path, fleet: Fleet) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`python main.py` on a free port with the fleet in its drop folder; yields (url, env, dir)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ML_", "FEATURE_"))}
    env |= env_values(tmp_path)
    env |= {"HOST": "127.0.0.1", "PORT": str(port)}
    (tmp_path / "drop").mkdir()
    shutil.copy(fleet.csv, tmp_path / "drop" / "fleet.csv")
    process = subprocess.Popen(
        [sys.executable, "main.py"], cwd=BACKEND_DIR, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://localhost:{port}"
    try:
        ready = f"curl -s {url}/api/ml/health | jq -r .status"
        wait_for(lambda: sh(ready + " || true", tmp_path, env).strip() == "healthy", 90)
        yield url, env, tmp_path
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the guide's graceful stop, by pid
            # uvicorn shuts down cleanly, then re-raises the signal it caught
            assert process.wait(timeout=20) in (0, -signal.SIGTERM)


def test_the_guides_curl_commands_work_against_a_running_server(
    server: tuple[str, dict[str, str], Path],
) -> None:
    url, env, cwd = server
    token = sh(
        f"curl -s -X POST {url}/api/v1/auth/token -d username=admin "
        f"-d password={ADMIN_PASSWORD} | jq -r .access_token",
        cwd,
        env,
    ).strip()
    env = env | {"AUTH": f"Authorization: Bearer {token}"}
    health = sh(f"curl -X GET {url}/api/ml/health | jq -c .services", cwd, env)
    assert health.strip() == (
        '{"feature_engineering":"ready","health_scoring":"ready",'
        '"predictive_alerts":"ready","model_manager":"ready"}'
    )
    scores = f'curl -s -H "$AUTH" {url}/api/ml/health-scores'
    assert sh(scores + " | jq '.data | length'", cwd, env).strip() == "16"
    status = sh(
        f'curl -s -X GET -H "$AUTH" {url}/api/ml/model-status | jq -r .active.version', cwd, env
    )
    assert status.strip() == "1.0.0"
    alerts = sh(
        f'curl -s -X GET -H "$AUTH" "{url}/api/ml/alerts?limit=5" | jq ".data | length"', cwd, env
    )
    assert 1 <= int(alerts) <= 5
    debug = sh(
        scores + "?include_debug=true | jq -r '.data[0].debug | keys | join(\",\")'", cwd, env
    )
    assert debug.strip() == "features,internals"
    query = "device_id=device_001&include_debug=true"
    missing = (
        f'curl -s -o /dev/null -w "%{{http_code}}" -H "$AUTH" "{url}/api/ml/health-scores?{query}"'
    )
    assert sh(missing, cwd, env) == "404"
    assert (
        sh(f"curl -s -o /dev/null -w '%{{http_code}}' {url}/api/ml/health-scores", cwd, env)
        == "401"
    )
    report = sh(HEALTH_REPORT.replace("http://localhost:8000", url), cwd, env)
    assert '"model_manager": "ready"' in report
    assert "processing_time" in report
    assert int(report.strip().splitlines()[-1]) >= int(alerts)  # limit 10 vs limit 5
    for command in GREPS:
        assert sh(command, cwd, env).strip(), command
    assert sh('grep "ERROR" logs/ml/*.log | wc -l', cwd, env).strip() == "0"


# The guide's daily report (check_ml_health.sh); the alert query carries a token.
HEALTH_REPORT = """
echo "=== ML System Health Report $(date) ==="
echo "Services Status:"
curl -s http://localhost:8000/api/ml/health | jq '.services'

echo -e "\\nRecent Errors:"
grep "ERROR" logs/ml/*.log | tail -5

echo -e "\\nProcessing Times (last 24h):"
grep "processing_time" logs/ml/processing.log | tail -10

echo -e "\\nAlert Summary:"
curl -s -H "$AUTH" http://localhost:8000/api/ml/alerts?limit=10 | jq '.data | length'
"""
GREPS = [
    'grep "processing_time" logs/ml/processing.log | tail -10',
    'grep "cache_hit" logs/ml/processing.log | tail -20',
    'grep "feature_engineering" logs/ml/processing.log | tail -5',
    'grep "feature_quality" logs/ml/processing.log | tail -5',
    'grep "model_performance" logs/ml/models.log | tail -10',
    'grep "GET /api/ml" logs/app.log | tail -20',
    'grep "401\\|403" logs/app.log | grep "/api/ml"',
]
