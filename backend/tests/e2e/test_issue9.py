"""Issue 9 in Chromium on the real server: one urgency model, attention first, the fleet map,
live updates, tables people expect, the wire, and accessibility (axe-core) in both themes."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from app.core.config import REPO_DIR
from tests.alert_rows import write_open_alert
from tests.e2e.conftest import DESKTOP, PHONE, OpenPage, settled, sign_in
from tests.e2e.server import Server

pytestmark = pytest.mark.e2e

SCREENSHOTS = REPO_DIR / "test-artifacts" / "screenshots"
AXE = REPO_DIR / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "overview": "/",
    "fleet-map": "/map",
    "devices": "/devices",
    "sessions": "/sessions",
    "battery": "/battery",
    "anomalies": "/anomalies",
    "fleet-health": "/health",
    "alerts": "/alerts",
    "models": "/models",
    "users": "/users",
    "audit": "/audit",
    "notifications": "/notifications",
    "silences": "/silences",
    "my-alerts": "/my-alerts",
}
# Pages that refresh on their own and say when they were last updated.
LIVE = {"overview", "fleet-map", "devices", "sessions", "battery", "anomalies", "fleet-health"}
LIVE |= {"alerts", "models", "device-detail"}
# Charts whose card (section) has neither a data table nor a caption listing the figures.
CHARTS_WITHOUT_TEXT = """() => [...document.querySelectorAll('.recharts-wrapper')].filter(chart => {
  const card = chart.closest('section') ?? chart.closest('figure');
  return !card?.querySelector('details.data-table table, figcaption li');
}).length"""
BAD_STATUSES = {"critical", "offline_likely_failed", "degraded", "watch"}


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page as it is (script evaluated, not injected)."""
    page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', "
        "'wcag21aa', 'best-practice']})).violations.map(v => ({id: v.id, help: v.help, "
        "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [f"{v['id']}: {v['help']} at {v['nodes']}" for v in found]


def the_worst(server: Server) -> dict[str, Any]:
    """The device the fleet status ranks first (most urgent)."""
    devices: list[dict[str, Any]] = server.get("/api/v1/fleet/status")["devices"]
    return devices[0]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_every_page_in_both_themes_fits_has_no_axe_violation_and_is_screenshotted(
    open_page: OpenPage, server: Server, viewport: ViewportSize, theme: str
) -> None:
    size = f"{viewport['width']}x{viewport['height']}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, _ = open_page(viewport)
    page.emulate_media(color_scheme=theme)  # type: ignore[arg-type]
    page.goto("/login")
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    page.screenshot(path=SCREENSHOTS / f"login-{size}-{theme}.png")
    sign_in(page, "admin")
    worst = the_worst(server)["device_id"]
    problems: dict[str, list[str]] = {}
    for name, path in [*PAGES.items(), ("device-detail", f"/devices/{worst}")]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        settled(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the {size} window"
        if name in LIVE:
            expect(page.locator(".last-updated").first).to_contain_text(re.compile("Updated"))
        assert page.evaluate(CHARTS_WITHOUT_TEXT) == 0, f"{path}: a chart without its text"
        page.screenshot(path=SCREENSHOTS / f"{name}-{size}-{theme}.png", full_page=True)
        if violations := axe_violations(page):
            problems[path] = violations
    assert problems == {}


def test_no_page_shows_an_alerted_device_as_healthy_and_alerts_show_their_dates(
    open_page: OpenPage, server: Server
) -> None:
    alerts = server.get("/api/ml/alerts", status="open", limit=500)["data"]
    assert alerts, "the simulated fleet should have open alerts"
    status = {d["device_id"]: d for d in server.get("/api/v1/fleet/status")["devices"]}
    for alert in alerts:
        assert status[alert["device_id"]]["status"] in BAD_STATUSES, alert["device_id"]
    critical = [a for a in alerts if a["severity"] == "CRITICAL"]
    page, _ = open_page()
    sign_in(page, "vera", "/health")
    settled(page)
    shown = {s: sum(1 for d in status.values() if d["status"] == s) for s in ("critical",)}
    if critical:
        expect(page.get_by_role("button", name=re.compile(r"^Critical \(\d+\)"))).not_to_have_text(
            "Critical (0)"
        )
    expect(page.get_by_role("button", name=f"Critical ({shown['critical']})")).to_be_visible()
    alert = alerts[0]
    page.goto(f"/devices/{alert['device_id']}")
    settled(page)
    expect(page.locator(".device-line .badge")).not_to_have_text("Healthy")
    item = page.locator(f'[data-alert-id="{alert["alert_id"]}"]')
    expect(item).to_contain_text("Evidence measured")
    failure = datetime.fromisoformat(alert["predicted_failure_at"].replace("Z", "+00:00"))
    berlin = failure.astimezone(ZoneInfo("Europe/Berlin"))  # the browser's zone
    expect(item).to_contain_text(f"{berlin:%b} {berlin.day}, {berlin.year}")  # en-US, medium
    expect(page.locator(".map-frame")).to_be_visible()  # the small map of the last position
    todo = page.get_by_role("heading", name="What to do")
    health = page.get_by_role("heading", name="Health", exact=True)
    assert todo.bounding_box()["y"] < health.bounding_box()["y"]  # type: ignore[index]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_the_overview_opens_with_what_needs_action_and_the_nav_counts_open_alerts(
    open_page: OpenPage, server: Server, viewport: ViewportSize
) -> None:
    open_alerts = server.get("/api/ml/alerts", status="open", limit=1)["pagination"]["total"]
    page, _ = open_page(viewport)
    sign_in(page, "vera")
    heading = page.get_by_role("heading", name="Needs attention today")
    expect(heading).to_be_visible()
    assert heading.bounding_box()["y"] < 300  # type: ignore[index]
    handle = page.get_by_role("list", name=re.compile(r"^Alerts to handle"))
    expect(handle).to_contain_text("Do:")
    first = handle.get_by_role("listitem").first
    expect(first).to_contain_text(re.compile("Nobody yet|On it:"))
    worse = page.get_by_role("heading", name=re.compile(r"^Getting worse, no alert yet: \d+"))
    expect(worse).to_be_visible()
    if page.get_by_role("list", name=re.compile("^Getting worse")).count():
        entry = page.get_by_role("list", name=re.compile("^Getting worse")).get_by_role("listitem")
        expect(entry.first).to_contain_text("Do:")
        expect(entry.first).to_contain_text("No alert yet")
    kpis = page.get_by_label("Fleet KPIs")
    expect(kpis).to_be_visible()
    assert heading.bounding_box()["y"] < kpis.bounding_box()["y"]  # type: ignore[index]
    if viewport == PHONE:
        page.get_by_role("button", name="Menu").click()
    nav = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Alerts")
    )
    expect(nav).to_contain_text(f"{open_alerts:,}")


