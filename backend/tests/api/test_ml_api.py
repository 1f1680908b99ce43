"""/api/ml over a real app on a simulated fleet: shapes, roles, lifecycle, models, training."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings, get_settings
from app.main import create_app
from app.ml.config import MLConfig
from app.ml.services import MLService
from app.schemas.ml import AlertPage, HealthScoresPage, MLHealthRead
from app.schemas.ml_models import MLStatistics, ModelList, ModelStatus
from tests.alert_rows import write_open_alert
from tests.ml.model_factories import flip_byte
from tests.ml.service_helpers import Fleet, simulate, wait_for
from tests.support import ADMIN_PASSWORD, use_env

DEVICES, DAYS, SEED = 16, 30, 4
PASSWORD = "a-long-enough-password"
Headers = dict[str, str]


@dataclass(frozen=True)
class Api:
    client: TestClient
    settings: Settings
    roles: dict[str, Headers]
    fleet: Fleet

    @property
    def ml(self) -> MLService:
        ml: MLService = self.client.app.state.ml  # type: ignore[attr-defined]
        return ml

    def get(self, path: str, role: str = "viewer", **params: Any) -> Any:
        return self.client.get(path, headers=self.roles[role], params=params)

    def post(self, path: str, role: str = "admin", json: Any = None) -> Any:
        return self.client.post(path, headers=self.roles[role], json=json)


def login(client: TestClient, username: str, password: str) -> Headers:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return simulate(tmp_path_factory.mktemp("fleet"), DEVICES, DAYS, SEED)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, fleet: Fleet) -> Iterator[Api]:
    """One running app whose drop folder held the fleet; users for each role; first run done."""
    tmp = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as patch:
        use_env(patch, tmp)
        shutil.copy(fleet.csv, tmp / "drop" / "fleet.csv")
        with TestClient(create_app()) as client:
            admin = login(client, "admin", ADMIN_PASSWORD)
            roles = {"admin": admin}
            for role in ("viewer", "operator"):
                user = {"username": f"{role}-user", "role": role, "password": PASSWORD}
                assert client.post("/api/v1/users", json=user, headers=admin).status_code == 201
                roles[role] = login(client, f"{role}-user", PASSWORD)
            built = Api(client, get_settings(), roles, fleet)
            wait_for(lambda: built.get("/api/ml/health-scores").status_code == 200)
            yield built
        get_settings.cache_clear()


def wait_job(api: Api, job_id: str) -> dict[str, Any]:
    def done() -> bool:
        return api.get(f"/api/ml/train/{job_id}", "admin").json()["status"] in (
            "succeeded",
            "failed",
        )

    wait_for(done)
    body: dict[str, Any] = api.get(f"/api/ml/train/{job_id}", "admin").json()
    return body


def test_ml_health_has_exactly_the_guides_shape(api: Api) -> None:
    response = api.client.get("/api/ml/health")  # public: no token
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"status", "ml_enabled", "services", "last_updated"}
    assert body["services"] == dict.fromkeys(
        ("feature_engineering", "health_scoring", "predictive_alerts", "model_manager"), "ready"
    )
    assert (body["status"], body["ml_enabled"]) == ("healthy", True)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["last_updated"])
    MLHealthRead.model_validate(body)


def test_health_scores_cover_the_fleet_and_match_the_schema(api: Api) -> None:
    body = api.get("/api/ml/health-scores").json()
    page = HealthScoresPage.model_validate(body)
    assert page.metadata.count == len(page.data) == api.fleet.frame["device_id"].nunique()
    assert page.metadata.model_version == "1.0.0"
    assert not page.metadata.stale
    assert all(d.model_version == "1.0.0" and d.trend is None for d in page.data)


def test_health_scores_carry_the_alert_thresholds_of_the_settings(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = api.get("/api/ml/health-scores").json()
    defaults = {"alert": 70.0, "medium": 70.0, "high": 50.0, "critical": 30.0}
    assert body["metadata"]["thresholds"] == defaults
    changed = {
        "ml_alert_threshold": 75.0,
        "medium_alert_threshold": 65.0,
        "high_alert_threshold": 45.0,
        "critical_health_threshold": 25.0,
    }
    changed_settings = api.settings.model_copy(update=changed)
    monkeypatch.setattr(api.ml, "config", MLConfig.from_settings(changed_settings))
    body = api.get("/api/ml/health-scores").json()
    expected = {"alert": 75.0, "medium": 65.0, "high": 45.0, "critical": 25.0}
    assert body["metadata"]["thresholds"] == expected


def test_devices_are_chosen_comma_separated_or_repeated(api: Api) -> None:
    ids = sorted(api.fleet.frame["device_id"].unique())[:3]
    comma = api.get("/api/ml/health-scores", device_ids=",".join(ids[:2]), device_id=ids[2])
    repeated = api.get("/api/ml/health-scores", device_ids=ids)
    assert [d["device_id"] for d in comma.json()["data"]] == [ids[2], ids[0], ids[1]]
    assert [d["device_id"] for d in repeated.json()["data"]] == ids


def test_the_guides_device_query_on_an_unknown_device_is_404_naming_it(api: Api) -> None:
    response = api.get("/api/ml/health-scores", device_id="device_001", include_debug="true")
    assert response.status_code == 404
    assert "device_001" in response.json()["detail"]
    assert response.json()["field"] == "device_id"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/ml/health-scores", {"days_history": 0}, "days_history"),
        ("/api/ml/health-scores", {"days_history": 366}, "days_history"),
        ("/api/ml/health-scores", {"include_trends": "maybe"}, "include_trends"),
        ("/api/ml/health-scores", {"device_ids": "a,,b"}, "device_ids"),
        ("/api/ml/alerts", {"limit": 0}, "limit"),
        ("/api/ml/alerts", {"page": 0}, "page"),
        ("/api/ml/alerts", {"severity": "bogus"}, "severity"),
        ("/api/ml/alerts", {"status": "closed"}, "status"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    api: Api, path: str, params: dict[str, Any], field: str
) -> None:
    response = api.get(path, **params)
    assert response.status_code == 422
    assert field in response.text


def test_trends_and_debug_are_added_when_asked(api: Api) -> None:
    body = api.get(
        "/api/ml/health-scores", include_trends="true", include_debug="true", days_history=5
    ).json()
    page = HealthScoresPage.model_validate(body)
    day = pd.Timestamp(body["metadata"]["as_of"]).date()
    frame = api.fleet.frame[api.fleet.frame["timestamp"].dt.date == day]
    for device in page.data:
        assert device.trend is not None
        assert 1 <= len(device.trend) <= 5
        assert device.forecast is not None
        horizon = api.ml.config.alerts.horizon_days  # the forecast covers the alert horizon
        assert device.forecast.horizon_days == horizon
        assert len(device.forecast.series) == horizon
        assert device.debug is not None
        rows = int((frame["device_id"] == device.device_id).sum())
        assert device.debug["features"]["samples"] == rows  # the day's samples, as read


def test_alerts_page_and_the_operator_lifecycle(api: Api) -> None:
    page = AlertPage.model_validate(api.get("/api/ml/alerts", limit=1).json())
    assert page.pagination.total >= 2
    assert len(page.data) == 1
    assert page.pagination.pages == page.pagination.total
    alert_id = page.data[0].alert_id
    path = f"/api/ml/alerts/{alert_id}"
    assert api.post(f"{path}/acknowledge", "viewer", {"notes": "x"}).status_code == 403
    acked = api.post(f"{path}/acknowledge", "operator", {"notes": "crew informed"})
    assert acked.status_code == 200, acked.text
    assert (acked.json()["status"], acked.json()["acknowledged_by"]) == (
        "acknowledged",
        "operator-user",
    )
    bad = api.post(f"{path}/resolve", "operator", {"outcome": "fixed"})
    assert bad.status_code == 422
    assert "outcome" in bad.text
    done = api.post(f"{path}/resolve", "operator", {"outcome": "confirmed_fault"})
    assert (done.json()["status"], done.json()["outcome"]) == ("resolved", "confirmed_fault")
    assert api.post(f"{path}/acknowledge", "operator").status_code == 409
    assert api.post("/api/ml/alerts/nope/acknowledge", "operator").status_code == 404
    stats = MLStatistics.model_validate(api.get("/api/ml/statistics").json())
    assert stats.alerts.outcomes["confirmed_fault"] >= 1
    assert stats.alerts.precision == 1.0
    log = (api.settings.ml_log_path / "alerts.log").read_text()
    assert f"alert_id={alert_id}" in log
    assert "transition=acknowledged->resolved" in log


@pytest.mark.parametrize(
    ("role", "read", "acknowledge", "train", "deploy"),
    [
        ("viewer", 200, 403, 403, 403),
        ("operator", 200, 404, 403, 403),
        ("admin", 200, 404, 202, 200),
    ],
)
def test_role_matrix(
    api: Api, role: str, read: int, acknowledge: int, train: int, deploy: int
) -> None:
    for path in ("/api/ml/health-scores", "/api/ml/alerts", "/api/ml/model-status"):
        assert api.get(path, role).status_code == read, path
    assert api.get("/api/ml/models", role).status_code == read
    assert api.get("/api/ml/statistics", role).status_code == read
    assert api.post("/api/ml/alerts/unknown/acknowledge", role).status_code == acknowledge
    trained = api.post("/api/ml/train", role, {"deploy": False})
    assert trained.status_code == train, trained.text
    if train == 202:
        assert wait_job(api, trained.json()["job_id"])["status"] == "succeeded"
    active = api.ml.manager.active_model()
    assert active is not None
    assert api.post(f"/api/ml/models/{active.version}/deploy", role).status_code == deploy
    assert api.post("/api/ml/models/rollback", role).status_code in (
        (403,) if deploy == 403 else (200, 409)
    )


def test_training_runs_in_the_background_and_registers_a_version(api: Api) -> None:
    response = api.post("/api/ml/train", json={"deploy": False, "version": "1.5.0"})
    assert response.status_code == 202
    assert response.json()["status"] in ("queued", "running", "succeeded")
    job = wait_job(api, response.json()["job_id"])
    assert (job["status"], job["version"], job["requested_by"]) == ("succeeded", "1.5.0", "admin")
    models = ModelList.model_validate(api.get("/api/ml/models").json())
    trained = next(m for m in models.data if m.version == "1.5.0")
    assert not trained.is_active
    assert "latency_ms" in trained.metrics
    assert api.get("/api/ml/train/nope", "admin").status_code == 404
    assert api.post("/api/ml/train", json={"version": "1.5.0"}).status_code == 409
    bad = api.post("/api/ml/train", json={"version": "../escape"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "version"


def test_deploy_and_rollback_switch_the_served_model(api: Api) -> None:
    if api.ml.manager.active_model().version != "1.0.0":  # type: ignore[union-attr]
        api.post("/api/ml/models/1.0.0/deploy", json={"reason": "baseline"})
    if "1.5.0" not in [m.version for m in api.ml.manager.list_models()]:
        wait_job(api, api.post("/api/ml/train", json={"version": "1.5.0"}).json()["job_id"])
    deployed = api.post("/api/ml/models/1.5.0/deploy", json={"reason": "better recall"})
    assert deployed.status_code == 200
    assert deployed.json()["version"] == "1.5.0"
    wait_for(
        lambda: api.get("/api/ml/health-scores").json()["metadata"]["model_version"] == "1.5.0"
    )
    back = api.post("/api/ml/models/rollback", json={"reason": "operators disagree"})
    assert back.status_code == 200
    assert back.json()["version"] == "1.0.0"
    wait_for(
        lambda: api.get("/api/ml/health-scores").json()["metadata"]["model_version"] == "1.0.0"
    )
    history = ModelList.model_validate(api.get("/api/ml/models").json()).deployments
    assert [(h.version, h.actor, h.reason) for h in history[-2:]] == [
        ("1.5.0", "admin", "better recall"),
        ("1.0.0", "admin", "operators disagree"),
    ]
    status = ModelStatus.model_validate(api.get("/api/ml/model-status").json())
    assert status.active is not None
    assert status.active.version == "1.0.0"
    assert (status.active.deployed_by, status.active.deploy_reason) == (
        "admin",
        "operators disagree",
    )


def test_a_tampered_artifact_is_refused_with_409_and_the_active_model_keeps_serving(
    api: Api,
) -> None:
    job = wait_job(api, api.post("/api/ml/train", json={"version": "tampered-1"}).json()["job_id"])
    assert job["status"] == "succeeded"
    before = api.ml.manager.active_model()
    flip_byte(api.settings.ml_model_path / "tampered-1.joblib")
    response = api.post("/api/ml/models/tampered-1/deploy", json={"reason": "try"})
    assert response.status_code == 409
    assert "failed verification" in response.json()["detail"]
    assert api.ml.manager.active_model() == before
    served = api.get("/api/ml/health-scores")
    assert served.status_code == 200
    assert served.json()["metadata"]["model_version"] == before.version  # type: ignore[union-attr]
    bad_name = api.post("/api/ml/models/..evil%24/deploy")
    assert bad_name.status_code == 422
    assert bad_name.json()["field"] == "version"


def test_model_status_shows_performance_caches_and_the_last_run(api: Api) -> None:
    status = ModelStatus.model_validate(api.get("/api/ml/model-status").json())
    assert status.active is not None
    assert status.performance is not None
    assert status.performance.latency_ms is not None
    assert status.performance.latency_ms > 0
    assert status.last_run is not None
    assert status.last_run.processing.devices == DEVICES
    assert status.cache.models_in_memory
    assert status.cache.feature_cache_entries >= 1


def test_statistics_show_the_fleet_distribution_and_processing_times(api: Api) -> None:
    stats = MLStatistics.model_validate(api.get("/api/ml/statistics").json())
    assert stats.fleet is not None
    assert sum(stats.fleet.by_status.values()) == stats.fleet.devices == DEVICES
    alerts = api.get("/api/ml/alerts", limit=500).json()["pagination"]["total"]
    assert stats.alerts.total == alerts
    assert stats.processing.runs >= 1
    assert stats.processing.mean_total_ms


def test_every_ml_operation_is_typed_in_openapi(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    ml = {p: ops for p, ops in paths.items() if p.startswith("/api/ml")}
    assert len(ml) == 12
    for path, operations in ml.items():
        for method, operation in operations.items():
            ok = operation["responses"].get("200") or operation["responses"].get("202")
            schema = ok["content"]["application/json"]["schema"]
            assert "$ref" in schema, (method, path)


def test_requests_answered_from_the_cache_are_fast(api: Api) -> None:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        assert api.get("/api/ml/health-scores").status_code == 200
        times.append(time.perf_counter() - started)
    assert sorted(times)[2] < 0.25


def test_model_and_alert_actions_are_audited(api: Api) -> None:
    alert_id = api.get("/api/ml/alerts", status="open", limit=1).json()["data"][0]["alert_id"]
    path = f"/api/ml/alerts/{alert_id}"
    assert api.post(f"{path}/acknowledge", "operator", {"notes": "seen"}).status_code == 200
    resolved = api.post(f"{path}/resolve", "operator", {"outcome": "false_alarm"})
    assert resolved.status_code == 200
    job = wait_job(api, api.post("/api/ml/train", json={"version": "9.0.0"}).json()["job_id"])
    assert job["status"] == "succeeded"
    active = api.ml.manager.active_model().version  # type: ignore[union-attr]
    assert api.post("/api/ml/models/9.0.0/deploy", json={"reason": "audit"}).status_code == 200
    assert api.post("/api/ml/models/rollback", json={"reason": "undo"}).status_code == 200
    trail = api.get("/api/v1/audit", "admin", limit=5).json()["items"]
    assert [(e["actor"], e["action"], e["target"], e["details"]) for e in trail] == [
        ("admin", "model.rollback", active, {"reason": "undo"}),
        ("admin", "model.deploy", "9.0.0", {"reason": "audit"}),
        ("admin", "model.train", "9.0.0", {"job_id": job["job_id"], "deploy": False}),
        ("operator-user", "alert.resolve", alert_id, {"outcome": "false_alarm"}),
        ("operator-user", "alert.acknowledge", alert_id, {}),
    ]


def test_acknowledging_an_alert_invalidates_the_cached_alert_list(api: Api) -> None:
    viewer, params = api.roles["viewer"], {"status": "open", "limit": 500}
    before = api.client.get("/api/ml/alerts", headers=viewer, params=params)
    open_ids = [a["alert_id"] for a in before.json()["data"]]
    assert open_ids
    alert_id = open_ids[-1]
    acked = api.post(f"/api/ml/alerts/{alert_id}/acknowledge", "operator", {"notes": "seen"})
    assert acked.status_code == 200, acked.text
    revalidate = {**viewer, "If-None-Match": before.headers["etag"]}
    after = api.client.get("/api/ml/alerts", headers=revalidate, params=params)
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert [a["alert_id"] for a in after.json()["data"]] == open_ids[:-1]


def test_an_alert_written_to_sqlite_by_another_writer_is_served_at_once(api: Api) -> None:
    viewer, params = api.roles["viewer"], {"status": "open", "limit": 500}
    before = api.client.get("/api/ml/alerts", headers=viewer, params=params)
    device = "pod-of-another-writer"  # one open alert per device and part: a device of its own
    path = api.settings.sqlite_path
    assert path is not None
    alert_id = write_open_alert(path, device, model_version="outside")  # as another process
    after = api.client.get("/api/ml/alerts", headers=viewer, params=params)
    assert after.headers["x-cache"] == "miss"
    ids = [a["alert_id"] for a in after.json()["data"]]
    assert alert_id in ids
    assert len(ids) == len(before.json()["data"]) + 1
