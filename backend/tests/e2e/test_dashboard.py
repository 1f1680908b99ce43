"""The dashboard in Chromium against the real server: login, KPIs, roles, expiry, every page."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import OpenPage, settled, sign_in
from tests.e2e.server import Server

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
SESSION_KEY = "drillwatch.session"
ADMIN_CONTROLS = re.compile(r"^(acknowledge|resolve|deploy|roll ?back|train a)", re.IGNORECASE)


def kpis(page: Page, grid: str = "Fleet KPIs") -> dict[str, str]:
    """The rendered KPI values by label."""
    block = page.get_by_label(grid)
    terms = block.locator("dt").all_inner_texts()
    values = block.locator("dd:not(.kpi-note)").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def expected_kpis(insights: dict[str, float]) -> dict[str, str]:
    """The API's figures as the overview must render them (one decimal, with units)."""
    return {
        "Drilling hours": f"{insights['drilling_hours']:.1f} h",
        "Sessions": f"{insights['sessions']:,}",
        "Average session length": f"{insights['average_session_minutes']:.1f} min",
        "Tagged sessions": f"{insights['tagged_pct']:.1f} %",
        "Low-battery sessions": f"{insights['low_battery_events']:,}",
    }


def test_overview_kpis_equal_the_api_for_the_fleet_and_one_device(
    open_page: OpenPage, server: Server
) -> None:
    page, _ = open_page()
    sign_in(page, "admin")
    settled(page)
    assert kpis(page) == expected_kpis(server.get("/api/v1/insights"))

    device = server.get("/api/v1/devices")["devices"][0]["device_id"]
    page.get_by_role("button", name="Devices").click()
    page.get_by_label("Search devices").fill(device)
    page.get_by_role("checkbox", name=device).check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("button", name=f"Remove device {device}")).to_be_visible()
    settled(page)
    one = server.get("/api/v1/insights", device_id=device)
    assert 0 < one["sessions"] < server.get("/api/v1/insights")["sessions"]
    sessions_kpi = page.get_by_label("Fleet KPIs").locator("dd:not(.kpi-note)").nth(1)
    expect(sessions_kpi).to_have_text(f"{one['sessions']:,}")
    assert kpis(page) == expected_kpis(one)


def users_link(page: Page) -> Locator:
    """The administration entry of the main navigation."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name="Users")


def test_viewer_sees_no_admin_controls(open_page: OpenPage) -> None:
    admin, _ = open_page()
    sign_in(admin, "admin", "/users")
    expect(users_link(admin)).to_be_visible()
    expect(admin.get_by_role("button", name="Add user")).to_be_visible()

    viewer, _ = open_page()
    sign_in(viewer, "vera", "/users")
    expect(viewer.get_by_role("alert")).to_contain_text("This page needs the admin role")
    expect(viewer.get_by_role("button", name="Add user")).to_have_count(0)
    expect(users_link(viewer)).to_have_count(0)
    # The content is there (so a missing button means something); the controls are not.
    shown = {
        "/alerts": viewer.get_by_role("list", name="Alerts, most urgent first"),
        "/models": viewer.get_by_role("region", name="Versions and metrics"),
        "/health": viewer.get_by_role("region", name="Device health"),
    }
    for path, content in shown.items():
        viewer.goto(path)
        settled(viewer)
        expect(content).to_be_visible()
        expect(viewer.get_by_role("button", name=ADMIN_CONTROLS)).to_have_count(0)


def test_logout_returns_to_login_and_forgets_the_token(open_page: OpenPage) -> None:
    page, _ = open_page()
    sign_in(page, "otto", "/sessions")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.evaluate(f"localStorage.getItem('{SESSION_KEY}')") is None
    page.goto("/battery")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


@pytest.mark.parametrize("spoil", ["forged", "expired"])
def test_bad_token_returns_to_login_and_then_to_the_same_page(
    open_page: OpenPage, spoil: str
) -> None:
    page, console = open_page()
    console.allowed_statuses.add(401)  # the forged token's refusal, logged by Chromium itself
    sign_in(page, "vera")
    session = json.loads(page.evaluate(f"localStorage.getItem('{SESSION_KEY}')"))
    if spoil == "forged":
        session["token"] = session["token"][:-4] + "AAAA"
    else:
        session["expiresAt"] = 1
    page.evaluate(f"s => localStorage.setItem('{SESSION_KEY}', s)", json.dumps(session))
    page.goto("/sessions?page=2")
    expect(page.get_by_text("Your session has expired. Sign in again to continue.")).to_be_visible()
    assert "next=%2Fsessions%3Fpage%3D2" in page.url
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill("viewer-pass-123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Sessions")).to_be_visible()
    assert page.url.endswith("/sessions?page=2")
    expect(page.get_by_text(re.compile(r"^26\D50 of"))).to_be_visible()


def test_sessions_show_local_times_and_map_points_without_tiles(open_page: OpenPage) -> None:
    page, _ = open_page()
    sign_in(page, "vera", "/sessions")
    settled(page)
    first = page.get_by_role("region", name="Sessions", exact=True).locator("time").first
    utc = datetime.strptime(first.get_attribute("title") or "", "%Y-%m-%d %H:%M:%S UTC")
    berlin = utc.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    shown = first.inner_text()
    assert f"{berlin:%b} {berlin.day}, {berlin.year}" in shown
    assert f"{(berlin.hour - 1) % 12 + 1}:{berlin:%M}" in shown

    tiles = re.compile(r"^(online|offline)$")
    expect(page.locator(".map-frame")).to_have_attribute("data-tiles", tiles)
    markers = page.locator(".map .device-pin, .map .device-cluster")
    expect(markers.first).to_be_visible()
    if page.locator(".map-frame").get_attribute("data-tiles") == "offline":
        expect(page.get_by_text("Map tiles are unavailable (offline)")).to_be_visible()
        assert page.locator(".map img.leaflet-tile").count() == 0
