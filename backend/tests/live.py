"""`python main.py` started by a test on a free port, on the test's own SQL database."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.core.config import BACKEND_DIR
from tests.support import ADMIN_PASSWORD, process_env


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Live:
    """A running server: its base URL and process."""

    url: str
    process: subprocess.Popen[bytes]
    port: int


@contextmanager
def live_server(
    root: Path, database_url: str, *, umask: int = -1, **settings: str
) -> Iterator[Live]:
    """Serve on 127.0.0.1 with every path under ``root`` and ML off (``umask``: the child's)."""
    port = free_port()
    env = process_env(root, DATABASE_URL=database_url, HOST="127.0.0.1", PORT=str(port))
    env |= {"ML_ENABLED": "false", **settings}
    env.pop("TEST_DATABASE_URL", None)
    log = root / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "main.py"],
            cwd=BACKEND_DIR,
            env=env,
            stdout=sink,
            stderr=sink,
            umask=umask,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield Live(url, process, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url + "/api/v1/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not healthy in time:\n{log.read_text(errors='replace')[-3000:]}")


def admin_headers(url: str) -> dict[str, str]:
    """A bearer token header for the first-start admin."""
    form = {"username": "admin", "password": ADMIN_PASSWORD}
    response = httpx.post(url + "/api/v1/auth/token", data=form, timeout=30)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
