"""deploy/prometheus: the guide's alerting thresholds as Prometheus rules over real metrics."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from app.core.config import REPO_DIR
from app.core.metrics import REGISTRY
from app.ml import self_monitoring as sm
from app.ml.serving.refresher import ResultRefresher
from tests.support import process_env
from tests.test_ingest_process import cli, free_port, start_server

DEPLOY = REPO_DIR / "deploy" / "prometheus"
RULES = DEPLOY / "drillwatch-rules.yml"
# The guide's "Alerting Thresholds": alert -> (threshold in its expression, `for` duration)
GUIDE = {
    "DrillWatchDown": ("== 0", "5m"),  # ML service down for > 5 minutes
    "DrillWatchMLServiceDown": ("== 0", "5m"),
    "DrillWatchFeatureProcessingFailures": ("[1h]) > 10", None),  # > 10 per hour
    "DrillWatchSlowHealthScoring": ("> 5", None),  # average calculation time > 5 s
    "DrillWatchMemoryHigh": ("> 1e9", "5m"),  # memory > 1 GB
    "DrillWatchMLApiErrorRate": ("> 0.05", "5m"),  # error rate > 5 %
    "DrillWatchMLProcessingErrorRate": ("> 0.05", None),
}
PROMQL_WORDS = {
    "and", "or", "unless", "on", "by", "without", "ignoring", "group_left", "group_right",
    "sum", "rate", "increase", "avg", "max", "min", "count", "bool",
}  # fmt: skip
PROMETHEUS_OWN = {"up"}  # written by Prometheus for each scrape, not by the server


def rules() -> dict[str, dict[str, Any]]:
    """Alert name -> rule, from the shipped rules file."""
    document = yaml.safe_load(RULES.read_text())
    return {r["alert"]: r for group in document["groups"] for r in group["rules"]}


def selectors(expr: str) -> list[tuple[str, set[str]]]:
    """(metric name, label names it matches on) for every series selector of ``expr``."""
    found = []
    expr = re.sub(r"\b(by|on|without|ignoring)\s*\([^)]*\)", " ", expr)  # label lists
    expr = re.sub(r"\[\w+\]", "", expr)  # range durations
    for match in re.finditer(r"([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?", expr):
        name, matchers = match.group(1), match.group(2) or ""
        if name in PROMQL_WORDS or expr[match.end() :].lstrip().startswith("("):
            continue
        if re.fullmatch(r"\d+e\d+|e\d+", name):
            continue
        found.append((name, set(re.findall(r"(\w+)\s*=~?", matchers))))
    return found


def test_every_guide_threshold_has_its_rule() -> None:
    shipped = rules()
    assert set(shipped) == set(GUIDE)
    for name, (threshold, duration) in GUIDE.items():
        assert threshold in " ".join(shipped[name]["expr"].split()), name
        assert shipped[name].get("for") == duration, name


@pytest.fixture(scope="module")
def scrape(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Metric name -> label names, from /api/v1/metrics of a real server (viewer key)."""
    env = process_env(tmp_path_factory.mktemp("prom"), HOST="127.0.0.1", PORT=str(free_port()))
    created = cli(env, "keys", "create", "prometheus", "--role", "viewer")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    server = start_server(env)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        assert httpx.get(f"{base}/api/ml/health", timeout=30).status_code == 200
        # Prometheus sends the key as a bearer token (authorization.credentials_file)
        response = httpx.get(
            f"{base}/api/v1/metrics", headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert response.status_code == 200, response.text
    labels: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels.setdefault(sample.name, set()).update(sample.labels)
    return labels


def test_every_series_the_rules_use_is_exported_with_its_labels(
    scrape: dict[str, set[str]],
) -> None:
    used = [pair for rule in rules().values() for pair in selectors(rule["expr"])]
    assert {name for name, _ in used} >= {
        "drillwatch_ml_service_up",
        "process_resident_memory_bytes",
    }
    for name, matched in used:
        if name in PROMETHEUS_OWN:
            continue
        assert name in scrape, f"{name} is not exported"
        assert matched - {"job", "instance"} <= scrape[name], f"{name} lacks {matched}"


def test_ml_service_gauges_follow_ml_health(client: Any, admin_headers: dict[str, str]) -> None:
    # the client fixture's app runs with ML enabled: states come from /api/ml/health
    health = client.get("/api/ml/health").json()
    text = client.get("/api/v1/metrics", headers=admin_headers).text
    gauges = {
        s.labels["service"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "drillwatch_ml_service_up"
    }
    assert gauges == {k: float(v == "ready") for k, v in health["services"].items()}
    assert REGISTRY.get_sample_value("drillwatch_ml_enabled") == float(health["ml_enabled"])


def test_processing_runs_are_counted_by_outcome() -> None:
    def runs(outcome: str) -> float:
        value = REGISTRY.get_sample_value(
            "drillwatch_ml_processing_runs_total", {"outcome": outcome}
        )
        return value or 0.0

    before = runs("ok"), runs("error")
    outcomes = iter([RuntimeError("feature processing failed"), None])

    def compute() -> Any:
        failure = next(outcomes)
        if failure is not None:
            raise failure
        return SimpleNamespace(key=None)  # a finished run; its content does not matter here

    refresher = ResultRefresher(compute, lambda: None, ttl=0, wait=60)
    with pytest.raises(RuntimeError):
        refresher.refresh().result(timeout=60)
    refresher.refresh().result(timeout=60)
    refresher.close()
    assert (runs("ok") - before[0], runs("error") - before[1]) == (1, 1)


def promtool() -> str:
    """promtool's path; skips without it (fails under CI, where `make system-deps` installs it)."""
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool missing: apt-get install prometheus")
        pytest.skip("promtool not installed (apt-get install prometheus)")
    return path


@pytest.mark.parametrize(
    "args",
    [["check", "rules", "drillwatch-rules.yml"], ["test", "rules", "drillwatch-rules.test.yml"]],
)
def test_promtool_accepts_the_rules_and_they_fire_past_the_thresholds(args: list[str]) -> None:
    result = subprocess.run(
        [promtool(), *args], cwd=DEPLOY, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_example_scrape_config_reads_the_rules_file() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    assert config["rule_files"] == [RULES.name]
    (job,) = config["scrape_configs"]
    assert (job["job_name"], job["metrics_path"]) == ("drillwatch", "/api/v1/metrics")
    assert Path(RULES).is_file()


def test_the_servers_own_checks_use_the_same_thresholds() -> None:
    shipped = {name: " ".join(rule["expr"].split()) for name, rule in rules().items()}
    assert f"> {sm.FAILURES_PER_HOUR}" in shipped["DrillWatchFeatureProcessingFailures"]
    assert f"> {sm.MEAN_SCORING_SECONDS:g}" in shipped["DrillWatchSlowHealthScoring"]
    assert f"> {sm.MEMORY_BYTES:.0e}".replace("e+0", "e") in shipped["DrillWatchMemoryHigh"]
    assert f"> {sm.ERROR_SHARE:g}" in shipped["DrillWatchMLApiErrorRate"]
    assert f"> {sm.ERROR_SHARE:g}" in shipped["DrillWatchMLProcessingErrorRate"]
    assert rules()["DrillWatchMLServiceDown"]["for"] == f"{sm.SERVICE_DOWN_SECONDS / 60:g}m"
