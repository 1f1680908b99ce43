"""Fixtures for the browser tests: the real server on a simulated fleet, and Chromium."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, sync_playwright

from tests.e2e.server import DIST_INDEX, USERS, Server, start_server, stop_server

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
TILE_HOST = "tile.openstreetmap.org"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python main.py`` on a free port: a 16-device fleet ingested and scored, three users."""
    if not DIST_INDEX.is_file():
        pytest.fail(
            f"the dashboard is not built ({DIST_INDEX} is missing): run `make frontend` "
            "or `cd frontend && npm ci && npm run build` before the e2e tests"
        )
    running = start_server(tmp_path_factory.mktemp("e2e"))
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; closed after each module, so that Playwright's event loop
    does not outlive the browser tests in a worker that runs other tests afterwards."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class ConsoleLog:
    """Console messages and page errors of one page; only known network noise is allowed."""

    messages: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    def record(self, message: ConsoleMessage) -> None:
        """Keep errors and warnings that are not expected network failures."""
        if message.type not in ("error", "warning") or self.expected(message):
            return
        self.messages.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    def expected(self, message: ConsoleMessage) -> bool:
        """Chromium's own "Failed to load resource" lines for failures the app handles.

        The map probes one OpenStreetMap tile (the machine is offline) and a test may expect
        a 401. The browser logs these itself; the app's code logs nothing.
        """
        if not message.text.startswith("Failed to load resource"):
            return False
        url = urlparse(message.location.get("url", ""))
        if url.hostname == TILE_HOST:
            return True
        return any(f"status of {status} " in message.text for status in self.allowed_statuses)


OpenPage = Callable[..., tuple[Page, ConsoleLog]]


@pytest.fixture
def open_page(browser: Browser, server: Server) -> Iterator[OpenPage]:
    """Open pages in fresh contexts (Berlin time, en-US); fail if any logged an error or warning."""
    opened: list[tuple[Page, ConsoleLog]] = []

    def open_(viewport: ViewportSize = DESKTOP) -> tuple[Page, ConsoleLog]:
        context = browser.new_context(
            viewport=viewport, locale="en-US", timezone_id="Europe/Berlin", base_url=server.base_url
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        log = ConsoleLog()
        page.on("console", log.record)
        page.on("pageerror", lambda error: log.messages.append(f"pageerror: {error}"))
        opened.append((page, log))
        return page, log

    yield open_
    problems = [m for _, log in opened for m in log.messages]
    for page, _ in opened:
        page.context.close()
    assert not problems, "console errors or warnings:\n" + "\n".join(problems)


def sign_in(page: Page, user: str, path: str = "/") -> None:
    """Sign in through the login form, using only the keyboard, and land on ``path``."""
    page.goto(path)
    page.get_by_label("Username").wait_for()
    page.keyboard.type(user)  # the username field has focus on arrival
    page.keyboard.press("Tab")
    page.keyboard.type(USERS[user][1])
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Log out").wait_for()


def settled(page: Page) -> None:
    """Wait until no view is loading any more."""
    page.wait_for_load_state("networkidle")
    page.locator(".state-loading").first.wait_for(state="detached")
