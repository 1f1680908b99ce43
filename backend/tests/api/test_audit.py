"""The audit trail: logins, failed logins, user and key changes, filters and paging,
admin only, and `drillwatch audit list`."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from typer.testing import CliRunner

from app.cli import app as cli
from tests.support import ADMIN_PASSWORD

PASSWORD = "a-long-enough-password"
Headers = dict[str, str]


def trail(client: TestClient, headers: Headers, **params: object) -> dict[str, object]:
    response = client.get("/api/v1/audit", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_account_changes_and_logins_are_audited(client: TestClient, admin_headers: Headers) -> None:
    body = {"username": "vera", "role": "viewer", "password": PASSWORD}
    vera = client.post("/api/v1/users", json=body, headers=admin_headers).json()
    client.patch(f"/api/v1/users/{vera['id']}", json={"role": "operator"}, headers=admin_headers)
    client.patch(
        f"/api/v1/users/{vera['id']}", json={"password": PASSWORD + "2"}, headers=admin_headers
    )
    key = client.post(
        "/api/v1/api-keys", json={"name": "pod-1", "role": "pod"}, headers=admin_headers
    ).json()
    client.delete(f"/api/v1/api-keys/{key['id']}", headers=admin_headers)
    client.delete(f"/api/v1/users/{vera['id']}", headers=admin_headers)
    client.post("/api/v1/auth/token", data={"username": "admin", "password": "wrong-one"})
    items = trail(client, admin_headers)["items"]
    assert isinstance(items, list)
    assert {i["source"] for i in items} == {"testclient"}
    seen = [(i["actor"], i["action"], i["target"], i["details"]) for i in items]
    ident = {"id": key["id"], "prefix": key["prefix"]}
    assert seen == [
        ("anonymous", "auth.login_failed", "admin", {}),
        ("admin", "user.delete", "vera", {"id": vera["id"], "role": "operator"}),
        ("admin", "api_key.revoke", "pod-1", ident),
        ("admin", "api_key.create", "pod-1", ident | {"role": "pod"}),
        ("admin", "user.update", "vera", {"password_changed": True}),
        ("admin", "user.update", "vera", {"role": "operator"}),
        ("admin", "user.create", "vera", {"role": "viewer"}),
        ("admin", "auth.login", "admin", {}),
    ]
    assert all(i["at"].endswith("Z") for i in items)
    text = client.get("/api/v1/audit", headers=admin_headers).text
    assert PASSWORD not in text
    assert ADMIN_PASSWORD not in text


def test_filters_and_paging(client: TestClient, admin_headers: Headers) -> None:
    for name in ("a1", "a2", "a3"):
        body = {"username": name, "role": "viewer", "password": PASSWORD}
        client.post("/api/v1/users", json=body, headers=admin_headers)
    created = trail(client, admin_headers, action="user.create", limit=2)
    assert (created["total"], created["limit"]) == (3, 2)
    assert [i["target"] for i in created["items"]] == ["a3", "a2"]  # type: ignore[union-attr]
    rest = trail(client, admin_headers, action="user.create", limit=2, offset=2)
    assert [i["target"] for i in rest["items"]] == ["a1"]  # type: ignore[union-attr]
    assert trail(client, admin_headers, target="a2")["total"] == 1
    assert trail(client, admin_headers, actor="nobody")["total"] == 0
    assert trail(client, admin_headers, since="2999-01-01T00:00:00")["total"] == 0
    assert trail(client, admin_headers, until="2000-01-01T00:00:00Z")["total"] == 0
    assert trail(client, admin_headers, since="2000-01-01")["total"] == 4  # + the login
    bad = client.get("/api/v1/audit", params={"limit": 0}, headers=admin_headers)
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "limit")


def test_sorts_by_a_column_either_way_and_ties_newest_first(
    client: TestClient, admin_headers: Headers
) -> None:
    for name in ("b2", "c3", "a1"):
        body = {"username": name, "role": "viewer", "password": PASSWORD}
        client.post("/api/v1/users", json=body, headers=admin_headers)
    users = {"action": "user.create"}
    up = trail(client, admin_headers, **users, sort="target", order="asc")
    assert [i["target"] for i in up["items"]] == ["a1", "b2", "c3"]  # type: ignore[union-attr]
    down = trail(client, admin_headers, **users, sort="target", order="desc")
    assert [i["target"] for i in down["items"]] == ["c3", "b2", "a1"]  # type: ignore[union-attr]
    oldest = trail(client, admin_headers, **users, sort="at", order="asc")
    assert [i["target"] for i in oldest["items"]] == ["b2", "c3", "a1"]  # type: ignore[union-attr]
    everything = trail(client, admin_headers, sort="actor", order="desc")["items"]
    assert len({i["actor"] for i in everything}) == 1  # type: ignore[union-attr]
    ties = [i["at"] for i in everything]  # type: ignore[union-attr]
    assert ties == sorted(ties, reverse=True)  # ties: newest first
    bad = client.get("/api/v1/audit", params={"sort": "details"}, headers=admin_headers)
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "sort")


def test_only_admins_read_the_trail(client: TestClient, admin_headers: Headers) -> None:
    body = {"username": "otto", "role": "operator", "password": PASSWORD}
    client.post("/api/v1/users", json=body, headers=admin_headers)
    form = {"username": "otto", "password": PASSWORD}
    token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
    assert client.get("/api/v1/audit").status_code == 401
    operator = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/audit", headers=operator).status_code == 403


def test_cli_lists_the_trail_and_audits_its_own_changes(
    client: TestClient, admin_headers: Headers
) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["users", "create", "cli-user", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(cli, ["audit", "list", "--action", "user.create"])
    assert listed.exit_code == 0, listed.output
    assert "cli-user" in listed.output
    assert "1 of 1 matching actions" in listed.output
    api = trail(client, admin_headers, target="cli-user")["items"]
    assert [(i["action"], i["source"]) for i in api] == [("user.create", "cli")]  # type: ignore[union-attr]
    assert api[0]["actor"].startswith("cli:")  # type: ignore[index]


def test_cli_shows_a_hostile_login_name_as_plain_escaped_text(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "eve\x1b[2J\r\n[bold]forged[/bold] [link=http://evil.example]row[/link]"
    form = {"username": name, "password": "wrong"}
    assert client.post("/api/v1/auth/token", data=form).status_code == 401
    monkeypatch.setattr("app.commands.audit.console", Console(width=400))  # no wrapping
    listed = CliRunner().invoke(cli, ["audit", "list", "--action", "auth.login_failed"])
    assert listed.exit_code == 0, listed.output
    assert "\x1b" not in listed.output
    assert "\r" not in listed.output
    escaped = "eve\\x1b[2J\\r\\n[bold]forged[/bold] [link=http://evil.example]row[/link]"
    assert escaped in listed.output  # markup shown as typed, controls as escapes, one row
