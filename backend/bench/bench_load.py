"""Load benchmark: four read endpoints at a fixed request rate against the real server.

``make bench`` runs it. It simulates 1,000 devices x 30 days (seed 7, cached and shared with
bench_pipeline.py), ingests it and trains the model with the CLI, starts ``python main.py``
on it, waits for the first ML scores, then drives each endpoint in turn from a bounded
open-loop generator on 127.0.0.1: one request every 1/RATE s for DURATION s, at most
MAX_IN_FLIGHT outstanding (a request due while that many are open counts as not sent).
It prints the achieved rate (answers 200 per second), p50/p95/p99 latency, errors and the
server's peak RSS.
Targets (issue 11): RATE achieved, p99 < 100 ms, 0 errors, server RSS < 512 MB.
Figures go to bench-results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvloop

BACKEND = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BACKEND))

from bench_pipeline import RESULTS_DIR, fleet_csv  # noqa: E402
from raw_http import Answer, ConnectionPool  # noqa: E402

from tests.e2e.server import Server, free_port, login, server_env, stop_server, wait_for  # noqa: E402

ENDPOINTS = (
    "/api/ml/health-scores",
    "/api/v1/sessions?limit=50",
    "/api/v1/insights",
    "/api/v1/devices",
)
RATE, DURATION_S = 200, 30
MAX_IN_FLIGHT = 256
REQUEST_TIMEOUT_S = 10.0
TARGETS = {"p99_ms": 100.0, "rss_mb": 512.0}
PASSWORD = "bench-admin-password"


@dataclass
class Tally:
    """What one endpoint's run saw."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    cache: Counter[str] = field(default_factory=Counter)
    not_sent: int = 0
    bytes_received: int = 0

    def record(self, answer: Answer, seconds: float) -> None:
        """Count an answer; its latency counts when it is a 200."""
        self.statuses[str(answer.status)] += 1
        self.cache[answer.headers.get("x-cache", "-")] += 1
        self.bytes_received += answer.length
        if answer.status == 200:
            self.latencies_ms.append(seconds * 1000)


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank); NaN when there is no value."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def one_request(pool: ConnectionPool, path: str, tally: Tally) -> None:
    """Send one GET and record it (a transport error or time-out counts as an error)."""
    started = time.perf_counter()
    try:
        answer = await asyncio.wait_for(pool.get(path, ("x-cache",)), REQUEST_TIMEOUT_S)
    except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as exc:
        tally.statuses[type(exc).__name__] += 1
        return
    tally.record(answer, time.perf_counter() - started)


async def drive(base_url: str, token: str, path: str, rate: int, seconds: float) -> dict[str, Any]:
    """Open-loop load on ``path``: ``rate`` requests per second for ``seconds``, bounded."""
    url = urlsplit(base_url)
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip, deflate"}
    pool = ConnectionPool(url.hostname or "127.0.0.1", url.port or 80, headers, MAX_IN_FLIGHT)
    tally, tasks = Tally(), set[asyncio.Task[None]]()
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        if len(tasks) >= MAX_IN_FLIGHT:
            tally.not_sent += 1
            continue
        task = asyncio.create_task(one_request(pool, path, tally))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    pool.close()
    return summary(tally, elapsed)


