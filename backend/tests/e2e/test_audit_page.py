"""The audit trail in Chromium against the real server, under its Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import OpenPage, settled, sign_in
from tests.e2e.server import Server

pytestmark = pytest.mark.e2e


def test_an_admin_sees_the_logins_and_user_changes_and_the_page_keeps_the_csp(
    open_page: OpenPage, server: Server
) -> None:
    page, _ = open_page()
    violations: list[str] = []
    page.expose_function("reportViolation", lambda text: violations.append(str(text)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))"
    )
    sign_in(page, "admin", "/audit")
    settled(page)
    table = page.get_by_role("region", name="Audit trail")
    expect(table.get_by_role("cell", name="user.create").first).to_be_visible()
    page.get_by_role("region", name="Filters").locator("select").select_option("auth.login")
    settled(page)
    expect(table.get_by_role("cell", name="user.create")).to_have_count(0)
    expect(table.get_by_role("cell", name="auth.login").first).to_be_visible()
    for path in ("/", "/sessions", "/health", "/models", "/users"):
        page.goto(path)
        settled(page)
    assert violations == []