def test_the_fleet_map_places_every_device_clusters_filters_and_opens_a_device(
    open_page: OpenPage, server: Server
) -> None:
    devices = server.get("/api/v1/fleet/status")["devices"]
    placed = [d for d in devices if d["lat"] is not None]
    page, _ = open_page()
    sign_in(page, "vera", "/map")
    settled(page)
    frame = page.locator(".map-frame")
    expect(frame).to_have_attribute("data-tiles", re.compile("^(online|offline)$"))
    shown = -1
    for _ in range(20):  # cluster animations settle within a few hundred ms
        singles = len(
            set(page.locator(".map .device-pin").evaluate_all("els => els.map(e => e.title)"))
        )
        clusters = page.locator(".map .device-cluster b").all_inner_texts()
        shown = singles + sum(int(t) for t in clusters)
        if shown == len(placed):
            break
        page.wait_for_timeout(300)
    assert shown == len(placed)
    expect(page.get_by_label("Map legend")).to_contain_text("Offline, likely failed")
    worst = devices[0]
    label = {"offline_likely_failed": "Offline, likely failed", "critical": "Critical"}.get(
        worst["status"], worst["status"].capitalize()
    )
    page.get_by_role("group", name="Filter by status").get_by_role(
        "button", name=re.compile(f"^{label} ")
    ).click()
    wanted = [d for d in placed if d["status"] == worst["status"]]
    clusters = page.locator(".map .device-cluster")
    while clusters.count():
        try:
            clusters.first.click(timeout=3_000)
        except PlaywrightTimeoutError:
            continue  # the last click's zoom split it up before this click landed
        page.wait_for_timeout(400)
    expect(page.locator(".map .device-pin")).to_have_count(len(wanted))
    page.locator(".map .leaflet-marker-icon.device-pin").first.click()
    expect(page).to_have_url(re.compile(r"/devices/"))


def insert_alert(server: Server, device_id: str) -> str:
    """A new open alert written straight into the server's SQLite store (as a scoring run would)."""
    return write_open_alert(server.log.parent / "drillwatch.db", device_id)


