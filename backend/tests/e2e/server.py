"""Start the real DrillWatch server on a simulated fleet for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.core.config import BACKEND_DIR, REPO_DIR
from tests.conftest import ADMIN_PASSWORD, SAMPLE_CSV, SECRET_KEY
from tests.support import TEST_HASH_ROUNDS

DIST_INDEX = REPO_DIR / "frontend" / "dist" / "index.html"
# 35 days so the ML has history to learn from and alerts exist; seed 3 has a battery, a motor,
# a GPS and two radio faults plus a retired (silent) pod.
SIMULATE = ["--devices", "16", "--days", "35", "--seed", "3"]
USERS = {
    "admin": ("admin", ADMIN_PASSWORD),
    "vera": ("viewer", "viewer-pass-123"),
    "otto": ("operator", "operator-pass-123"),
}


@dataclass
class Server:
    """A running server: its URL, process, log file and a token per user."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, user: str = "admin", **params: Any) -> Any:
        """GET an API path as ``user`` and return the JSON body."""
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        response = httpx.get(self.base_url + path, params=params, headers=headers, timeout=30)
        response.raise_for_status()
        return response.json()

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output, for failure messages."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def telemetry_csv(root: Path) -> Path:
    """Simulate the small fleet with the CLI; fall back to the field sample if it is missing."""
    drop = root / "drop"
    drop.mkdir()
    cli = Path(sys.executable).with_name("drillwatch")
    if (BACKEND_DIR / "app" / "commands" / "simulate.py").is_file() and cli.is_file():
        out = root / "sim"
        subprocess.run(
            [str(cli), "simulate", *SIMULATE, "--out", str(out), "--no-progress"],
            cwd=BACKEND_DIR,
            check=True,
            capture_output=True,
            timeout=120,
        )
        return Path(shutil.move(out / "telemetry.csv", drop / "fleet.csv"))
    return Path(shutil.copy(SAMPLE_CSV, drop / "sample.csv"))


def server_env(root: Path, port: int) -> dict[str, str]:
    """Every path setting inside ``root``; secrets from the test constants."""
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        TELEMETRY_DIR=str(root / "drop"),
        DUCKDB_PATH=str(root / "telemetry.duckdb"),
        DATABASE_URL=f"sqlite:///{root / 'drillwatch.db'}",
        LOG_PATH=str(root / "logs"),
        ML_DATA_PATH=str(root / "ml"),
        ML_MODEL_PATH=str(root / "ml" / "models"),
        ML_CACHE_PATH=str(root / "ml" / "cache"),
        ML_LOG_PATH=str(root / "logs" / "ml"),
        ADMIN_PASSWORD=ADMIN_PASSWORD,
        SECRET_KEY=SECRET_KEY,
        PASSWORD_HASH_ROUNDS=str(TEST_HASH_ROUNDS),
        # notices go out on the next pass; a failing channel parks after two quick attempts
        NOTIFY_POLL_SECONDS="1",
        NOTIFY_GROUP_WAIT_SECONDS="0",
        NOTIFY_MAX_ATTEMPTS="2",
        NOTIFY_RETRY_BASE_SECONDS="1",
        NOTIFY_RETRY_MAX_SECONDS="1",
    )
    return env


def wait_for(server: Server, check: Any, what: str, timeout: float) -> Any:
    """Poll ``check()`` until it is truthy; fail with the server's log if it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited ({server.process.returncode}):\n{server.log_tail()}")
        try:
            result = check()
            if result:
                return result
        except (httpx.HTTPError, KeyError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}:\n{server.log_tail()}")


def login(server: Server, username: str, password: str) -> str:
    """A bearer token for ``username``."""
    response = httpx.post(
        server.base_url + "/api/v1/auth/token",
        data={"username": username, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def start_server(root: Path) -> Server:
    """Start ``python main.py`` on a free port; wait for the ingest and the first ML scores."""
    telemetry_csv(root)
    port = free_port()
    log = root / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "main.py"],
            cwd=BACKEND_DIR,
            env=server_env(root, port),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        health = lambda: httpx.get(server.base_url + "/api/v1/health", timeout=2).is_success  # noqa: E731
        wait_for(server, health, "/api/v1/health", 30)
        server.tokens["admin"] = login(server, "admin", ADMIN_PASSWORD)
        wait_for(
            server,
            lambda: server.get("/api/v1/insights")["sessions"] > 0,
            "the start-up ingest",
            60,
        )
        create_users(server)
        # The server trains and deploys 1.0.0 at start-up, then scores in the background.
        scores = lambda: server.get("/api/ml/health-scores")["data"]  # noqa: E731
        wait_for(server, scores, "the first ML scores", 90)
    except BaseException:
        stop_server(server)
        raise
    return server


def create_users(server: Server) -> None:
    """Add the viewer and operator through the API, as admin."""
    headers = {"Authorization": f"Bearer {server.tokens['admin']}"}
    for name, (role, password) in USERS.items():
        if name != "admin":
            body = {"username": name, "role": role, "password": password}
            response = httpx.post(
                server.base_url + "/api/v1/users", json=body, headers=headers, timeout=30
            )
            assert response.status_code == 201, response.text
            server.tokens[name] = login(server, name, password)


def stop_server(server: Server) -> None:
    """Terminate the server, killing it if it does not stop in time."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
