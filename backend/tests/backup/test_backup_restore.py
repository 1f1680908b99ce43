"""``drillwatch backup`` / ``restore`` in real processes over real SQLite, DuckDB and artifacts."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.backup.service import restore_backup
from app.core.config import Settings
from app.db.session import build_engine
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.ml.alerts.rules import AlertRules
from app.ml.models.model_manager import MLModelManager
from app.services.ingestion import ingest_file
from app.storage.duckdb import TelemetryStore
from tests.ml.model_factories import save_scaler
from tests.notifications.factories import raise_alert
from tests.support import ADMIN_PASSWORD, plain_duckdb, process_env
from tests.test_ingest_process import cli as run_cli
from tests.test_ingest_process import free_port, start_server

pytestmark = pytest.mark.slow
HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``drillwatch ARGS`` in a child process with this test's environment (wide output)."""
    return run_cli({**os.environ, "COLUMNS": "200"}, *args)


def deploy_new_model(settings: Settings, seed: int, version: str) -> None:
    """Save a small real model as ``version`` and make it the active one."""
    manager = MLModelManager(settings)
    try:
        save_scaler(manager, seed, version=version)
        manager.deploy_model(version, by="test")
    finally:
        manager.close()


@pytest.fixture
def fleet(settings: Settings, sample_csv: Path) -> Settings:
    """Stores holding the field sample, one user, one alert and an active model."""
    store = TelemetryStore.from_settings(settings)
    store.initialise()
    ingest_file(store, sample_csv, settings)
    deploy_new_model(settings, seed=1, version="1.0.0")
    created = cli("users", "create", "olivia", "--password", "olivia-password-1")
    assert created.returncode == 0, created.stderr
    manager = MLModelManager(settings)
    raise_alert(PredictiveAlertService(AlertRules(), manager.session_factory), "9f8c2a7d")
    manager.close()
    return settings


def sql_rows(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    """Rows of ``query`` on the SQL store (SQLite or PostgreSQL), sorted."""
    engine = build_engine(settings)
    try:
        with engine.connect() as conn:
            return sorted(tuple(row) for row in conn.execute(text(query)))
    finally:
        engine.dispose()


def state(settings: Settings) -> dict[str, Any]:
    """What the stores hold, read with plain DuckDB, SQL and hashlib."""
    with plain_duckdb(settings.duckdb_path) as conn:
        telemetry = conn.execute(
            "SELECT count(*), round(sum(current_amp), 6), count(DISTINCT device_id) FROM telemetry"
        ).fetchone()
        sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()
        next_ingest = conn.execute("SELECT max(ingest_id) FROM ingests").fetchone()
    models = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(settings.ml_model_path.rglob("*"))
        if p.is_file()
    }
    return {
        "telemetry": telemetry,
        "sessions": sessions,
        "ingests": next_ingest,
        "users": sql_rows(settings, "SELECT username, role, password_hash FROM users"),
        "active": sql_rows(settings, "SELECT version FROM ml_models WHERE is_active"),
        "alerts": sql_rows(settings, "SELECT alert_id, device_id, status FROM ml_alerts"),
        "models": models,
    }


def change_everything(settings: Settings, tmp_path: Path) -> None:
    """More telemetry, another user, another active model, the alert gone."""
    extra = tmp_path / "extra.csv"
    rows = [f"2025-08-01T10:{m:02d}:00Z,later-dev,{m},5.5,,,60," for m in range(30)]
    extra.write_text("\n".join([HEADER, *rows]) + "\n")
    ingest_file(TelemetryStore.from_settings(settings), extra, settings)
    deploy_new_model(settings, seed=2, version="2.0.0")
    assert cli("users", "create", "mallory", "--password", "mallory-password-1").returncode == 0
    engine = build_engine(settings)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM ml_alerts"))
    engine.dispose()