def test_a_new_alert_appears_on_the_open_alerts_page_without_a_reload(
    open_page: OpenPage, server: Server
) -> None:
    healthy = [d for d in server.get("/api/v1/fleet/status")["devices"] if d["open_alerts"] == 0]
    device = healthy[-1]["device_id"]
    page, _ = open_page()
    sign_in(page, "vera", f"/alerts?device={device}")
    expect(page.get_by_text("No alerts for these filters.").first).to_be_visible()
    expect(page.locator(".last-updated")).to_contain_text("refreshes every 15 s")
    overview, _ = open_page()
    sign_in(overview, "vera")
    expect(overview.get_by_role("heading", name="Needs attention today")).to_be_visible()
    settled(page)
    opened = server.get("/api/ml/alerts", status="open", limit=1)["pagination"]["total"]
    nav = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("^Alerts")
    )
    expect(nav).to_contain_text(f"{opened:,}")
    alert_id = insert_alert(server, device)
    expect(page.locator(f'[data-alert-id="{alert_id}"]')).to_be_visible(timeout=40_000)
    expect(nav).to_contain_text(f"{opened + 1:,}", timeout=40_000)
    counted = re.compile(rf"^Alerts to handle: {opened + 1:,} open")
    expect(overview.get_by_role("list", name=counted)).to_be_visible(timeout=40_000)


def test_tables_sort_by_header_keep_it_in_the_url_reset_the_page_and_export_the_filter(
    open_page: OpenPage, server: Server, tmp_path: Path
) -> None:
    page, _ = open_page()
    sign_in(page, "vera", "/devices?page=2")
    settled(page)
    page.get_by_role("button", name=re.compile("^Last battery")).click()
    expect(page).to_have_url(re.compile("sort=battery"))
    assert "page=" not in page.url
    for header in ("Device", "Status", "Health", "Alert", "Last seen"):
        expect(page.get_by_role("columnheader", name=re.compile(f"^{header}"))).to_be_visible()
    page.get_by_label("Search").fill(the_worst(server)["device_id"][:3])
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    target = tmp_path / "devices.csv"
    download.value.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    needle = the_worst(server)["device_id"][:3]
    assert rows
    assert all(needle in r["device_id"] for r in rows)
    assert {"status", "health_score", "alert_severity", "last_seen"} <= set(rows[0])

    page.goto("/sessions?page=3")
    settled(page)
    page.get_by_role("button", name=re.compile("^Battery")).click()
    expect(page).to_have_url(re.compile("sort=battery_min"))
    assert "page=" not in page.url
    cells = page.get_by_role("region", name="Sessions", exact=True).locator(
        "tbody tr td:nth-child(8)"
    )
    firsts = [int(t.split("→")[0]) for t in cells.all_inner_texts()[:5]]
    assert firsts  # sorted by the minimum, not the first value: checked through the API below
    body = server.get("/api/v1/sessions", sort="battery_min", order="desc", limit=5)
    assert body["sessions"][0]["battery_min"] >= body["sessions"][-1]["battery_min"]


def test_the_server_compresses_caches_assets_and_404s_missing_files(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.tokens['admin']}", "Accept-Encoding": "gzip"}
    scores = httpx.get(server.base_url + "/api/ml/health-scores", headers=headers, timeout=30)
    assert scores.headers["content-encoding"] == "gzip"
    index = httpx.get(server.base_url + "/", timeout=30)
    script = re.search(r'src="(/assets/[^"]+\.js)"', index.text)
    assert script, index.text
    asset = httpx.get(server.base_url + script.group(1), timeout=30)
    assert "immutable" in asset.headers["cache-control"]
    assert index.headers["cache-control"] == "no-cache"
    assert httpx.get(server.base_url + "/assets/missing.js", timeout=30).status_code == 404
    favicon = httpx.get(server.base_url + "/favicon.svg", timeout=30)
    assert (favicon.status_code, favicon.headers["content-type"][:13]) == (200, "image/svg+xml")
    for export in ("sessions", "devices", "fleet-health", "alerts"):  # streamed: no length first
        url = f"{server.base_url}/api/v1/export/{export}.csv"
        with httpx.stream("GET", url, headers=headers, timeout=60) as answer:
            assert answer.status_code == 200, export
            assert answer.headers.get("transfer-encoding") == "chunked", export
            assert "content-length" not in answer.headers, export


