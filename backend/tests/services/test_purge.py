"""Purging stored telemetry: exact scope, sessions rebuilt, dry run, re-quarantine, audit line."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.core.config import BACKEND_DIR, Settings
from app.core.errors import BadInput
from app.services.ingestion import ingest_file
from app.services.purge import purge_audit_details, purge_telemetry, scope_of
from app.storage.duckdb import TelemetryStore
from tests.support import process_env

DEVICE = "b4e1d9c2"
START, END = datetime(2025, 7, 10), datetime(2025, 7, 20)
STORED = "SELECT * EXCLUDE (ingest_id) FROM telemetry ORDER BY ALL"
SESSIONS = "SELECT * FROM sessions ORDER BY device_id, start_ts"


def make_store(folder: Path) -> TelemetryStore:
    folder.mkdir(parents=True, exist_ok=True)
    store = TelemetryStore(folder / "telemetry.duckdb")
    store.initialise()
    return store


def rows(store: TelemetryStore, sql: str) -> list[tuple[Any, ...]]:
    with store.connect() as conn:
        return conn.execute(sql).fetchall()


def rounded(table: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows with floats to 9 digits: DuckDB's parallel averages vary in the last bits."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in table]


@pytest.fixture
def sample_store(tmp_path: Path, settings: Settings, sample_csv: Path) -> TelemetryStore:
    store = make_store(tmp_path / "main")
    ingest_file(store, sample_csv, settings)
    return store


def remaining_sample(sample_csv: Path, folder: Path) -> Path:
    """The field sample without the purged rows, computed with pandas."""
    frame = pd.read_csv(sample_csv, dtype=str, keep_default_na=False)
    ts = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_localize(None)
    purged = (frame["device_id"] == DEVICE) & (ts >= START) & (ts < END)
    path = folder / "remaining.csv"
    frame[~purged].to_csv(path, index=False)
    return path


def test_purge_removes_exactly_the_scope_and_rebuilds_sessions(
    sample_store: TelemetryStore, settings: Settings, sample_csv: Path, tmp_path: Path
) -> None:
    report = purge_telemetry(sample_store, settings, scope_of(DEVICE, START, END), actor="tester")
    expected = make_store(tmp_path / "expected")
    ingest_file(expected, remaining_sample(sample_csv, tmp_path), settings)
    assert report.rows == 3900 - len(rows(expected, STORED))
    assert report.rows > 0
    assert [d["device_id"] for d in report.devices] == [DEVICE]
    assert rows(sample_store, STORED) == rows(expected, STORED)
    assert rounded(rows(sample_store, SESSIONS)) == rounded(rows(expected, SESSIONS))
    own = f"SELECT count(*) FROM sessions WHERE device_id = '{DEVICE}'"
    assert report.sessions_after == rows(expected, own)[0][0]


def test_dry_run_counts_and_changes_nothing(
    sample_store: TelemetryStore, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    before = rows(sample_store, STORED), rows(sample_store, SESSIONS)
    with caplog.at_level(logging.INFO, logger="drillwatch.purge"):
        report = purge_telemetry(
            sample_store, settings, scope_of(None, START, None), actor="tester", dry_run=True
        )
    assert (rows(sample_store, STORED), rows(sample_store, SESSIONS)) == before
    in_range = rows(sample_store, f"SELECT count(*) FROM telemetry WHERE ts >= '{START}'")
    assert report.rows == in_range[0][0]
    assert len(report.devices) == 3
    line = next(r.getMessage() for r in caplog.records if r.name == "drillwatch.purge")
    logged = json.loads(line.removeprefix("telemetry purge "))
    assert (logged["actor"], logged["dry_run"], logged["rows"]) == ("tester", True, report.rows)
    assert logged == purge_audit_details(
        "tester", report, datetime.fromisoformat(logged["at"][:-1])
    )


def test_requarantined_rows_keep_lines_that_ingest_back_to_the_same_values(
    sample_store: TelemetryStore, settings: Settings, tmp_path: Path
) -> None:
    before = rows(sample_store, STORED)
    scope = scope_of(DEVICE, START, END)
    report = purge_telemetry(sample_store, settings, scope, actor="admin", requarantine=True)
    quarantined = rows(sample_store, "SELECT raw, reason, source, line FROM quarantine")
    assert len(quarantined) == report.rows
    assert all(r[1].startswith("re-quarantined by admin at ") for r in quarantined)
    assert {r[3] for r in quarantined} == {None}
    back = tmp_path / "back.csv"
    header = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"
    back.write_text("\n".join([header, *(r[0] for r in quarantined)]) + "\n")
    again = ingest_file(sample_store, back, settings)
    assert (again.accepted, again.quarantined) == (report.rows, 0)
    assert rows(sample_store, STORED) == before


@pytest.mark.parametrize(
    ("device", "start", "end", "problem"),
    [
        (None, None, None, "a purge never takes everything"),
        ("x", END, START, "is not after"),
        ("x", START, START, "is not after"),
    ],
)
def test_a_purge_must_be_narrowed_and_ordered(
    device: str | None, start: datetime | None, end: datetime | None, problem: str
) -> None:
    with pytest.raises(BadInput, match=problem):
        scope_of(device, start, end)


def test_purge_api_is_admin_only_and_reports_counts(
    client: TestClient, admin_headers: dict[str, str], sample_csv: Path, settings: Settings
) -> None:
    client.app.state.startup_ingest.join(timeout=30)  # type: ignore[attr-defined]
    ingest_file(client.app.state.store, sample_csv, settings)  # type: ignore[attr-defined]
    body = {"device_id": DEVICE, "from": "2025-07-10T00:00:00Z", "to": "2025-07-20T00:00:00Z"}
    dry = client.post(
        "/api/v1/telemetry/purge", json={**body, "dry_run": True}, headers=admin_headers
    )
    assert dry.status_code == 200, dry.text
    counted = dry.json()
    assert (counted["dry_run"], counted["from"], counted["to"]) == (True, body["from"], body["to"])
    assert counted["rows"] > 0
    done = client.post("/api/v1/telemetry/purge", json=body, headers=admin_headers).json()
    assert done["rows"] == counted["rows"]
    assert done["sessions_after"] <= done["sessions_before"]
    again = client.post("/api/v1/telemetry/purge", json=body, headers=admin_headers).json()
    assert again["rows"] == 0
    refused = client.post("/api/v1/telemetry/purge", json={}, headers=admin_headers)
    assert refused.status_code == 422
    assert "never takes everything" in refused.json()["detail"]
    created = client.post(
        "/api/v1/api-keys", json={"name": "viewer-key", "role": "viewer"}, headers=admin_headers
    )
    viewer = {"X-API-Key": str(created.json()["key"])}
    assert client.post("/api/v1/telemetry/purge", json=body, headers=viewer).status_code == 403
    assert client.post("/api/v1/telemetry/purge", json=body).status_code == 401


def test_cli_purge_dry_run_then_purge(tmp_path: Path, sample_csv: Path) -> None:
    env = process_env(tmp_path, lock_timeout=30)
    field = tmp_path / "field.csv"
    shutil.copy(sample_csv, field)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *args],
            cwd=BACKEND_DIR,
            env={**env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert cli("ingest", str(field)).returncode == 0
    scope = ["--device", DEVICE, "--from", "2025-07-10", "--to", "2025-07-20T00:00:00+00:00"]
    dry = cli("telemetry", "purge", *scope, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would purge" in dry.stdout
    done = cli("telemetry", "purge", *scope, "--requarantine")
    assert done.returncode == 0, done.stderr
    assert "purged (re-quarantined)" in done.stdout
    (cli_log,) = (Path(env["LOG_PATH"]) / "cli").glob("telemetry-purge-*.log")
    log = cli_log.read_text()
    assert '"actor": "cli:' in log
    assert '"dry_run": false' in log
    bad = cli("telemetry", "purge", "--from", "yesterday")
    assert bad.returncode != 0
    assert "not an ISO 8601" in bad.stderr
