"""Channels over the API: admin only, secrets sealed and never returned, validation that
names the field, and "send test" to a real webhook receiver and a real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from app.db.models_notify import NotifyChannel
from tests.notifications.api_helpers import Api
from tests.notifications.receivers import Webhook, smtp_server, verify


def webhook_body(hook: Webhook, name: str = "ops") -> dict[str, object]:
    return {
        "name": name,
        "kind": "webhook",
        "config": {"url": hook.url, "format": "slack"},
        "secrets": {"signing_secret": hook.secret},
    }


def test_admin_saves_a_webhook_whose_secret_is_sealed_and_never_returned(
    api: Api, hook: Webhook
) -> None:
    created = api.ok("POST", "/channels", json=webhook_body(hook))
    assert created["secret_fields"] == ["signing_secret"]
    listed = api.ok("GET", "/channels")
    for text in (str(created), str(listed)):
        assert hook.secret not in text
    factory = api.client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        stored = session.scalar(select(NotifyChannel.secret))
    assert stored
    assert hook.secret not in stored
    (entry,) = api.audit("notify.channel_create")
    assert hook.secret not in str(entry)


def test_send_test_posts_a_signed_notice_in_the_chosen_shape(api: Api, hook: Webhook) -> None:
    channel = api.ok("POST", "/channels", json=webhook_body(hook))
    result = api.ok("POST", f"/channels/{channel['id']}/test")
    assert result["ok"] is True
    (request,) = hook.wait_for(1)
    assert request.signature_ok
    assert request.key == result["idempotency_key"]
    assert request.json["text"].startswith("[DrillWatch] drillwatch-test")
    assert request.json["blocks"][0]["type"] == "header"


@pytest.mark.parametrize(
    ("fmt", "shape"),
    [
        ("json", lambda b: (b["device_id"], b["events"][0]["event"])),
        ("slack", lambda b: (b["text"].split(":")[0], b["blocks"][0]["type"])),
        ("teams", lambda b: (b["type"], b["attachments"][0]["content"]["type"])),
    ],
)
def test_each_webhook_format_is_signed_over_a_current_timestamp_and_carries_the_key(
    api: Api, hook: Webhook, fmt: str, shape: Callable[[dict[str, Any]], tuple[str, str]]
) -> None:
    body = webhook_body(hook) | {"config": {"url": hook.url, "format": fmt}}
    channel = api.ok("POST", "/channels", json=body)
    before = int(time.time())
    result = api.ok("POST", f"/channels/{channel['id']}/test")
    (request,) = hook.wait_for(1)
    assert request.signature_ok
    assert before <= int(request.headers["x-drillwatch-timestamp"]) <= int(time.time())
    assert (request.key, request.json["idempotency_key"]) == (result["idempotency_key"],) * 2
    assert request.headers["content-type"] == "application/json"
    assert (
        shape(request.json)
        == {
            "json": ("drillwatch-test", "new"),
            "slack": ("[DrillWatch] drillwatch-test", "header"),
            "teams": ("message", "AdaptiveCard"),
        }[fmt]
    )
    tampered = {**request.headers, "x-drillwatch-timestamp": str(before - 600)}
    assert not verify(hook.secret, tampered, request.body)  # the timestamp is signed too


def test_send_test_reports_the_receivers_refusal(api: Api, hook: Webhook) -> None:
    channel = api.ok("POST", "/channels", json=webhook_body(hook))
    hook.statuses = [401]
    result = api.ok("POST", f"/channels/{channel['id']}/test")
    assert (result["ok"], result["error"]) == (False, "HTTP 401: receiver says no")


def test_a_changed_secret_signs_from_then_on_and_a_rename_keeps_it(api: Api, hook: Webhook) -> None:
    channel = api.ok("POST", "/channels", json=webhook_body(hook))
    path = f"/channels/{channel['id']}"
    api.ok("PATCH", path, json={"secrets": {"signing_secret": "another-secret-0123456"}})
    api.ok("POST", path + "/test")
    assert not hook.wait_for(1)[0].signature_ok
    hook.secret = "another-secret-0123456"
    renamed = api.ok("PATCH", path, json={"name": "ops-2", "enabled": False})
    assert (renamed["name"], renamed["enabled"]) == ("ops-2", False)
    api.ok("POST", path + "/test")
    assert hook.wait_for(2)[1].signature_ok
    bad = api.call("PATCH", path, json={"config": {"url": "ftp://x", "format": "json"}})
    assert (bad.status_code, bad.json()["field"]) == (422, "config.url")
    moved = api.ok("PATCH", path, json={"config": {"url": hook.url, "format": "teams"}})
    assert moved["config"]["format"] == "teams"
    api.ok("POST", path + "/test")
    assert hook.wait_for(3)[2].signature_ok  # a config change keeps the secret


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"config": {"url": "ftp://x", "format": "json"}}, "config.url"),
        ({"config": {"url": "http://[::1", "format": "json"}}, "config.url"),  # was a 500
        ({"config": {"url": "http://x", "format": "xml"}}, "config.format"),
        ({"secrets": {"signing_secret": "short"}}, "secrets.signing_secret"),
        ({"secrets": {}}, "secrets.signing_secret"),
        ({"config": {"url": "http://x", "colour": "red"}}, "config.colour"),
    ],
)
def test_invalid_channels_get_422_naming_the_field(
    api: Api, hook: Webhook, body: dict[str, object], field: str
) -> None:
    response = api.call("POST", "/channels", json=webhook_body(hook) | body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_names_are_unique_and_used_channels_cannot_be_deleted(api: Api, hook: Webhook) -> None:
    channel = api.ok("POST", "/channels", json=webhook_body(hook))
    assert api.call("POST", "/channels", json=webhook_body(hook)).status_code == 409
    api.ok("POST", "/rules", json={"name": "all", "channel_ids": [channel["id"]]})
    refused = api.call("DELETE", f"/channels/{channel['id']}")
    assert refused.status_code == 409
    assert "rule(s) all" in refused.json()["detail"]


def test_channels_are_for_admins_only(api: Api, hook: Webhook) -> None:
    for role in ("operator", "viewer"):
        assert api.call("GET", "/channels", role).status_code == 403
        assert api.call("POST", "/channels", role, json=webhook_body(hook)).status_code == 403
    assert api.client.get("/api/v1/notifications/channels").status_code == 401


def test_send_test_mails_plain_text_and_html_through_a_real_smtp_server(api: Api) -> None:
    with smtp_server() as box:
        body = {
            "name": "mail",
            "kind": "email",
            "config": {
                "host": box.host,
                "port": box.port,
                "security": "none",
                "sender": "drillwatch@example.com",
                "recipients": ["crew@example.com", "lead@example.com"],
            },
        }
        channel = api.ok("POST", "/channels", json=body)
        result = api.ok("POST", f"/channels/{channel['id']}/test")
        assert result["ok"], result
        (mail,) = box.wait_for(1)
    assert box.envelopes == [("drillwatch@example.com", ["crew@example.com", "lead@example.com"])]
    assert mail["X-DrillWatch-Idempotency-Key"] == result["idempotency_key"]
    assert mail["Message-ID"] == f"<{result['idempotency_key']}@drillwatch>"
    plain = mail.get_body(("plain",))
    rich = mail.get_body(("html",))
    assert plain is not None
    assert "Device drillwatch-test" in plain.get_content()
    assert rich is not None
    assert "<h2>Device drillwatch-test</h2>" in rich.get_content()