def test_a_short_password_is_told_why_by_the_server(open_page: OpenPage) -> None:
    page, console = open_page()
    console.allowed_statuses.update({401, 422})
    page.goto("/login")
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill("x")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"\w"))
    expect(page.get_by_role("alert")).not_to_have_text(re.compile("^invalid password$"))


def test_the_theme_toggle_overrides_the_system_theme_and_is_remembered(
    open_page: OpenPage,
) -> None:
    page, _ = open_page()
    page.emulate_media(color_scheme="dark")
    sign_in(page, "vera", "/health")
    theme = "document.documentElement.dataset.theme"
    assert page.evaluate(theme) == "dark"
    toggle = page.get_by_role("button", name=re.compile("^Theme: "))
    expect(toggle).to_have_accessible_name("Theme: system (change)")
    toggle.click()  # system -> dark
    toggle.click()  # dark -> light
    expect(toggle).to_have_accessible_name("Theme: light (change)")
    assert page.evaluate(theme) == "light"
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate(theme) == "light"  # remembered over the system's dark
    colour = "getComputedStyle(document.querySelector('h1')).color"
    light = page.evaluate(colour)
    page.get_by_role("button", name=re.compile("^Theme: ")).click()  # light -> system (dark)
    assert page.evaluate(theme) == "dark"
    assert page.evaluate(colour) != light


@pytest.fixture
def planned_silences(server: Server) -> Iterator[None]:
    """Two silences running now for devices that do not exist: rows for the silence table that
    silence nothing; ended afterwards, so later tests find no running one."""
    headers = {"Authorization": f"Bearer {server.tokens['admin']}"}
    silences = f"{server.base_url}/api/v1/notifications/silences"
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    made = []
    for device, reason in (("e2e-sort-a", "zz later reason"), ("e2e-sort-b", "aa first reason")):
        body = {
            "scope": "device",
            "target": device,
            "ends_at": until,
            "reason": reason,
        }
        response = httpx.post(silences, json=body, headers=headers, timeout=30)
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    yield
    for silence in made:
        ended = httpx.post(f"{silences}/{silence}/end", headers=headers, timeout=30)
        assert ended.status_code == 200, ended.text


# (page, table region, header, the URL parameter that names the sort)
SORTABLE = [
    ("/devices", "Devices", "Health", "sort=health"),
    ("/battery", "Battery per device", "Maximum", "sort=max"),
    ("/anomalies", "Anomalous sessions table", "Duration", "sort=duration_s"),
    ("/health", "Device health", "Alert", "sort=alert"),
    ("/map", "Devices on the map", "Last report", "sort=last_seen"),
    ("/users", "Users", "Created", "sort=created"),
    ("/models", "Versions and metrics", "Accuracy", "versionsort=accuracy"),
    ("/models", "Deployment history", "Version", "deploysort=version"),
    ("/silences", "Silence table", "Reason", "sort=reason"),
    ("/audit", "Audit trail", "Action", "sort=action"),
    ("/battery", "Average battery per device and bucket", "Average", "batterydatasort=c2"),
]
# Tables behind a chart, shown once their "Show the data as a table" is opened.
CHART_DATA = {"Average battery per device and bucket"}

# Tables the server sorts: their API path and the field their first column shows.
SERVER_SORTED = {
    "/anomalies": ("/api/v1/anomalies?", "device_id"),
    "/audit": ("/api/v1/audit?", "action"),
}


def open_hidden_table(page: Page, path: str, region: str) -> None:
    """Open the disclosure a table sits in: the map's device list, a chart's data."""
    if path == "/map":
        page.get_by_text(re.compile(r"shown devices as a list$")).click()
    if region in CHART_DATA:
        page.get_by_text("Show the data as a table").click()


