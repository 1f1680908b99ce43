"""Ingestion across real processes: kill -9 mid-ingest, and the CLI beside a running server."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb
import httpx
import pytest

from app.core.config import BACKEND_DIR
from tests.support import ADMIN_PASSWORD, plain_duckdb, process_env

pytestmark = pytest.mark.slow
BIG_ROWS = 2_000_000
DEVICES = 500
HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"


def generate_csv(path: Path, rows: int) -> None:
    """``rows`` valid, distinct samples of DEVICES devices, written by DuckDB."""
    duckdb.sql(
        f"""COPY (
            SELECT strftime(TIMESTAMP '2025-07-01' + to_seconds((i // {DEVICES}) * 30),
                    '%Y-%m-%dT%H:%M:%SZ') AS timestamp,
                'dev' || (i % {DEVICES}) AS device_id, i // {DEVICES} AS seq,
                round(random() * 10, 2) AS current_amp, round(52 + random(), 6) AS gps_lat,
                round(13 + random(), 6) AS gps_lon, i % 101 AS battery_level,
                CASE WHEN i % 3 = 0 THEN 'F4:12:FA:6C:9D:21' END AS ble_id
            FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')"""
    )


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``drillwatch`` in a child process to completion."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def table_counts(db: Path) -> dict[str, int]:
    """Row count of every table in the DuckDB file."""
    with plain_duckdb(db, read_only=False) as conn:
        tables = [r[0] for r in conn.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def wait_for_write(
    db: Path, process: subprocess.Popen[str], timeout: float, grown: int = 1_000_000
) -> None:
    """Return once the ingest wrote ``grown`` bytes into the file (before commit), or at timeout."""
    initial = db.stat().st_size
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if db.stat().st_size > initial + grown:
            return
        time.sleep(0.02)


def unused_share(db: Path) -> float:
    """The share of the DuckDB file that holds no live block."""
    with plain_duckdb(db, read_only=False) as conn:
        block_size, used = conn.execute(
            "SELECT block_size, used_blocks FROM pragma_database_size()"
        ).fetchone()  # type: ignore[misc]
    size = db.stat().st_size
    return float(size - block_size * used) / size


def killed_ingest(root: Path, big: Path) -> None:
    """Kill ``drillwatch ingest big`` mid-write on a store under ``root``; check it left no rows."""
    env = killed_env(root)
    db = Path(env["DUCKDB_PATH"])
    child = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "ingest", str(big)],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None
    started = child.stderr.readline()
    assert "started" in started, started + child.stderr.read()
    wait_for_write(db, child, timeout=60, grown=8 * 2**20)
    assert child.poll() is None, "the ingest finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stderr.close()
    assert child.stdout is not None
    child.stdout.close()
    assert {t: n for t, n in table_counts(db).items() if n} == {}
    assert unused_share(db) > 0.5, "the killed ingest left its blocks in the file"


def killed_env(root: Path) -> dict[str, str]:
    # a tight memory limit: a big ingest must fit in it (DuckDB spills to disk)
    return process_env(root, DUCKDB_MEMORY_LIMIT="128MB", lock_timeout=30)


@dataclass(frozen=True)
class Killed:
    """A store as a killed ingest left it (made once per module), and the file it ingested."""

    root: Path
    big: Path

    def copy(self, tmp_path: Path) -> dict[str, str]:
        """The environment of a copy of the killed store under ``tmp_path``."""
        shutil.copytree(self.root, tmp_path / "store")
        return killed_env(tmp_path / "store")


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> Killed:
    big = tmp_path_factory.mktemp("big") / "big.csv"
    generate_csv(big, BIG_ROWS)
    root = tmp_path_factory.mktemp("killed")
    killed_ingest(root, big)
    return Killed(root, big)


def test_kill_9_mid_ingest_leaves_no_trace_and_a_rerun_completes(
    killed: Killed, tmp_path: Path
) -> None:
    env, big = killed.copy(tmp_path), killed.big
    db = Path(env["DUCKDB_PATH"])
    start = "from app.core.config import get_settings; from app.main import build_store; "
    restart = subprocess.run(
        [sys.executable, "-c", start + "build_store(get_settings())"],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restart.returncode == 0, restart.stderr
    # the next start compacted the file: it is not left twice the size of its data
    assert unused_share(db) < 0.25

    rerun = cli(env, "ingest", str(big))
    assert rerun.returncode == 0, rerun.stderr
    assert f"{BIG_ROWS:,}" in rerun.stdout
    counts = table_counts(db)
    assert (counts["telemetry"], counts["ingests"], counts["quarantine"]) == (BIG_ROWS, 1, 0)
    with plain_duckdb(db, read_only=False) as conn:
        devices = conn.execute("SELECT count(DISTINCT device_id) FROM sessions").fetchone()
    assert devices == (DEVICES,)


def test_db_vacuum_gives_back_what_a_killed_ingest_left(killed: Killed, tmp_path: Path) -> None:
    env = killed.copy(tmp_path)
    db = Path(env["DUCKDB_PATH"])
    before = db.stat().st_size
    vacuum = cli({**env, "COLUMNS": "200"}, "db", "vacuum")
    assert vacuum.returncode == 0, vacuum.stderr
    assert "True" in vacuum.stdout
    assert unused_share(db) < 0.25
    assert db.stat().st_size < before / 2
    assert table_counts(db)["telemetry"] == 0
    scratch = db.parent / "tmp"
    assert not scratch.exists() or list(scratch.iterdir()) == []


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, sample_csv: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``python main.py`` on a free port with the field sample in its drop folder."""
    port = free_port()
    env = process_env(tmp_path / "srv", HOST="127.0.0.1", PORT=str(port), lock_timeout=30)
    shutil.copy(sample_csv, Path(env["TELEMETRY_DIR"]) / "field.csv")
    process = subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200)
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until(check: object, timeout: float = 60) -> None:
    """Poll ``check`` until it returns True; connection errors count as False."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_cli_ingest_works_while_the_server_runs(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    base, env = server
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def history() -> dict[str, object]:
        response = httpx.get(f"{base}/api/v1/ingest/history", headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        return dict(response.json())

    wait_until(lambda: history()["total"] == 1)  # the start-up ingest of the drop folder
    extra = tmp_path / "extra.csv"
    rows = [f"2025-08-01T10:{m:02d}:00Z,cli-dev,{m},5.5,,,60," for m in range(40)]
    extra.write_text("\n".join([HEADER, *rows, "2025-08-01T11:00:00Z,cli-dev,99,-4,,,60,"]) + "\n")

    result = cli(env, "ingest", str(extra))

    assert result.returncode == 0, result.stderr
    latest = history()["items"][0]  # type: ignore[index]
    assert (latest["accepted"], latest["duplicates"], latest["quarantined"]) == (40, 0, 1)
    assert latest["source"] == str(extra.resolve())
    quarantine = httpx.get(f"{base}/api/v1/ingest/quarantine", headers=headers).json()
    assert [(q["line"], q["reason"]) for q in quarantine["items"]] == [
        (42, "current_amp out of range 0..100: -4")
    ]
    # each process its own log file: the CLI's lines are not in the server's app.log
    logs = Path(env["LOG_PATH"])
    (cli_log,) = (logs / "cli").glob("ingest-*.log")
    assert str(extra.resolve()) in cli_log.read_text()
    assert str(extra.resolve()) not in (logs / "app.log").read_text()


def test_cli_exits_1_and_names_the_problem_when_a_file_fails(tmp_path: Path) -> None:
    env = process_env(tmp_path, lock_timeout=30)
    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER}\n2025-08-01T10:00:00Z,d1,1,5.5,,,60,\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("time,device\n1,2\n")

    result = cli(env, "ingest", str(good), str(bad))

    assert result.returncode == 1
    assert f"{bad}: wrong header" in result.stderr
    assert table_counts(Path(env["DUCKDB_PATH"]))["telemetry"] == 1


def start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``python main.py`` with ``env``, once its health check answers."""
    process = subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    wait_until(lambda: httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200)
    return process


def scratch_files(db: Path) -> list[Path]:
    """Files under the scratch folders beside the store, lock files left out."""
    return [p for p in (db.parent / "tmp").rglob("*") if p.is_file() and p.name != ".lock"]


def test_a_post_killed_mid_ingest_leaves_nothing_in_tmp_and_nothing_after_restart(
    tmp_path: Path,
) -> None:
    body = tmp_path / "body.csv"
    generate_csv(body, 800_000)  # about 49 MB: seconds of ingest to be killed in
    own_tmp = tmp_path / "os-tmp"  # the server's TMPDIR: /tmp as far as it knows
    own_tmp.mkdir()
    env = process_env(
        tmp_path / "srv",
        HOST="127.0.0.1",
        PORT=str(free_port()),
        TMPDIR=str(own_tmp),
        ML_ENABLED="false",
        lock_timeout=30,
    )
    db = Path(env["DUCKDB_PATH"])
    server = start_server(env)
    base = f"http://127.0.0.1:{env['PORT']}"
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}

    def send() -> None:
        with suppress(httpx.HTTPError):  # the connection drops: the server is killed
            httpx.post(
                f"{base}/api/v1/telemetry", content=body.read_bytes(), headers=headers, timeout=300
            )

    post = threading.Thread(target=send)
    post.start()
    try:
        deadline = time.monotonic() + 120
        while not scratch_files(db) and post.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        post.join(timeout=60)
    assert [p.name for p in scratch_files(db)], "the killed request's copy is in the data folder"
    assert list(own_tmp.iterdir()) == []

    server = start_server(env)
    try:
        assert scratch_files(db) == []
        history = httpx.get(f"{base}/api/v1/ingest/history", headers=headers, timeout=30).json()
        assert history["total"] == 0, "the killed ingest stored nothing"
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert list(own_tmp.iterdir()) == []
