"""Pod posts benchmark: what one small telemetry POST costs the server, by STORE_KEEP_OPEN.

``make bench`` runs it. For STORE_KEEP_OPEN=0 (the DuckDB file opened and closed for every
unit of work) and the default (kept open while the server is busy), it starts the real
server (``python main.py``, ML off) on an empty store and posts 300 CSV bodies of 30 rows
(10 devices, in time order) one after another. It reports the median and p90 latency seen
by the client and the server's CPU time per POST (psutil). Figures go to
bench-results/pod_posts.json.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BACKEND))

import httpx  # noqa: E402
import psutil  # noqa: E402
from bench_pipeline import RESULTS_DIR  # noqa: E402

from app.core.config import Settings  # noqa: E402
from tests.live import live_server  # noqa: E402
from tests.support import ADMIN_PASSWORD  # noqa: E402

POSTS = 300
ROWS = 30
HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id"


def body(post: int) -> str:
    """Post ``post``'s rows: 30 s apart per device, continuing where the last post ended."""
    lines = [HEADER]
    for row in range(ROWS):
        n = post * ROWS + row
        seconds = n * 30
        stamp = f"2025-07-{1 + seconds // 86400:02d}T{seconds // 3600 % 24:02d}:"
        stamp += f"{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"
        lines.append(f"{stamp},pod{post % 10},{n},5.5,52.1,13.2,80,")
    return "\n".join(lines) + "\n"


def measure(keep_open: str) -> dict[str, float]:
    """Latency and server CPU per POST with STORE_KEEP_OPEN=``keep_open``."""
    root = Path(tempfile.mkdtemp(prefix="bench-posts-"))
    with (
        live_server(root, f"sqlite:///{root / 'drillwatch.db'}", STORE_KEEP_OPEN=keep_open) as live,
        httpx.Client(base_url=live.url, timeout=120) as client,
    ):
        login = {"username": "admin", "password": ADMIN_PASSWORD}
        token = client.post("/api/v1/auth/token", data=login).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
        server = psutil.Process(live.process.pid)
        cpu_before = sum(server.cpu_times()[:2])
        latencies = []
        for post in range(POSTS):
            started = time.perf_counter()
            answer = client.post("/api/v1/telemetry", content=body(post), headers=headers)
            latencies.append(time.perf_counter() - started)
            answer.raise_for_status()
        cpu = sum(server.cpu_times()[:2]) - cpu_before
    latencies.sort()
    return {
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p90_ms": round(latencies[int(0.9 * POSTS)] * 1000, 1),
        "server_cpu_ms_per_post": round(cpu / POSTS * 1000, 1),
    }


def main() -> None:
    default = str(Settings.model_fields["store_keep_open"].default)
    figures = {f"STORE_KEEP_OPEN={value}": measure(value) for value in ("0", default)}
    for name, row in figures.items():
        print(
            f"{name:20} median {row['median_ms']:6.1f} ms  p90 {row['p90_ms']:6.1f} ms  "
            f"server CPU {row['server_cpu_ms_per_post']:6.1f} ms/POST"
        )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "pod_posts.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