@pytest.mark.usefixtures("planned_silences")
def test_every_table_sorts_by_its_headers_and_keeps_the_sort_in_the_url(
    open_page: OpenPage,
) -> None:
    page, _ = open_page()
    sign_in(page, "admin")
    for path, region, header, param in SORTABLE:
        page.goto(path)
        settled(page)
        open_hidden_table(page, path, region)
        table = page.get_by_role("region", name=region, exact=True)
        cell = table.get_by_role("columnheader", name=re.compile(f"^{header}"))
        if path in SERVER_SORTED:  # the rows change once the server's sorted page arrived
            api, field = SERVER_SORTED[path]
            with page.expect_response(re.compile(re.escape(api) + ".*" + param)) as sorted_page:
                cell.get_by_role("button").click()
            top = sorted_page.value.json()["items"][0]
            expect(table.locator("tbody tr").first).to_contain_text(top[field])
        else:
            cell.get_by_role("button").click()
        prefix = param.split("sort=")[0]  # every table keeps its direction as (prefix)order=
        expect(page).to_have_url(re.compile(f"{param}&{prefix}order=(asc|desc)"))
        expect(cell).to_have_attribute("aria-sort", re.compile("^(ascending|descending)$"))
        first = cell.get_attribute("aria-sort")
        order = table.locator("tbody tr").all_inner_texts()
        page.reload()
        settled(page)
        open_hidden_table(page, path, region)
        expect(cell).to_have_attribute("aria-sort", first)
        assert table.locator("tbody tr").all_inner_texts() == order, path
        cell.get_by_role("button").click()
        flipped = "descending" if first == "ascending" else "ascending"
        expect(cell).to_have_attribute("aria-sort", flipped)
    page.goto("/silences?sort=reason&order=desc")
    rows = page.get_by_role("region", name="Silence table").locator("tbody tr")
    expect(rows.first).to_contain_text("zz later reason")
    page.goto("/health?sort=device&dir=asc")  # an old link's dir= still reads, and becomes order=
    device = page.get_by_role("region", name="Device health").get_by_role(
        "columnheader", name=re.compile("^Device")
    )
    expect(device).to_have_attribute("aria-sort", "ascending")
    device.get_by_role("button").click()
    expect(device).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(re.compile("sort=device&order=desc"))
    assert "dir=" not in page.url


def download_csv(page: Page, tmp_path: Path, name: str) -> list[dict[str, str]]:
    """Click the page's Export CSV and read the file it saves."""
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    target = tmp_path / name
    download.value.save_as(target)
    return list(csv.DictReader(io.StringIO(target.read_text())))


def test_csv_exports_of_sessions_fleet_health_and_alerts_honour_the_filters(
    open_page: OpenPage, server: Server, tmp_path: Path
) -> None:
    device = the_worst(server)["device_id"]
    page, _ = open_page()
    sign_in(page, "vera", f"/sessions?device={device}&sort=duration_s&order=asc")
    settled(page)
    rows = download_csv(page, tmp_path, "sessions.csv")
    total = server.get("/api/v1/sessions", device_id=device, limit=1)["total"]
    assert len(rows) == total > 0
    assert {r["device_id"] for r in rows} == {device}
    durations = [float(r["duration_s"]) for r in rows]
    assert durations == sorted(durations)

    page.goto("/health?alert=open")
    settled(page)
    rows = download_csv(page, tmp_path, "health.csv")
    fleet = server.get("/api/v1/fleet/status")["devices"]
    with_open = {d["device_id"] for d in fleet if d["alert"] and d["alert"]["status"] == "open"}
    assert with_open
    assert {r["device_id"] for r in rows} == with_open
    assert {r["alert_status"] for r in rows} == {"open"}

    page.goto("/alerts?severity=HIGH")
    settled(page)
    rows = download_csv(page, tmp_path, "alerts.csv")
    high = server.get("/api/ml/alerts", severity="HIGH", limit=1)["pagination"]["total"]
    assert len(rows) == high
    assert {r["severity"] for r in rows} <= {"HIGH"}


def test_fleet_health_filters_and_sorts_by_alert_in_the_url(
    open_page: OpenPage, server: Server
) -> None:
    fleet = server.get("/api/v1/fleet/status")["devices"]
    with_alert = [d for d in fleet if d["alert"]]
    assert with_alert
    page, _ = open_page()
    sign_in(page, "vera", "/health")
    settled(page)
    choice = page.get_by_role("combobox", name=re.compile("^Alert"))
    choice.select_option("any")
    expect(page).to_have_url(re.compile("alert=any"))
    table = page.get_by_role("region", name="Device health")
    expect(table.locator("tbody tr")).to_have_count(min(len(with_alert), 50))
    table.get_by_role("button", name=re.compile("^Alert")).click()
    expect(page).to_have_url(re.compile("sort=alert"))
    page.reload()
    expect(choice).to_have_value("any")
    expect(table.locator("tbody tr")).to_have_count(min(len(with_alert), 50))
    for row in table.locator("tbody tr").all()[:5]:
        expect(row.locator('td[data-label="Alert"]')).not_to_have_text(re.compile("^none$"))
