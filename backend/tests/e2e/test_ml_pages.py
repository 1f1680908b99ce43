"""The ML pages in Chromium against the real server: health, forecast, alert lifecycle, models."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, OpenPage, settled, sign_in
from tests.e2e.server import Server
from tests.e2e.test_issue9 import axe_violations

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
TRAIN_TIMEOUT_MS = 60_000


SILENT = ("idle", "offline_likely_failed")  # no trend while silent: no forecast sentence


def worst_with_forecast(server: Server) -> dict[str, Any]:
    """The reporting device with the lowest health score that has a forecast (API)."""
    body = server.get("/api/ml/health-scores", include_trends="true")
    scored = [
        d
        for d in body["data"]
        if d["health_score"] is not None
        and d["forecast"]["health_at_horizon"] is not None
        and d["status"] not in SILENT
    ]
    device: dict[str, Any] = min(scored, key=lambda d: d["health_score"])
    device["thresholds"] = body["metadata"]["thresholds"]
    return device


def test_fleet_health_lists_the_degrading_device_first_and_it_shows_factors_and_forecast(
    open_page: OpenPage, server: Server
) -> None:
    device = worst_with_forecast(server)
    devices = server.get("/api/ml/health-scores")["data"]
    lowest = min(d["health_score"] for d in devices if d["health_score"] is not None)
    page, _ = open_page()
    sign_in(page, "vera", "/health")
    table = page.get_by_role("region", name="Device health")
    expect(table.get_by_role("row")).to_have_count(len(devices) + 1)
    page.get_by_role("button", name="Health", exact=True).click()
    first = table.get_by_role("row").nth(1)
    expect(first.get_by_role("cell").nth(2)).to_have_text(f"{lowest:.1f} / 100")

    table.get_by_role("link", name=device["device_id"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Device {device['device_id']}")
    factors = page.get_by_role("list", name="Explanatory factors")
    for factor in device["explanatory_factors"]:
        expect(factors.get_by_text(factor["description"], exact=True)).to_be_visible()
    forecast = device["forecast"]
    low, high = forecast["interval_at_horizon"]
    sentences = page.get_by_role("list", name="Forecast").get_by_role("listitem")
    expect(sentences.filter(has_text="Forecast in")).to_have_text(
        f"Forecast in {forecast['horizon_days']} days: {forecast['health_at_horizon']:.1f} / 100 "
        f"(80 % band {low:.1f}\N{EN DASH}{high:.1f})."
    )
    chart = page.locator(".recharts-wrapper").first
    for name in ("medium", "high", "critical"):
        label = f"{name.upper()} {device['thresholds'][name]:g}"
        expect(chart.get_by_text(label, exact=True)).to_be_visible()
    settled(page)


def open_alert(server: Server) -> dict[str, Any]:
    """The newest open alert, from the API."""
    alerts = server.get("/api/ml/alerts", status="open", limit=1)["data"]
    assert alerts, "the simulated fleet should have an open alert"
    alert: dict[str, Any] = alerts[0]
    return alert


def alert_item(page: Page, alert_id: str) -> Any:
    """The list entry of one alert."""
    return page.locator(f'[data-alert-id="{alert_id}"]')


def test_operator_acknowledges_and_resolves_an_alert_and_both_persist_after_reload(
    open_page: OpenPage, server: Server
) -> None:
    alert = open_alert(server)
    page, _ = open_page()
    sign_in(page, "otto", f"/alerts?device={alert['device_id']}")
    item = alert_item(page, alert["alert_id"])
    item.get_by_role("button", name=re.compile("^Acknowledge")).click()
    dialog = page.get_by_role("dialog", name="Acknowledge alert")
    dialog.get_by_label("Notes (optional)").fill("crew informed by e2e")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "alerts-acknowledge-dialog-1280x800.png")
    dialog.get_by_role("button", name="Acknowledge").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(alert_item(page, alert["alert_id"])).to_contain_text("Acknowledged by otto")
    expect(alert_item(page, alert["alert_id"])).to_contain_text("crew informed by e2e")

    alert_item(page, alert["alert_id"]).get_by_role("button", name=re.compile("^Resolve")).click()
    dialog = page.get_by_role("dialog", name="Resolve alert")
    dialog.get_by_role("radio", name=re.compile("Confirmed fault")).check()
    dialog.get_by_role("button", name="Resolve").click()
    expect(dialog).to_be_hidden()
    page.reload()
    expect(alert_item(page, alert["alert_id"])).to_contain_text("Resolved by otto")
    expect(alert_item(page, alert["alert_id"])).to_contain_text("as Confirmed fault")
    expect(alert_item(page, alert["alert_id"]).get_by_role("button")).to_have_count(0)
    for theme in ("light", "dark"):  # a resolved alert is told apart without fading its text
        page.emulate_media(color_scheme=theme)
        settled(page)
        assert axe_violations(page) == [], theme

    stored = server.get("/api/ml/alerts", device_id=alert["device_id"], limit=500)["data"]
    record = next(a for a in stored if a["alert_id"] == alert["alert_id"])
    assert (record["status"], record["outcome"]) == ("resolved", "confirmed_fault")
    assert (record["acknowledged_by"], record["acknowledged_notes"]) == (
        "otto",
        "crew informed by e2e",
    )


def active_marker(page: Page) -> Any:
    """The row header that carries the "Active" badge."""
    table = page.get_by_role("region", name="Versions and metrics")
    return table.get_by_role("rowheader").filter(has_text="Active")


def test_admin_trains_deploys_and_rolls_back_a_model_with_confirmations(
    open_page: OpenPage, server: Server
) -> None:
    before = server.get("/api/ml/models")["active_version"]
    page, _ = open_page()
    sign_in(page, "admin", "/models")
    expect(active_marker(page)).to_have_text(f"{before} Active")

    page.get_by_role("button", name="Train a new model").click()
    dialog = page.get_by_role("dialog", name="Train a new model?")
    dialog.get_by_label("Version (optional)").fill("1.5.0")
    dialog.get_by_role("button", name="Start training").click()
    done = page.get_by_text(re.compile(r"^Training succeeded: version 1\.5\.0"))
    expect(done).to_be_visible(timeout=TRAIN_TIMEOUT_MS)

    page.get_by_role("button", name="Deploy 1.5.0").click()
    dialog = page.get_by_role("dialog", name="Deploy model 1.5.0?")
    dialog.get_by_label(re.compile("^Reason")).fill("e2e: deploy the new version")
    page.screenshot(path=SCREENSHOTS / "models-deploy-dialog-1280x800.png")
    dialog.get_by_role("button", name="Deploy 1.5.0").click()
    expect(active_marker(page)).to_have_text("1.5.0 Active")
    assert server.get("/api/ml/models")["active_version"] == "1.5.0"

    page.get_by_role("button", name="Roll back…").click()
    dialog = page.get_by_role("dialog", name="Roll back the active model?")
    dialog.get_by_role("button", name="Roll back").click()
    expect(active_marker(page)).to_have_text(f"{before} Active")
    models = server.get("/api/ml/models")
    assert models["active_version"] == before
    history = page.get_by_role("region", name="Deployment history")
    expect(history.get_by_role("row").nth(1)).to_contain_text(before)
    assert [d["version"] for d in models["deployments"]][-2:] == ["1.5.0", before]


def test_the_overview_names_the_most_urgent_device_with_its_reason_on_a_phone(
    open_page: OpenPage, server: Server
) -> None:
    device = server.get("/api/v1/fleet/status")["devices"][0]
    page, _ = open_page(PHONE)
    sign_in(page, "vera")
    # An earlier test may have resolved its alert: then it leads the list of the unalerted.
    listed = "^Alerts to handle" if device["open_alerts"] else "^Getting worse, no alert yet"
    attention = page.get_by_role("list", name=re.compile(listed))
    entry = attention.get_by_role("listitem").filter(has_text=device["device_id"]).first
    expect(entry).to_contain_text(device["reason"])
    settled(page)
