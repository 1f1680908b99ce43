"""Dashboard benchmark: every page's ready time and the Sessions page's API bytes in Chromium.

``make bench`` runs it. It simulates 200 devices x 60 days (seed 3), starts the real server
(``python main.py``) on it, waits for the first ML scores, then opens every page in Debian's
Chromium through Playwright, three times each, and reports the median time from navigation
to "ready": the first heading is shown, no view is loading and no request is in flight.
The shared pages are opened as a viewer, the admin and operator pages as the admin.
Targets: every page ready within 1.5 s; the Sessions page under 250 KB of API data
(decoded JSON). The load average before and after is recorded (the target is for an idle
machine). Figures go to bench-results/dashboard.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BACKEND = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BACKEND))

from bench_pipeline import RESULTS_DIR, fleet_csv  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402

from tests.e2e.server import (  # noqa: E402
    Server,
    create_users,
    free_port,
    login,
    server_env,
    stop_server,
    wait_for,
)

DEVICES, DAYS, SEED = 200, 60, 3
READY_S = 1.5
SESSIONS_API_KB = 250.0
RUNS = 3
PAGES = {
    "overview": "/",
    "fleet map": "/map",
    "devices": "/devices",
    "sessions": "/sessions",
    "battery": "/battery",
    "anomalies": "/anomalies",
    "fleet health": "/health",
    "alerts": "/alerts",
    "models": "/models",
    "silences": "/silences",
}
ADMIN_PAGES = {
    "users": "/users",
    "audit": "/audit",
    "notifications": "/notifications",
    "my alerts": "/my-alerts",
}
VIEWER = ("vera", "viewer-pass-123")
PASSWORD = "bench-admin-password"
READY_JS = """() => {
  const h1 = document.querySelector('h1');
  const busy = document.querySelector('.state-loading, .spinner');
  return h1 && !busy && (window.__pending ?? 0) === 0 ? performance.now() : null;
}"""
COUNT_FETCHES = """() => {
  window.__pending = 0;
  const original = window.fetch;
  window.fetch = async (...args) => {
    window.__pending += 1;
    try { return await original(...args); } finally { window.__pending -= 1; }
  };
}"""


def start(root: Path) -> Server:
    """The real server on the simulated fleet, scored, with the viewer and operator users."""
    drop = root / "drop"
    drop.mkdir()
    shutil.copy(fleet_csv(DEVICES, DAYS, SEED), drop / "fleet.csv")
    port = free_port()
    env = server_env(root, port) | {"ADMIN_PASSWORD": PASSWORD, "RATE_LIMIT_PER_MINUTE": "0"}
    log = root / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "main.py"], cwd=BACKEND, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    wait_for(server, lambda: login(server, "admin", PASSWORD), "the server", 120)
    server.tokens["admin"] = login(server, "admin", PASSWORD)
    wait_for(server, lambda: server.get("/api/v1/insights")["sessions"] > 0, "the ingest", 300)
    wait_for(server, lambda: server.get("/api/ml/health-scores")["data"], "the ML scores", 600)
    create_users(server)
    return server


def ready_ms(page: Page, path: str) -> float:
    """Milliseconds from navigation start until the page is ready."""
    page.goto(path, wait_until="commit")
    handle = page.wait_for_function(READY_JS, polling="raf", timeout=60_000)
    return float(handle.json_value())


def api_bytes(page: Page, path: str) -> int:
    """Decoded bytes of every /api response while ``path`` loads and settles."""
    sizes: list[int] = []
    page.on(
        "response",
        lambda r: sizes.append(len(r.body())) if "/api/" in r.url and r.ok else None,
    )
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.close()
    return sum(sizes)


def signed_in(browser: Browser, server: Server, user: str, password: str) -> BrowserContext:
    """A desktop context that counts fetches, signed in as ``user``."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server.base_url)
    context.add_init_script(COUNT_FETCHES.join(["(", ")()"]))
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Log out").wait_for()
    return context


def medians(context: BrowserContext, pages: dict[str, str]) -> dict[str, float]:
    """Median ready time of each page over ``RUNS`` navigations."""
    page = context.pages[0]
    times = {name: [ready_ms(page, path) for _ in range(RUNS)] for name, path in pages.items()}
    return {name: round(statistics.median(t), 1) for name, t in times.items()}


def measure(server: Server) -> dict[str, Any]:
    """Median ready time per page, and the Sessions page's API bytes."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        viewer = signed_in(browser, server, *VIEWER)
        worst = server.get("/api/v1/fleet/status")["devices"][0]["device_id"]
        ready = medians(viewer, {**PAGES, "device": f"/devices/{worst}"})
        sessions = api_bytes(viewer.new_page(), "/sessions")
        ready |= medians(signed_in(browser, server, "admin", PASSWORD), ADMIN_PAGES)
        browser.close()
    return {"ready_ms": ready, "sessions_api_kb": round(sessions / 1024, 1)}


def main() -> int:
    """Run, print PASS/FAIL per target, save the figures."""
    root = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    server = start(root)
    try:
        started = time.perf_counter()
        load_before = os.getloadavg()
        figures = measure(server)
        figures["seconds"] = round(time.perf_counter() - started, 1)
        figures["load_average"] = {"before": load_before, "after": os.getloadavg()}
    finally:
        stop_server(server)
        shutil.rmtree(root, ignore_errors=True)
    ok = True
    for name, ms in figures["ready_ms"].items():
        passed = ms <= READY_S * 1000
        ok &= passed
        print(
            f"{'PASS' if passed else 'FAIL'} {name:<13} ready in {ms:7.1f} ms (target {READY_S} s)"
        )
    passed = figures["sessions_api_kb"] <= SESSIONS_API_KB
    ok &= passed
    verdict = "PASS" if passed else "FAIL"
    size = figures["sessions_api_kb"]
    print(f"{verdict} sessions page API data {size} KB (target {SESSIONS_API_KB:g} KB)")
    load = figures["load_average"]
    print(f"load average (1, 5, 15 min) before {load['before']}, after {load['after']}")
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "dashboard.json").write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
