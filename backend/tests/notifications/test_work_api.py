"""Operators' alert work over the API: silences, assignment and due dates, comments, bulk
acknowledge, "my alerts", annotations; rules and the routing preview; live precision in
model-status; every action in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import get_settings
from app.main import create_app
from tests.notifications.api_helpers import Api
from tests.support import ADMIN_PASSWORD

LATER = (datetime.now(UTC) + timedelta(days=2)).isoformat()


def test_operators_assign_with_a_due_date_comment_and_see_their_alerts(api: Api) -> None:
    first, second = api.raise_alert("pod-1"), api.raise_alert("pod-2", "gps")
    path = f"/alerts/{first.alert_id}"
    assigned = api.ok(
        "PUT", path + "/assignment", "operator", json={"assignee": "olga", "due_at": LATER}
    )
    assert (assigned["assignee"], assigned["assigned_by"]) == ("olga", "olga")
    api.ok("PUT", f"/alerts/{second.alert_id}/assignment", "operator", json={"assignee": "admin"})
    api.ok("POST", path + "/comments", "operator", json={"body": "brushes ordered"})
    api.ok("POST", path + "/comments", "admin", json={"body": "thanks"})
    thread = api.ok("GET", path + "/comments", "viewer")
    assert [(c["author"], c["body"]) for c in thread] == [
        ("olga", "brushes ordered"),
        ("admin", "thanks"),
    ]
    mine = api.ok("GET", "/alerts/mine", "operator")
    assert [m["alert"]["alert_id"] for m in mine] == [first.alert_id]
    assert mine[0]["overdue"] is False
    notes = api.ok(
        "GET",
        "/alerts/annotations",
        "viewer",
        params={"alert_id": [first.alert_id, second.alert_id]},
    )
    assert [(n["assignee"], n["comments"]) for n in notes] == [("olga", 2), ("admin", 0)]
    unassigned = api.ok("PUT", path + "/assignment", "operator", json={"assignee": None})
    assert unassigned["assignee"] is None
    assert api.ok("GET", "/alerts/mine", "operator") == []
    actions = [(e["actor"], e["target"]) for e in api.audit("alert.assign")]
    assert actions == [
        ("olga", first.alert_id),
        ("olga", second.alert_id),
        ("olga", first.alert_id),
    ]
    assert len(api.audit("alert.comment")) == 2


def test_assignment_and_comments_refuse_bad_input_by_name(api: Api) -> None:
    alert = api.raise_alert("pod-1")
    path = f"/alerts/{alert.alert_id}"
    nobody = api.call("PUT", path + "/assignment", "operator", json={"assignee": "ghost"})
    assert (nobody.status_code, nobody.json()["field"]) == (422, "assignee")
    due_only = api.call("PUT", path + "/assignment", "operator", json={"due_at": LATER})
    assert (due_only.status_code, due_only.json()["field"]) == (422, "assignee")
    blank = api.call("POST", path + "/comments", "operator", json={"body": "   "})
    assert (blank.status_code, blank.json()["field"]) == (422, "body")
    assert (
        api.call("POST", "/alerts/nope/comments", "operator", json={"body": "x"}).status_code == 404
    )
    assert (
        api.call("PUT", path + "/assignment", "viewer", json={"assignee": "vic"}).status_code == 403
    )


def test_bulk_acknowledge_says_per_alert_what_happened(api: Api) -> None:
    a, b = api.raise_alert("pod-1"), api.raise_alert("pod-2")
    api.ok("POST", "/alerts/acknowledge", "operator", json={"alert_ids": [a.alert_id]})
    body = {"alert_ids": [a.alert_id, b.alert_id, "missing"], "notes": "crew on site"}
    result = api.ok("POST", "/alerts/acknowledge", "operator", json=body)
    assert result["acknowledged"] == 1
    outcome = {r["alert_id"]: (r["ok"], r["error"]) for r in result["results"]}
    assert outcome[b.alert_id] == (True, None)
    assert "is acknowledged; cannot acknowledge" in outcome[a.alert_id][1]
    assert outcome["missing"] == (False, "alert missing not found")
    audited = [(e["target"], e["details"]) for e in api.audit("alert.acknowledge")]
    assert sorted(audited) == sorted([(a.alert_id, {"bulk": True}), (b.alert_id, {"bulk": True})])
    listed = api.client.get("/api/ml/alerts?device_id=pod-2", headers=api.roles["viewer"]).json()
    assert listed["data"][0]["acknowledged_notes"] == "crew on site"
    c, d = api.raise_alert("pod-3"), api.raise_alert("pod-3", "battery")
    both = api.ok(
        "POST", "/alerts/acknowledge", "operator", json={"alert_ids": [c.alert_id, d.alert_id]}
    )
    assert both["acknowledged"] == 2  # several successes in one request (one SQL writer at a time)


def test_silences_are_set_and_ended_by_operators_and_read_by_viewers(api: Api) -> None:
    body = {"scope": "device", "target": "pod-1", "ends_at": LATER, "reason": "gearbox swap"}
    assert api.call("POST", "/silences", "viewer", json=body).status_code == 403
    created = api.ok("POST", "/silences", "operator", json=body)
    assert (created["state"], created["created_by"]) == ("active", "olga")
    assert [s["id"] for s in api.ok("GET", "/silences", "viewer")] == [created["id"]]
    ended = api.ok("POST", f"/silences/{created['id']}/end", "operator")
    assert (ended["state"], ended["ended_by"]) == ("ended", "olga")
    assert api.ok("GET", "/silences", "viewer") == []
    assert len(api.ok("GET", "/silences", "viewer", params={"include_ended": True})) == 1
    assert api.call("POST", f"/silences/{created['id']}/end", "operator").status_code == 409
    bad = api.call(
        "POST", "/silences", "operator", json={**body, "scope": "group", "target": "nowhere"}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "target")
    past = api.call(
        "POST", "/silences", "operator", json={**body, "ends_at": "2020-01-01T00:00:00Z"}
    )
    assert (past.status_code, past.json()["field"]) == (422, "ends_at")
    assert [e["action"] for e in api.audit("silence.create")] == ["silence.create"]
    assert len(api.audit("silence.end")) == 1


def test_a_planned_silence_ended_before_it_starts_is_over(api: Api) -> None:
    start = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"scope": "all", "starts_at": start, "ends_at": LATER, "reason": "yard inventory"}
    planned = api.ok("POST", "/silences", "operator", json=body)
    assert planned["state"] == "planned"
    ended = api.ok("POST", f"/silences/{planned['id']}/end", "operator")
    assert (ended["state"], ended["ends_at"]) == ("ended", ended["starts_at"])
    assert api.ok("GET", "/silences", "viewer") == []
    listed = api.ok("GET", "/silences", "viewer", params={"include_ended": True})
    assert [(s["id"], s["state"]) for s in listed] == [(planned["id"], "ended")]
    assert api.call("POST", f"/silences/{planned['id']}/end", "operator").status_code == 409


def test_rules_are_ordered_and_the_preview_names_the_rule_hit_and_the_hold(api: Api) -> None:
    hook = {"url": "http://127.0.0.1:9/hook"}
    secret = {"signing_secret": "s" * 20}
    pager = api.ok(
        "POST",
        "/channels",
        json={"name": "pager", "kind": "webhook", "config": hook, "secrets": secret},
    )
    mail = api.ok(
        "POST",
        "/channels",
        json={"name": "crew", "kind": "webhook", "config": hook, "secrets": secret},
    )
    api.ok("POST", "/groups", json={"name": "north", "device_ids": ["pod-1"]})
    crit = api.ok(
        "POST",
        "/rules",
        json={
            "name": "critical",
            "severities": ["CRITICAL"],
            "channel_ids": [pager["id"]],
            "escalation_channel_ids": [mail["id"]],
        },
    )
    north = api.ok(
        "POST", "/rules", json={"name": "north", "groups": ["north"], "channel_ids": [mail["id"]]}
    )
    ask = {"device_id": "pod-1", "severity": "CRITICAL", "issue_type": "motor"}
    seen = api.ok("POST", "/rules/preview", json=ask)
    assert ([h["rule_name"] for h in seen["hits"]], seen["channels"], seen["groups"]) == (
        ["critical"],
        ["pager"],
        ["north"],
    )
    assert seen["escalation_rule"] == "critical"
    api.ok("PUT", "/rules/order", json={"rule_ids": [north["id"], crit["id"]]})
    assert [r["name"] for r in api.ok("GET", "/rules")] == ["north", "critical"]
    assert api.ok("POST", "/rules/preview", json=ask)["channels"] == ["crew"]
    battery = api.raise_alert("pod-1", "battery", "CRITICAL")
    gps = api.raise_alert("pod-1", "gps", "LOW")
    held = api.ok("POST", "/rules/preview", json={"alert_id": gps.alert_id})
    assert held["held"] == "inhibited"
    assert battery.alert_id in held["held_reason"]
    wrong = api.call("POST", "/rules", json={"name": "x", "channel_ids": [999]})
    assert (wrong.status_code, wrong.json()["field"]) == (422, "channel_ids")
    zone = api.call(
        "POST",
        "/rules",
        json={"name": "x", "timezone": "Mars/Base", "quiet_from": "22:00", "quiet_until": "06:00"},
    )
    assert (zone.status_code, zone.json()["field"]) == (422, "timezone")
    assert api.call("POST", "/rules/preview", "operator", json=ask).status_code == 403
    assert [e["target"] for e in api.audit("notify.rule_create")] == ["north", "critical"]


def test_an_admin_edits_a_rule_in_place_and_bad_edits_name_the_field(api: Api) -> None:
    hook = {"url": "http://127.0.0.1:9/hook"}
    secret = {"signing_secret": "s" * 20}
    pager = api.ok(
        "POST",
        "/channels",
        json={"name": "pager", "kind": "webhook", "config": hook, "secrets": secret},
    )
    first = api.ok("POST", "/rules", json={"name": "first", "channel_ids": [pager["id"]]})
    api.ok("POST", "/rules", json={"name": "second", "channel_ids": [pager["id"]]})
    edit = {
        "name": "first: critical at night",
        "enabled": False,
        "severities": ["CRITICAL"],
        "issue_types": ["motor", "battery"],
        "device_ids": ["pod-1"],
        "quiet_from": "22:00",
        "quiet_until": "06:00",
        "timezone": "Europe/Berlin",
        "channel_ids": [pager["id"]],
        "continue_matching": True,
    }
    saved = api.ok("PUT", f"/rules/{first['id']}", json=edit)
    assert {k: saved[k] for k in edit} == {**edit, "issue_types": ["battery", "motor"]}
    rules = api.ok("GET", "/rules")
    assert [(r["name"], r["position"]) for r in rules] == [(edit["name"], 0), ("second", 1)]
    ask = {"device_id": "pod-1", "severity": "CRITICAL", "issue_type": "motor"}
    assert [h["rule_name"] for h in api.ok("POST", "/rules/preview", json=ask)["hits"]] == [
        "second"
    ]  # the edited rule is off now
    refusals = {
        "severities": ({**edit, "severities": ["URGENT"]}, 422),
        "quiet_until": ({**edit, "quiet_until": None}, 422),
        "channel_ids": ({**edit, "channel_ids": [999]}, 422),
        "groups": ({**edit, "groups": ["nowhere"]}, 422),
        "name": ({**edit, "name": "second"}, 409),
    }
    for field, (body, code) in refusals.items():
        answer = api.call("PUT", f"/rules/{first['id']}", json=body)
        named = answer.json().get("field") or answer.json()["errors"][0]["field"]
        assert (answer.status_code, named.split(".")[0]) == (code, field), answer.text
    missing = api.call("PUT", "/rules/4242", json=edit)
    assert (missing.status_code, missing.json()["field"]) == (404, "rule_id")
    assert api.call("PUT", f"/rules/{first['id']}", "operator", json=edit).status_code == 403
    assert [e["target"] for e in api.audit("notify.rule_update")] == [edit["name"]]


def test_model_status_reports_live_precision_per_model_version(api: Api) -> None:
    alert = api.raise_alert("pod-1")
    api.ok("POST", "/alerts/acknowledge", "operator", json={"alert_ids": [alert.alert_id]})
    api.client.post(
        f"/api/ml/alerts/{alert.alert_id}/resolve",
        json={"outcome": "false_alarm"},
        headers=api.roles["operator"],
    )
    status = api.client.get("/api/ml/model-status", headers=api.roles["viewer"]).json()
    (slice_,) = status["alert_precision"]["by_issue_type"]
    assert (slice_["issue_type"], slice_["judged"], slice_["precision"]) == ("motor", 1, 0.0)


def test_the_outbox_and_dispatcher_status_are_for_admins(api: Api) -> None:
    status = api.ok("GET", "/status")
    assert (status["enabled"], status["running"]) == (False, False)  # NOTIFY_ENABLED=false here
    assert api.ok("GET", "/outbox")["counts"] == {"pending": 0, "delivered": 0, "parked": 0}
    assert api.call("GET", "/outbox", "operator").status_code == 403
    assert api.call("POST", "/outbox/nope/resend").status_code == 404


def test_the_dispatcher_runs_in_the_server_by_default(
    env: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOTIFY_ENABLED", raising=False)  # the module's app turned it off
    get_settings.cache_clear()
    with TestClient(create_app()) as client:
        form = {"username": "admin", "password": ADMIN_PASSWORD}
        token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
        status = client.get(
            "/api/v1/notifications/status", headers={"Authorization": f"Bearer {token}"}
        )
        assert (status.json()["enabled"], status.json()["running"]) == (True, True)
        dispatcher = client.app.state.notifications.dispatcher  # type: ignore[attr-defined]
    assert dispatcher.running is False  # stopped with the lifespan
