"""Issue 10 in Chromium on the real server: channels with a test sent to a real webhook
receiver that checks signatures, rules edited and previewed, a parked notice resent,
silences, assignment, "my alerts", bulk acknowledge and a resolution's outcome in live
precision, with screenshots and axe-core."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.core.config import REPO_DIR
from tests.alert_rows import write_open_alert
from tests.e2e.conftest import DESKTOP, PHONE, OpenPage, settled, sign_in
from tests.e2e.server import Server
from tests.e2e.test_issue9 import axe_violations
from tests.notifications.receivers import Mailbox, Received, Webhook, smtp_server, webhook_receiver

pytestmark = pytest.mark.e2e

SCREENSHOTS = REPO_DIR / "test-artifacts" / "screenshots"
NOTIFY = "/api/v1/notifications"
BERLIN = ZoneInfo("Europe/Berlin")  # the browser's zone (see conftest.open_page)
WAIT_S = 60.0


def call(server: Server, method: str, path: str, user: str = "admin", **kwargs: Any) -> Any:
    """An API call as ``user``; the JSON answer (None when empty)."""
    headers = {"Authorization": f"Bearer {server.tokens[user]}"}
    response = httpx.request(method, server.base_url + path, headers=headers, timeout=30, **kwargs)
    assert response.is_success, response.text
    return response.json() if response.content else None


def eventually(check: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
    """Poll ``check()`` until it is truthy (generous timeout, no timing asserts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def for_device(hook: Webhook, device: str) -> list[Received]:
    """The requests the receiver got about ``device``."""
    with hook.lock:
        return [r for r in hook.received if r.json.get("device_id") == device]


def local(moment: datetime) -> str:
    """A datetime-local input's value in the browser's zone."""
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def raise_alert(server: Server, device: str, issue: str, severity: str = "HIGH") -> str:
    """A new open alert written into the server's SQLite store, as a scoring run would."""
    action = f"Check the {issue} of {device}"
    db = server.log.parent / "drillwatch.db"
    return write_open_alert(db, device, issue=issue, severity=severity, action=action)


@pytest.fixture(scope="module")
def quiet_devices(server: Server) -> Iterator[list[str]]:
    """Devices with no open alert (the last one is test_issue9's), and a clean slate after."""
    devices = server.get("/api/v1/fleet/status")["devices"]
    quiet = [d["device_id"] for d in devices if d["open_alerts"] == 0][:-1]
    assert len(quiet) >= 5, "the simulated fleet should have quiet devices"
    yield quiet
    for rule in call(server, "GET", f"{NOTIFY}/rules"):
        call(server, "DELETE", f"{NOTIFY}/rules/{rule['id']}")
    for channel in call(server, "GET", f"{NOTIFY}/channels"):
        call(server, "DELETE", f"{NOTIFY}/channels/{channel['id']}")


@pytest.fixture(scope="module")
def hook() -> Iterator[Webhook]:
    """A real webhook receiver that checks every signature."""
    with webhook_receiver("e2e-receiver-secret-0123") as receiver:
        yield receiver


@pytest.fixture(scope="module")
def down() -> Iterator[Webhook]:
    """A real receiver that refuses until told otherwise."""
    with webhook_receiver("e2e-down-secret-0123456") as receiver:
        receiver.statuses = [500] * 1000
        yield receiver


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""
    with smtp_server() as box:
        yield box


def webhook_channel(server: Server, name: str, hook: Webhook) -> int:
    body = {
        "name": name,
        "kind": "webhook",
        "config": {"url": hook.url},
        "secrets": {"signing_secret": hook.secret},
    }
    return int(call(server, "POST", f"{NOTIFY}/channels", json=body)["id"])


def device_rule(server: Server, name: str, device: str, channels: list[int]) -> None:
    body = {"name": name, "device_ids": [device], "channel_ids": channels}
    call(server, "POST", f"{NOTIFY}/rules", json=body)


# How far each of the page's tables scrolls sideways (0: it fits).
TABLE_SCROLL = """() => Object.fromEntries([...document.querySelectorAll('.table-scroll')]
  .map(e => [e.getAttribute('aria-label'), e.scrollWidth - e.clientWidth]))"""
# Forms, row actions and messages whose content is wider than they are (cut off).
CUT_OFF = """() => [...document.querySelectorAll('form, .row-actions, [role=status], [role=alert]')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => e.getAttribute('aria-label') || e.className)"""


def check_page(page: Page, name: str) -> None:
    """Screenshot the settled page and fail on axe-core violations."""
    settled(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-1280x800.png", full_page=True)
    assert axe_violations(page) == []


def check_layouts(page: Page, name: str) -> None:
    """At 1280x800 and 390x844 in both themes: nothing wider than the window or cut off, every
    table fits the desktop, every message in view; a screenshot each; no axe-core violation."""
    settled(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        size = f"{viewport['width']}x{viewport['height']}"
        for theme in ("light", "dark"):
            page.emulate_media(color_scheme=theme)  # type: ignore[arg-type]
            expect(page.locator("html")).to_have_attribute("data-theme", theme)
            assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0, size
            assert page.evaluate(CUT_OFF) == [], size
            if viewport is DESKTOP:
                assert set(page.evaluate(TABLE_SCROLL).values()) <= {0}, page.evaluate(TABLE_SCROLL)
            for message in page.get_by_role("status").all():
                box = message.bounding_box()
                assert box is None or box["x"] + box["width"] <= viewport["width"], size
            page.screenshot(path=SCREENSHOTS / f"{name}-{size}-{theme}.png", full_page=True)
            assert axe_violations(page) == [], f"{size} {theme}"
    page.set_viewport_size(DESKTOP)


def add_webhook(page: Page, name: str, hook: Webhook) -> None:
    form = page.get_by_role("form", name="Add a channel")
    expect(form.get_by_label("Name")).to_have_value("")  # cleared after the last one was added
    form.get_by_label("Name").fill(name)
    form.get_by_label("URL").fill(hook.url)
    form.get_by_label("Signing secret").fill(hook.secret)
    form.get_by_role("button", name="Add channel").click()
    expect(page.get_by_role("region", name="Channel table")).to_contain_text(name)


def test_an_admin_adds_an_email_channel_and_its_test_arrives_as_text_and_html(
    open_page: OpenPage, mailbox: Mailbox
) -> None:
    page, _ = open_page()
    sign_in(page, "admin", "/notifications")
    form = page.get_by_role("form", name="Add a channel")
    form.get_by_label("Kind").select_option("email")
    form.get_by_label("Name", exact=True).fill("e2e-mail")
    form.get_by_label("SMTP host").fill(mailbox.host)
    form.get_by_label("Port").fill(str(mailbox.port))
    form.get_by_label("Security").select_option("none")
    form.get_by_label("From").fill("drillwatch@example.com")
    form.get_by_label("To (comma-separated)").fill("crew@example.com, lead@example.com")
    form.get_by_role("button", name="Add channel").click()
    row = page.get_by_role("region", name="Channel table").get_by_role(
        "row", name=re.compile("e2e-mail")
    )
    expect(row).to_contain_text("crew@example.com, lead@example.com")
    row.get_by_role("button", name="Send test through e2e-mail").click()
    expect(page.get_by_role("status").filter(has_text="Test sent through e2e-mail")).to_be_visible()
    (mail,) = mailbox.wait_for(1)
    assert mailbox.envelopes == [
        ("drillwatch@example.com", ["crew@example.com", "lead@example.com"])
    ]
    plain, rich = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None
    assert "drillwatch-test" in plain.get_content()
    assert rich is not None
    assert "<h2>Device drillwatch-test</h2>" in rich.get_content()
    row.get_by_role("button", name="Edit channel e2e-mail").click()
    edit = page.get_by_role("form", name="Edit channel e2e-mail")
    expect(edit.get_by_role("checkbox")).to_have_count(0)  # no stored password to remove
    edit.get_by_label("Password", exact=True).fill("relay-password")
    edit.get_by_role("button", name="Save channel").click()
    expect(row).to_contain_text("password set")
    expect(edit).to_have_count(0)  # the list refreshes before the saved form closes
    row.get_by_role("button", name="Edit channel e2e-mail").click()
    edit.get_by_role("checkbox", name="Remove the stored password").check()
    expect(edit.get_by_label("Password", exact=True)).to_be_disabled()
    edit.get_by_role("button", name="Save channel").click()
    expect(row.get_by_role("cell").nth(3)).to_have_text("none")
    row.get_by_role("button", name="Delete e2e-mail").click()
    expect(page.get_by_role("region", name="Channel table")).to_have_count(0)


def test_an_admin_adds_a_channel_sends_a_signed_test_and_edits_and_previews_a_rule(
    open_page: OpenPage, server: Server, hook: Webhook, down: Webhook, quiet_devices: list[str]
) -> None:
    device = quiet_devices[0]
    page, console = open_page()
    console.allowed_statuses.add(422)  # the refused time zone below
    sign_in(page, "admin", "/notifications")
    expect(page.get_by_text("No channel yet: alerts stay on the dashboard.")).to_be_visible()
    add_webhook(page, "e2e-hook", hook)
    add_webhook(page, "e2e-down", down)
    channels = page.get_by_role("region", name="Channel table")
    expect(channels.get_by_role("row", name=re.compile("e2e-hook"))).to_contain_text(
        "signing_secret set"
    )
    assert hook.secret not in page.content()
    before = len(hook.received)
    page.get_by_role("button", name="Send test through e2e-hook").click()
    sent = page.get_by_role("status").filter(has_text="Test sent")
    expect(sent).to_be_visible()
    (test,) = hook.wait_for(before + 1)[before:]
    assert test.signature_ok
    assert (test.json["device_id"], test.json["idempotency_key"]) == ("drillwatch-test", test.key)
    expect(sent).to_contain_text(test.key)
    channels.get_by_role("button", name="Edit channel e2e-hook").click()
    edit_channel = page.get_by_role("form", name="Edit channel e2e-hook")
    expect(edit_channel.get_by_label("URL")).to_have_value(hook.url)
    edit_channel.get_by_label("Format").select_option("slack")
    edit_channel.get_by_role("button", name="Save channel").click()  # the secret stays
    expect(channels.get_by_role("row", name=re.compile("e2e-hook"))).to_contain_text("(slack)")
    page.get_by_role("button", name="Send test through e2e-hook").click()
    (slack,) = hook.wait_for(before + 2)[before + 1 :]
    assert slack.signature_ok
    assert slack.json["blocks"][0]["type"] == "header"

    rules = page.get_by_role("form", name="Add a rule")
    rules.get_by_label("Rule name").fill("e2e first")
    rules.get_by_label("Devices (comma-separated, empty: any)").fill(device)
    rules.get_by_role("group", name="Notify").get_by_label("e2e-down").check()
    rules.get_by_role("button", name="Add rule").click()
    table = page.get_by_role("region", name="Rule table")
    expect(table.get_by_role("row", name=re.compile("e2e first"))).to_contain_text("e2e-down")

    table.get_by_role("button", name="Edit rule e2e first").click()
    edit = page.get_by_role("form", name="Edit rule e2e first")
    expect(edit.get_by_label("Devices (comma-separated, empty: any)")).to_have_value(device)
    edit.get_by_label("Rule name").fill("e2e critical")
    edit.get_by_role("group", name="Severities (none: any)").get_by_label("CRITICAL").check()
    notify = edit.get_by_role("group", name="Notify")
    notify.get_by_label("e2e-down").uncheck()
    notify.get_by_label("e2e-hook").check()
    edit.get_by_label("Time zone").fill("Mars/Base")
    edit.get_by_role("button", name="Save rule").click()
    expect(edit.get_by_role("alert")).to_contain_text("unknown time zone")
    edit.get_by_label("Time zone").fill("Europe/Berlin")
    edit.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("form", name="Add a rule")).to_be_visible()
    row = table.get_by_role("row", name=re.compile("e2e critical"))
    expect(row).to_contain_text(f"severity CRITICAL; component any; groups any; devices {device}")
    expect(row.get_by_role("cell").nth(3)).to_have_text("e2e-hook")

    preview = page.get_by_role("form", name="Routing preview")
    preview.get_by_label("Device").fill(device)
    preview.get_by_label("Severity").select_option("CRITICAL")
    preview.get_by_role("button", name="Preview").click()
    result = page.get_by_role("status", name="Preview result")
    expect(result).to_contain_text("hits e2e critical; tells e2e-hook.")
    preview.get_by_label("Severity").select_option("LOW")
    preview.get_by_role("button", name="Preview").click()
    expect(result).to_contain_text("no rule matches; nobody is told.")
    channels.get_by_role("button", name="Edit channel e2e-hook").click()
    table.get_by_role("button", name="Edit rule e2e critical").click()
    expect(sent).to_be_visible()
    check_layouts(page, "notifications-forms")
    updates = call(server, "GET", "/api/v1/audit", params={"action": "notify.rule_update"})
    assert [e["target"] for e in updates["items"]] == ["e2e critical"]


def test_a_new_alert_is_told_signed_a_failing_channel_parks_and_a_resend_delivers_it(
    open_page: OpenPage, server: Server, hook: Webhook, down: Webhook, quiet_devices: list[str]
) -> None:
    device = quiet_devices[1]
    channels = [
        webhook_channel(server, "e2e-live", hook),
        webhook_channel(server, "e2e-broken", down),
    ]
    device_rule(server, "e2e outbox", device, channels)
    alert_id = raise_alert(server, device, "motor")
    (told,) = eventually(lambda: for_device(hook, device), f"the notice about {device}")
    assert told.signature_ok
    assert [(e["event"], e["alert_id"]) for e in told.json["events"]] == [("new", alert_id)]
    assert told.json["idempotency_key"] == told.key

    def parked() -> list[dict[str, Any]]:
        page = call(server, "GET", f"{NOTIFY}/outbox", params={"status": "parked"})
        return [n for n in page["items"] if n["device_id"] == device]

    (notice,) = eventually(parked, "the failing channel's notice to be parked")
    tries = for_device(down, device)
    assert len(tries) == 2
    assert {t.key for t in tries} == {notice["id"]}
    page, _ = open_page()
    sign_in(page, "admin", "/notifications")
    notices = page.get_by_role("region", name="Notices")
    row = notices.get_by_role("row", name=re.compile(device))
    expect(row).to_contain_text("HTTP 500: receiver says no")
    expect(row).to_contain_text("e2e-broken")
    check_layouts(page, "notifications-parked")
    with down.lock:
        down.statuses.clear()  # the receiver is back
    row.get_by_role("button", name=f"Resend notice {notice['id']}").click()
    resent = eventually(lambda: for_device(down, device)[2:], "the resent notice")
    assert [r.key for r in resent] == [notice["id"]]  # same idempotency key as the failed tries
    assert resent[0].signature_ok
    expect(notices.get_by_role("row", name=re.compile(device))).to_have_count(0)
    page.get_by_label(re.compile("^Status")).select_option("delivered")
    expect(notices.get_by_role("row", name=re.compile(f"e2e-broken.*{device}"))).to_have_count(1)
    page.get_by_label(re.compile("^Status")).select_option("")  # any status
    channel = notices.get_by_role("columnheader", name=re.compile("^Channel"))
    asked = re.compile(re.escape(f"{NOTIFY}/outbox?") + ".*sort=channel_name&order=asc")
    with page.expect_response(asked) as sorted_page:
        channel.get_by_role("button").click()
    expect(page).to_have_url(re.compile("outboxsort=channel_name&outboxorder=asc"))
    expect(channel).to_have_attribute("aria-sort", "ascending")
    names = [n["channel_name"] for n in sorted_page.value.json()["items"]]
    assert names == sorted(names), names
    assert len(set(names)) > 1, names
    expect(notices.locator("tbody tr td:nth-child(2)")).to_have_text(names)
    page.reload()
    page.get_by_label(re.compile("^Status")).select_option("")
    expect(channel).to_have_attribute("aria-sort", "ascending")  # kept in the URL
    with page.expect_response(re.compile(r"sort=channel_name&order=desc")):
        channel.get_by_role("button").click()
    expect(channel).to_have_attribute("aria-sort", "descending")
    expect(page).to_have_url(re.compile("outboxorder=desc"))


def test_an_operator_assigns_sees_my_alerts_bulk_acknowledges_and_the_channel_hears_it(
    open_page: OpenPage, server: Server, hook: Webhook, quiet_devices: list[str]
) -> None:
    device = quiet_devices[2]
    device_rule(server, "e2e work", device, [webhook_channel(server, "e2e-crew", hook)])
    first, second = raise_alert(server, device, "motor"), raise_alert(server, device, "battery")
    eventually(lambda: for_device(hook, device), f"the notice about {device}")
    page, _ = open_page()
    sign_in(page, "otto", f"/alerts?device={device}")
    item = page.locator(f'[data-alert-id="{first}"]')
    expect(item).to_contain_text("Told e2e-crew.")
    item.get_by_text("Assignment and comments").click()
    assign = item.get_by_role("form", name=f"Assign alert on {device}")
    assign.get_by_label("Assignee (user name, empty: nobody)").fill("otto")
    assign.get_by_label("Due").fill(local(datetime.now(UTC) + timedelta(days=1)))
    assign.get_by_role("button", name="Save assignment").click()
    expect(item).to_contain_text("Assigned to otto, due")
    comment = item.get_by_role("form", name=f"Comment on alert on {device}")
    comment.get_by_label("Comment").fill("pump crew on the way")
    comment.get_by_role("button", name="Add comment").click()
    expect(item.get_by_role("list", name="Comments")).to_contain_text("otto")
    expect(item.get_by_role("list", name="Comments")).to_contain_text("pump crew on the way")

    page.goto("/my-alerts")
    mine = page.get_by_role("list", name="My alerts")
    expect(mine).to_contain_text(f"HIGH motor on {device} (open), assigned by otto, due")
    check_page(page, "my-alerts")

    page.goto(f"/alerts?device={device}")
    for alert_id in (first, second):
        page.locator(f'[data-alert-id="{alert_id}"]').get_by_role("checkbox").check()
    page.get_by_role("button", name="Acknowledge selected (2)").click()
    expect(page.get_by_role("region", name="Bulk actions")).to_be_hidden()
    expect(page.locator(f'[data-alert-id="{second}"]')).to_contain_text("Acknowledged by otto")
    told = eventually(
        lambda: [
            r
            for r in for_device(hook, device)
            if {e["event"] for e in r.json["events"]} == {"acknowledged"}
        ],
        "the acknowledged notice",
    )
    assert {e["alert_id"] for e in told[0].json["events"]} == {first, second}  # one message
    audit = {
        action: [
            e["target"]
            for e in call(server, "GET", "/api/v1/audit", params={"action": action})["items"]
        ]
        for action in ("alert.assign", "alert.comment", "alert.acknowledge")
    }
    assert first in audit["alert.assign"]
    assert first in audit["alert.comment"]
    assert {first, second} <= set(audit["alert.acknowledge"])


def test_a_resolution_with_its_outcome_is_told_and_feeds_live_precision_on_the_models_page(
    open_page: OpenPage, server: Server, hook: Webhook, quiet_devices: list[str]
) -> None:
    device = quiet_devices[4]
    device_rule(server, "e2e outcome", device, [webhook_channel(server, "e2e-ops", hook)])
    alert_id = raise_alert(server, device, "telemetry")
    eventually(lambda: for_device(hook, device), f"the notice about {device}")
    page, _ = open_page()
    sign_in(page, "otto", f"/alerts?device={device}")
    page.locator(f'[data-alert-id="{alert_id}"]').get_by_role(
        "button", name=re.compile("^Resolve")
    ).click()
    dialog = page.get_by_role("dialog", name="Resolve alert")
    dialog.get_by_role("radio", name=re.compile("False alarm")).check()
    dialog.get_by_role("button", name="Resolve").click()
    expect(dialog).to_be_hidden()

    def resolved() -> list[dict[str, Any]]:
        events = [e for r in for_device(hook, device) for e in r.json["events"]]
        return [e for e in events if e["event"] == "resolved"]

    (told,) = eventually(resolved, "the resolved notice")
    assert (told["alert_id"], told["outcome"], told["resolved_by"]) == (
        alert_id,
        "false_alarm",
        "otto",
    )
    status = server.get("/api/ml/model-status")["alert_precision"]
    (e2e,) = [s for s in status["by_model_version"] if s["model_version"] == "e2e"]
    assert e2e["outcomes"]["false_alarm"] >= 1
    page.goto("/models")
    row = page.get_by_role("region", name="Live precision").get_by_role("row", name="model e2e")
    expect(row.get_by_role("cell").nth(0)).to_have_text(str(e2e["judged"]))
    expect(row.get_by_role("cell").nth(3)).to_have_text(str(e2e["outcomes"]["false_alarm"]))
    check_page(page, "models-live-precision")


def test_an_operator_silences_a_device_its_alert_is_shown_silenced_and_told_when_it_ends(
    open_page: OpenPage, server: Server, hook: Webhook, quiet_devices: list[str]
) -> None:
    device = quiet_devices[3]
    device_rule(server, "e2e silenced", device, [webhook_channel(server, "e2e-night", hook)])
    page, _ = open_page()
    sign_in(page, "otto", "/silences")
    form = page.get_by_role("form", name="Add a silence")
    form.get_by_role("textbox", name="Device").fill(device)
    form.get_by_label("Ends").fill(local(datetime.now(UTC) + timedelta(hours=2)))
    form.get_by_label("Reason").fill("pump swap")
    form.get_by_role("button", name="Silence").click()
    row = page.get_by_role("region", name="Silence table").get_by_role(
        "row", name=re.compile(device)
    )
    expect(row).to_contain_text("pump swap")
    expect(row).to_contain_text("otto")
    expect(row).to_contain_text("active")
    check_page(page, "silences")

    alert_id = raise_alert(server, device, "gps", "MEDIUM")

    def held() -> Any:
        notes = call(
            server, "GET", f"{NOTIFY}/alerts/annotations", "otto", params={"alert_id": alert_id}
        )
        return notes and notes[0]["held"] == "silenced"

    eventually(held, "the alert to be recorded as silenced")
    page.goto(f"/alerts?device={device}")
    item = page.locator(f'[data-alert-id="{alert_id}"]')
    expect(item).to_contain_text("Silenced:")
    expect(item).to_contain_text("pump swap")
    outbox = call(server, "GET", f"{NOTIFY}/outbox", params={"limit": 200})["items"]
    assert [n for n in outbox if n["device_id"] == device] == []
    assert for_device(hook, device) == []

    page.goto("/silences")
    page.get_by_role("button", name=f"End now: silence on device {device}").click()
    expect(page.get_by_text("No running or planned silence.")).to_be_visible()
    (told,) = eventually(lambda: for_device(hook, device), "the notice after the silence")
    assert [(e["event"], e["alert_id"]) for e in told.json["events"]] == [("new", alert_id)]
    page.get_by_label("Show ended ones").check()
    ended = page.get_by_role("region", name="Silence table").get_by_role(
        "row", name=re.compile(device)
    )
    expect(ended).to_contain_text("ended by otto")
