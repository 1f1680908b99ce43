"""Request data cannot forge log lines: control characters are escaped in every line."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.logging import escape_controls


def test_escape_controls_covers_c0_c1_del_ansi_and_line_separators() -> None:
    raw = "a\r\nb\tc\x00d\x1b[31me\x7ff\x85g\u2028h\u2029i"
    escaped = escape_controls(raw)
    assert escaped == "a\\r\\nb\\tc\\x00d\\x1b[31me\\x7ff\\x85g\\u2028h\\u2029i"
    assert escape_controls("plain /api/v1/x ü") == "plain /api/v1/x ü"


def test_a_crlf_in_the_url_or_user_name_stays_on_one_line(
    client: TestClient, settings: Settings
) -> None:
    client.get("/api/v1/health%0d%0a2026-01-01 00:00:00,000 INFO drillwatch.access forged%1b[2J")
    client.post(
        "/api/v1/auth/token",
        data={"username": "eve\r\n2026-01-01 INFO fake login ok", "password": "x"},
    )
    logging.getLogger("drillwatch.test").warning("user %s", "mallory\nINFO injected")
    lines = (settings.log_path / "app.log").read_text().splitlines()
    assert not any(line.startswith(("2026-01-01", "INFO")) for line in lines)
    assert not any("\x1b" in line for line in lines)
    access = [line for line in lines if " drillwatch.access GET /api/v1/health" in line]
    assert len(access) == 1
    assert (
        "/api/v1/health\\r\\n2026-01-01 00:00:00,000 INFO drillwatch.access forged\\x1b[2J"
        in (access[0])
    )
    assert any("user mallory\\nINFO injected" in line for line in lines)