def test_restore_brings_back_exactly_what_was_backed_up(fleet: Settings, tmp_path: Path) -> None:
    before = state(fleet)
    out = tmp_path / "backups" / "monday"
    taken = cli("backup", "--out", str(out))
    assert taken.returncode == 0, taken.stderr
    change_everything(fleet, tmp_path)
    changed = state(fleet)
    assert changed != before

    refused = cli("restore", str(out))
    assert refused.returncode == 1
    assert "pass --force" in refused.stderr
    assert state(fleet) == changed, "a refused restore changes nothing"

    restored = cli("restore", str(out), "--force")
    assert restored.returncode == 0, restored.stderr
    assert state(fleet) == before
    trail = sql_rows(fleet, "SELECT action, target FROM audit_log WHERE action LIKE 'store.%'")
    assert trail == [("store.restore", str(out))], "the restored trail records the restore"
    manager = MLModelManager(fleet)
    try:  # the restored artifact verifies against its signature and loads
        info, model = manager.load_active_with_info()
        assert info.version == "1.0.0"
        assert model.n_features_in_ == 3
    finally:
        manager.close()
    (aside,) = tmp_path.glob("pre-restore-*")
    with plain_duckdb(aside / "telemetry.duckdb") as conn:
        kept = conn.execute("SELECT count(*) FROM telemetry WHERE device_id = 'later-dev'")
        assert kept.fetchone() == (30,), "the replaced store is kept aside"


def test_the_restoring_process_then_reads_the_restored_store(
    fleet: Settings, tmp_path: Path
) -> None:
    """The process kept the replaced file open (STORE_KEEP_OPEN): it must not read it on."""
    out = tmp_path / "backups" / "monday"
    assert cli("backup", "--out", str(out)).returncode == 0
    change_everything(fleet, tmp_path)  # ingests later-dev in this process
    restore_backup(fleet, out, force=True)
    with TelemetryStore.from_settings(fleet).connect() as conn:
        later = conn.execute("SELECT count(*) FROM telemetry WHERE device_id = 'later-dev'")
        assert later.fetchone() == (0,)


def test_the_manifest_counts_match_the_stores_and_lists_every_file(
    fleet: Settings, tmp_path: Path
) -> None:
    before = state(fleet)
    out = tmp_path / "b"
    assert cli("backup", "--out", str(out)).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    kind = "sqlite" if fleet.sqlite_path else "postgresql"  # PostgreSQL with TEST_DATABASE_URL
    assert manifest["sql_kind"] == kind
    assert [p.name for p in (out / "sql").iterdir()] == [
        {"sqlite": "drillwatch.db", "postgresql": "drillwatch.pgdump"}[kind]
    ]
    assert manifest["counts"]["telemetry"]["telemetry"] == before["telemetry"][0]
    assert manifest["counts"]["sql"]["users"] == len(before["users"])
    assert manifest["counts"]["model_files"] == len(before["models"])
    listed = set(manifest["files"])
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert listed == on_disk - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert out.stat().st_mode & 0o777 == 0o700, "a backup holds the stores: owner only"
    assert {(out / n).stat().st_mode & 0o777 for n in manifest["files"]} == {0o600}
    config = json.loads((out / "config.json").read_text())
    assert "secret_key" not in config
    assert "admin_password" not in config
    assert config["duckdb_path"] == str(fleet.duckdb_path)