def summary(tally: Tally, elapsed: float) -> dict[str, Any]:
    """Achieved rate, latency quantiles and errors of one run."""
    ok = len(tally.latencies_ms)
    errors = sum(n for status, n in tally.statuses.items() if status != "200")
    return {
        "achieved_per_s": round(ok / elapsed, 1),
        "p50_ms": round(percentile(tally.latencies_ms, 0.50), 1),
        "p95_ms": round(percentile(tally.latencies_ms, 0.95), 1),
        "p99_ms": round(percentile(tally.latencies_ms, 0.99), 1),
        "mean_ms": round(statistics.fmean(tally.latencies_ms), 1) if ok else None,
        "ok": ok,
        "errors": errors + tally.not_sent,
        "statuses": dict(tally.statuses),
        "not_sent": tally.not_sent,
        "cache": dict(tally.cache),
        "bytes_per_answer": round(tally.bytes_received / max(1, sum(tally.statuses.values()))),
        "seconds": round(elapsed, 1),
    }


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """User + system CPU seconds this process (the load generator) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_memory_mb(pid: int) -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory of process ``pid``."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return {"peak_rss_mb": fields["VmHWM"], "rss_mb": fields["VmRSS"]}


def prepare(root: Path, env: dict[str, str], csv: Path) -> None:
    """Ingest the fleet and train + deploy the model with the CLI (default settings)."""
    (root / "drop").mkdir()
    for command in (["ingest", str(csv)], ["train", "--deploy"]):
        subprocess.run(
            [sys.executable, "-m", "app.cli", *command],
            cwd=BACKEND,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def start(root: Path, csv: Path) -> Server:
    """The real server on the ingested fleet, scored, rate limits off."""
    port = free_port()
    env = server_env(root, port) | {
        "ADMIN_PASSWORD": PASSWORD,
        "RATE_LIMIT_PER_MINUTE": "0",
        "ML_RATE_LIMIT_PER_MINUTE": "0",
    }
    prepare(root, env, csv)
    log = root / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "main.py"], cwd=BACKEND, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    wait_for(server, lambda: login(server, "admin", PASSWORD), "the server", 120)
    server.tokens["admin"] = login(server, "admin", PASSWORD)
    wait_for(server, lambda: server.get("/api/ml/health-scores")["data"], "the ML scores", 900)
    return server


def report(results: dict[str, dict[str, Any]], rate: int) -> bool:
    """Print one line per endpoint and PASS/FAIL per target; True when all pass."""
    ok = True
    print(f"{'endpoint':<28}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>8}{'RSS MB':>8}")
    for path, r in results.items():
        print(
            f"{path:<28}{r['achieved_per_s']:>8}{r['p50_ms']:>8}{r['p95_ms']:>8}"
            f"{r['p99_ms']:>8}{r['errors']:>8}{r['server']['peak_rss_mb']:>8}"
            f"   {r['bytes_per_answer']:,} B/answer, server CPU "
            f"{r['server']['cpu_ms_per_request']} ms/request, client CPU "
            f"{r['client_cpu_ms_per_request']} ms/request, statuses {r['statuses']}, "
            f"cache {r['cache']}"
        )
    for path, r in results.items():
        checks = {
            f"{rate} req/s achieved": r["achieved_per_s"] >= rate * 0.98,
            f"p99 < {TARGETS['p99_ms']:g} ms": r["p99_ms"] < TARGETS["p99_ms"],
            "0 errors": r["errors"] == 0,
            f"server RSS < {TARGETS['rss_mb']:g} MB": r["server"]["peak_rss_mb"]
            < TARGETS["rss_mb"],
        }
        for name, passed in checks.items():
            ok &= passed
            print(f"{'PASS' if passed else 'FAIL'}  {path}: {name}")
    return ok


def main() -> int:
    """Simulate (cached), serve, drive each endpoint, report and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=int, default=RATE)
    parser.add_argument("--seconds", type=float, default=DURATION_S)
    args = parser.parse_args()
    csv = fleet_csv(args.devices, args.days, args.seed)
    root = Path(tempfile.mkdtemp(prefix="bench-load-"))
    results: dict[str, dict[str, Any]] = {}
    at_ready: dict[str, float] = {}
    try:
        server = start(root, csv)
        at_ready = server_memory_mb(server.process.pid)
        print(f"server ready: peak RSS {at_ready['peak_rss_mb']} MB (ingest, first scoring)")
        try:
            for path in ENDPOINTS:
                pid, token = server.process.pid, server.tokens["admin"]
                cpu, own = server_cpu_s(pid), own_cpu_s()
                run = uvloop.run(drive(server.base_url, token, path, args.rate, args.seconds))
                sent = max(1, run["ok"] + run["errors"])
                per_request = (server_cpu_s(pid) - cpu) * 1000 / sent
                results[path] = run | {"server": server_memory_mb(pid)}
                results[path]["server"]["cpu_ms_per_request"] = round(per_request, 2)
                client = (own_cpu_s() - own) * 1000 / sent
                results[path]["client_cpu_ms_per_request"] = round(client, 2)
        finally:
            stop_server(server)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    ok = report(results, args.rate)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    figures = {"args": vars(args) | {"csv": str(csv)}, "results": results, "passed": ok}
    figures["server_at_ready"] = at_ready
    (RESULTS_DIR / "load.json").write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
