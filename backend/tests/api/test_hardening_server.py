"""Hardening seen from outside the real server (`python main.py`) and the real CLI: the ML
rate limit over HTTP, log lines that request data cannot forge, owner-only files."""

from __future__ import annotations

import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import httpx

from app.core.config import BACKEND_DIR
from app.db.busy import RETRY_AFTER_SECONDS
from tests.live import Live, admin_headers, live_server
from tests.support import process_env

LOGIN_UMASK = 0o022  # a typical login shell's: files would be 0644 without DrillWatch's own
CSV = (
    "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id\n"
    "2025-07-01T09:20:15Z,pod-1,1,7.3,52.39,13.26,67,\n"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_ml_routes_answer_429_with_retry_after_per_principal(tmp_path: Path) -> None:
    limits = {"ML_RATE_LIMIT_PER_MINUTE": "3", "RATE_LIMIT_PER_MINUTE": "100", "ML_ENABLED": "true"}
    with live_server(tmp_path, f"sqlite:///{tmp_path / 'sql.db'}", **limits) as live:
        admin = admin_headers(live.url)
        with httpx.Client(base_url=live.url, timeout=30) as http:
            key = http.post("/api/v1/api-keys", json={"name": "k", "role": "viewer"}, headers=admin)
            statuses = [http.get("/api/ml/alerts", headers=admin).status_code for _ in range(4)]
            refused = http.get("/api/ml/model-status", headers=admin)
            assert statuses == [200, 200, 200, 429]
            assert refused.status_code == 429
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            assert "ML_RATE_LIMIT_PER_MINUTE" in refused.json()["detail"]
            assert http.get("/api/v1/auth/me", headers=admin).status_code == 200  # own budget
            viewer = {"X-API-Key": key.json()["key"]}  # another principal, its own budget
            assert http.get("/api/ml/alerts", headers=viewer).status_code == 200
            assert http.get("/api/ml/health").status_code == 200  # the health check is exempt


def send_raw(live: Live, request: bytes) -> int:
    """Send ``request`` as is on a new connection; the status code answered."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
        sock.sendall(request)
        answer = sock.recv(65536)
    return int(answer.split(b" ", 2)[1])


def test_crlf_in_the_url_cannot_forge_a_log_line(tmp_path: Path) -> None:
    forged = "2026-01-01 00:00:00,000 INFO drillwatch.access GET /admin 200 user=admin"
    with live_server(tmp_path, f"sqlite:///{tmp_path / 'sql.db'}") as live:
        encoded = b"GET /api/v1/health%0d%0a" + forged.replace(" ", "%20").encode()
        assert send_raw(live, encoded + b" HTTP/1.1\r\nHost: x\r\n\r\n") == 404
        raw = b"GET /api/v1/health\r" + forged.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        assert send_raw(live, raw) == 400  # a bare CR in the request line: refused by the parser
    lines = (tmp_path / "logs" / "app.log").read_text(encoding="utf-8").splitlines()
    assert not any(line.startswith("2026-01-01") for line in lines)
    escaped = "/api/v1/health\\r\\n" + forged + " 404 user=-"
    assert sum(escaped in line for line in lines) == 1


def test_server_and_cli_create_owner_only_files(tmp_path: Path) -> None:
    with live_server(tmp_path, f"sqlite:///{tmp_path / 'sql.db'}", umask=LOGIN_UMASK):
        pass
    server_files = [tmp_path / "sql.db", tmp_path / "telemetry.duckdb"]
    server_files += [tmp_path / "logs" / "app.log", tmp_path / "logs" / "ml" / "models.log"]
    assert {str(p): mode(p) for p in server_files} == {str(p): 0o600 for p in server_files}
    assert mode(tmp_path / "logs") == 0o700

    cli_root = tmp_path / "cli"
    (cli_root / "in.csv").parent.mkdir()
    (cli_root / "in.csv").write_text(CSV)
    subprocess.run(
        [sys.executable, "-m", "app.cli", "ingest", str(cli_root / "in.csv")],
        cwd=BACKEND_DIR,
        env=process_env(cli_root),
        umask=LOGIN_UMASK,
        capture_output=True,
        timeout=300,
        check=True,
    )
    cli_logs = sorted((cli_root / "logs" / "cli").glob("ingest-*.log"))  # the CLI's own log
    assert len(cli_logs) == 1
    cli_files = [cli_root / "telemetry.duckdb", *cli_logs]
    assert {str(p): mode(p) for p in cli_files} == {str(p): 0o600 for p in cli_files}


def test_a_write_that_waits_out_a_held_sqlite_lock_gets_503_with_retry_after(
    tmp_path: Path,
) -> None:
    database = tmp_path / "sql.db"
    with live_server(tmp_path, f"sqlite:///{database}", SQLITE_BUSY_TIMEOUT="1") as live:
        admin = admin_headers(live.url)
        body = {"name": "blocked", "role": "viewer"}
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer keeps the lock past the busy timeout
        try:
            refused = httpx.post(
                live.url + "/api/v1/api-keys", json=body, headers=admin, timeout=180
            )
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "stayed locked" in refused.json()["detail"]
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
        again = httpx.post(live.url + "/api/v1/api-keys", json=body, headers=admin, timeout=60)
        assert again.status_code == 201