@pytest.mark.parametrize("tamper", ["change", "add", "remove"])
def test_a_tampered_backup_is_refused_and_nothing_changes(
    fleet: Settings, tmp_path: Path, tamper: str
) -> None:
    out = tmp_path / "b"
    assert cli("backup", "--out", str(out)).returncode == 0
    change_everything(fleet, tmp_path)
    changed = state(fleet)
    (parquet,) = (out / "telemetry").glob("telemetry.parquet")
    if tamper == "change":
        data = bytearray(parquet.read_bytes())
        data[len(data) // 2] ^= 0xFF
        parquet.write_bytes(bytes(data))
    elif tamper == "add":
        (out / "models" / "evil.joblib").write_bytes(b"not ours")
    else:
        parquet.unlink()
    refused = cli("restore", str(out), "--force")
    assert refused.returncode == 1
    assert "fails verification" in refused.stderr
    expected = {"change": "changed", "add": "not in the manifest", "remove": "missing"}[tamper]
    assert expected in refused.stderr
    assert state(fleet) == changed
    assert list(tmp_path.glob("pre-restore-*")) == []


def test_backup_refuses_a_folder_that_holds_files(fleet: Settings, tmp_path: Path) -> None:
    out = tmp_path / "full"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = cli("backup", "--out", str(out))
    assert result.returncode == 1
    assert "not an empty folder" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def post_batches(base: str, token: str, batches: int) -> list[int]:
    """POST ``batches`` CSV bodies of 50 new rows each; their status codes."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    codes = []
    for b in range(batches):
        rows = [f"2025-09-01T{b % 24:02d}:{m:02d}:00Z,load-{b},{m},4.5,,,70," for m in range(50)]
        body = "\n".join([HEADER, *rows]) + "\n"
        response = httpx.post(
            f"{base}/api/v1/telemetry", content=body, headers=headers, timeout=120
        )
        codes.append(response.status_code)
    return codes


def login(base: str) -> str:
    """An admin token from the server at ``base``."""
    response = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_backup_under_ingest_load_restores_on_a_fresh_layout(
    tmp_path: Path, sample_csv: Path
) -> None:
    env = process_env(tmp_path / "srv", HOST="127.0.0.1", PORT=str(free_port()), lock_timeout=60)
    env["ML_ENABLED"] = "false"
    shutil.copy(sample_csv, Path(env["TELEMETRY_DIR"]) / "field.csv")
    server = start_server(env)
    base = f"http://127.0.0.1:{env['PORT']}"
    out = tmp_path / "backup"
    try:
        token = login(base)
        with ThreadPoolExecutor(1) as pool:
            load = pool.submit(post_batches, base, token, 40)
            taken = run_cli(env, "backup", "--out", str(out))
            assert load.result() == [200] * 40
        assert taken.returncode == 0, taken.stderr
        under_server = run_cli(env, "restore", str(out), "--force")
        assert under_server.returncode == 1
        assert "server is running" in under_server.stderr
    finally:
        server.terminate()
        server.wait(timeout=60)
    counts = json.loads((out / "manifest.json").read_text())["counts"]

    fresh = process_env(tmp_path / "fresh", HOST="127.0.0.1", PORT=str(free_port()))
    fresh["ML_ENABLED"] = "false"
    restored = run_cli(fresh, "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    with plain_duckdb(fresh["DUCKDB_PATH"]) as conn:
        rows, accepted, batches = conn.execute(
            "SELECT (SELECT count(*) FROM telemetry), (SELECT sum(accepted) FROM ingests),"
            " (SELECT count(*) FROM ingests)"
        ).fetchone()  # type: ignore[misc]
    assert rows == accepted == counts["telemetry"]["telemetry"], "no ingest is half in the backup"
    server = start_server(fresh)
    try:
        base = f"http://127.0.0.1:{fresh['PORT']}"
        headers = {"Authorization": f"Bearer {login(base)}"}
        history = httpx.get(f"{base}/api/v1/ingest/history", headers=headers, timeout=60).json()
        assert history["total"] == batches == counts["telemetry"]["ingests"]
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_store_with_telemetry_only_is_backed_up(
    settings: Settings, sample_csv: Path, tmp_path: Path
) -> None:
    store = TelemetryStore.from_settings(settings)
    store.initialise()
    rows = ingest_file(store, sample_csv, settings).accepted
    assert settings.sqlite_path is None or not settings.sqlite_path.exists()
    out = tmp_path / "b"
    taken = cli("backup", "--out", str(out))
    assert taken.returncode == 0, taken.stderr
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    assert counts["telemetry"]["telemetry"] == rows
    assert counts["sql"]["users"] == 0
