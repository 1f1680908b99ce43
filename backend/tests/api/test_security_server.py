"""Security of the real server (`python main.py`) on SQLite, and on PostgreSQL in its pass:
writes committed before the answer, tokens revoked at once, 409 on name races, auth and
size limits before the body, X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.core.config import BACKEND_DIR
from tests.conftest import _fresh_postgres_database
from tests.live import Live, admin_headers, live_server
from tests.support import ADMIN_PASSWORD, process_env

PASSWORD = "a-long-enough-password"
Headers = dict[str, str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One server for the tests that only add and change users and keys of their own names."""
    root = tmp_path_factory.mktemp("security-server")
    postgres = os.environ.get("TEST_DATABASE_URL")
    databases = _fresh_postgres_database(postgres) if postgres else iter([None])
    url = next(databases) or f"sqlite:///{root / 'drillwatch.db'}"
    with live_server(root, url) as live:
        yield live
    for _ in databases:  # drops the PostgreSQL database
        pass


@pytest.fixture
def own_server(tmp_path: Path, database_url: str) -> Iterator[Live]:
    """A server of this test's own (for a test that changes who the admins are)."""
    with live_server(tmp_path, database_url) as live:
        yield live


def me(live: Live, headers: Headers) -> int:
    """Status of GET /auth/me on a new connection."""
    return httpx.get(live.url + "/api/v1/auth/me", headers=headers, timeout=30).status_code


def login(live: Live, username: str, password: str, **headers: str) -> httpx.Response:
    form = {"username": username, "password": password}
    return httpx.post(live.url + "/api/v1/auth/token", data=form, headers=headers, timeout=30)


def bearer(response: httpx.Response) -> Headers:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_revoked_key_is_refused_as_soon_as_the_revoke_answers(server: Live) -> None:
    admin = admin_headers(server.url)
    with httpx.Client(base_url=server.url, headers=admin, timeout=30) as http:
        for trial in range(25):
            created = http.post("/api/v1/api-keys", json={"name": f"k{trial}", "role": "viewer"})
            key = {"X-API-Key": created.json()["key"]}
            assert me(server, key) == 200
            assert http.delete(f"/api/v1/api-keys/{created.json()['id']}").status_code == 200
            assert me(server, key) == 401, f"trial {trial}: key still accepted after revoke"


def test_a_disabled_user_is_refused_as_soon_as_the_change_answers(server: Live) -> None:
    admin = admin_headers(server.url)
    with httpx.Client(base_url=server.url, headers=admin, timeout=30) as http:
        for trial in range(10):
            body = {"username": f"u{trial}", "role": "viewer", "password": PASSWORD}
            user = http.post("/api/v1/users", json=body).json()
            token = bearer(login(server, f"u{trial}", PASSWORD))
            assert me(server, token) == 200
            assert http.patch(f"/api/v1/users/{user['id']}", json={"active": False}).is_success
            assert me(server, token) == 401, f"trial {trial}: disabled user still accepted"


@pytest.mark.parametrize("change", [{"password": "another-long-password"}, {"role": "operator"}])
def test_password_and_role_changes_revoke_earlier_tokens(
    server: Live, change: dict[str, str]
) -> None:
    admin = admin_headers(server.url)
    name = "vera-" + next(iter(change))
    body = {"username": name, "role": "viewer", "password": PASSWORD}
    user = httpx.post(server.url + "/api/v1/users", json=body, headers=admin, timeout=30).json()
    token = bearer(login(server, name, PASSWORD))
    path = f"{server.url}/api/v1/users/{user['id']}"
    assert httpx.patch(path, json=change, headers=admin, timeout=30).status_code == 200
    assert me(server, token) == 401
    fresh = bearer(login(server, name, change.get("password", PASSWORD)))
    assert me(server, fresh) == 200


def test_a_deleted_viewers_token_never_works_for_a_new_admin_of_the_same_name(
    server: Live,
) -> None:
    admin = admin_headers(server.url)
    users = server.url + "/api/v1/users"
    viewer = {"username": "sam", "role": "viewer", "password": PASSWORD}
    created = httpx.post(users, json=viewer, headers=admin, timeout=30).json()
    old_token = bearer(login(server, "sam", PASSWORD))
    httpx.delete(f"{users}/{created['id']}", headers=admin, timeout=30).raise_for_status()
    again = httpx.post(users, json=viewer | {"role": "admin"}, headers=admin, timeout=30)
    assert again.status_code == 201
    assert me(server, old_token) == 401
    assert httpx.get(users, headers=old_token, timeout=30).status_code == 401


def test_ten_concurrent_creates_of_one_name_give_one_201_and_nine_409(server: Live) -> None:
    admin = admin_headers(server.url)
    start = threading.Barrier(10)
    statuses: list[int] = []

    def create(index: int) -> None:
        body = {"username": "twin", "role": "viewer", "password": f"{PASSWORD}-{index}"}
        start.wait(timeout=30)
        response = httpx.post(server.url + "/api/v1/users", json=body, headers=admin, timeout=60)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [201] + [409] * 9
    listed = httpx.get(server.url + "/api/v1/users", headers=admin, timeout=30).json()
    assert [u["username"] for u in listed].count("twin") == 1


def raw_status(live: Live, head: str) -> tuple[int, str]:
    """Send only a request head (and one body byte); the status line and the rest read back."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as sock:
        sock.sendall(head.encode() + b"{")
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    text = answer.decode(errors="replace")
    return int(text.split(" ", 2)[1]), text


def test_a_500_mb_post_is_refused_before_its_body_is_sent(server: Live) -> None:
    head = (
        "POST /api/v1/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Content-Length: 524288000\r\n{auth}\r\n"
    )
    status, _ = raw_status(server, head.format(auth=""))
    assert status == 401
    token = admin_headers(server.url)["Authorization"]
    status, text = raw_status(server, head.format(auth=f"Authorization: {token}\r\n"))
    assert status == 413
    assert "larger than 1 MiB (MAX_BODY_BYTES)" in text


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(
    tmp_path: Path, database_url: str
) -> None:
    with live_server(tmp_path, database_url, LOGIN_MAX_FAILURES="3") as live:
        tries = [
            login(live, "admin", "wrong", **{"X-Forwarded-For": f"198.51.100.{i}"})
            for i in range(4)
        ]
        assert [r.status_code for r in tries] == [401, 401, 401, 429]


def test_trusted_proxy_addresses_throttle_spraying_per_source(
    tmp_path: Path, database_url: str
) -> None:
    settings = {"TRUSTED_PROXIES": "127.0.0.1", "LOGIN_MAX_FAILURES_PER_SOURCE": "4"}
    with live_server(tmp_path, database_url, **settings) as live:
        sprayer = {"X-Forwarded-For": "203.0.113.7"}
        names = [f"user{i}" for i in range(5)]
        statuses = [login(live, name, "Summer2025!", **sprayer).status_code for name in names]
        assert statuses == [401, 401, 401, 401, 429]
        refused = login(live, "admin", ADMIN_PASSWORD, **sprayer)
        assert refused.status_code == 429
        assert "from this address" in refused.json()["detail"]
        other = {"X-Forwarded-For": "203.0.113.8"}
        headers = bearer(login(live, "admin", ADMIN_PASSWORD, **other))
        trail = httpx.get(
            live.url + "/api/v1/audit", params={"action": "auth.login"}, headers=headers, timeout=30
        ).json()
        assert trail["items"][0]["source"] == "203.0.113.8"


def at_once(*calls: Callable[[], int]) -> list[int]:
    """Run ``calls`` in their own threads, released together; their results in order."""
    start = threading.Barrier(len(calls))
    results: dict[int, int] = {}

    def run(index: int) -> None:
        start.wait(timeout=60)
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return [results.get(i, -1) for i in range(len(calls))]


def parallel_logins(live: Live, usernames: list[str], password: str) -> list[int]:
    """Statuses of one login per name, all sent at the same moment from their own threads."""
    url = live.url + "/api/v1/auth/token"

    def attempt(username: str) -> Callable[[], int]:
        form = {"username": username, "password": password}
        return lambda: httpx.post(url, data=form, timeout=180).status_code

    return sorted(at_once(*[attempt(name) for name in usernames]))


def test_a_burst_of_parallel_guesses_checks_no_more_than_the_allowed_number(
    tmp_path: Path, database_url: str
) -> None:
    settings = {"LOGIN_MAX_FAILURES": "3", "SERVER_QUEUE_TIMEOUT": "300"}  # none is shed
    with live_server(tmp_path, database_url, **settings) as live:
        assert parallel_logins(live, ["admin"] * 20, "wrong") == [401] * 3 + [429] * 17
        assert login(live, "admin", ADMIN_PASSWORD).status_code == 429  # locked, as it says


def test_a_burst_of_failed_logins_gets_401_never_500(tmp_path: Path, database_url: str) -> None:
    # more parallel failures than requests run at once (SERVER_MAX_CONCURRENCY); queued
    # logins wait as long as they need (the admission queue's time-out is not tested here)
    with live_server(tmp_path, database_url, SERVER_QUEUE_TIMEOUT="300") as live:
        names = [f"nobody{i}" for i in range(30)]
        assert parallel_logins(live, names, "wrong") == [401] * 30
        audit = httpx.get(
            live.url + "/api/v1/audit",
            params={"action": "auth.login_failed", "limit": 100},
            headers=admin_headers(live.url),
            timeout=30,
        ).json()
        assert sorted(item["target"] for item in audit["items"]) == sorted(names)


def test_an_ipv6_sprayer_is_counted_per_64_not_per_address(
    tmp_path: Path, database_url: str
) -> None:
    settings = {"TRUSTED_PROXIES": "127.0.0.1", "LOGIN_MAX_FAILURES_PER_SOURCE": "3"}
    with live_server(tmp_path, database_url, **settings) as live:
        one_site = [f"2001:db8:0:7::{i:x}" for i in range(1, 5)]  # four hosts of one /64
        statuses = [
            login(live, f"user{i}", "Summer2025!", **{"X-Forwarded-For": host}).status_code
            for i, host in enumerate(one_site)
        ]
        assert statuses == [401, 401, 401, 429]
        next_site = {"X-Forwarded-For": "2001:db8:0:8::1"}
        assert login(live, "user9", "Summer2025!", **next_site).status_code == 401
        # IPv4 hosts written as IPv6 stay one host each, not one /64 for all of them
        mapped = [f"::ffff:203.0.113.{i}" for i in (9, 9, 9, 10)]
        statuses = [
            login(live, f"user1{i}", "Summer2025!", **{"X-Forwarded-For": host}).status_code
            for i, host in enumerate(mapped)
        ]
        assert statuses == [401, 401, 401, 401]


def disable(live: Live, user_id: int, headers: Headers) -> Callable[[], int]:
    """A call that disables user ``user_id`` as ``headers``' holder; returns the status."""
    url = f"{live.url}/api/v1/users/{user_id}"
    return lambda: (
        httpx.patch(url, json={"active": False}, headers=headers, timeout=180).status_code
    )


def two_new_admins(live: Live, creator: Headers, trial: int) -> list[tuple[int, Headers]]:
    """Admins a<trial> and b<trial>, each with its id and a bearer token."""
    pair = []
    for name in (f"a{trial}", f"b{trial}"):
        body = {"username": name, "role": "admin", "password": PASSWORD}
        created = httpx.post(live.url + "/api/v1/users", json=body, headers=creator, timeout=30)
        assert created.status_code == 201, created.text
        pair.append((created.json()["id"], bearer(login(live, name, PASSWORD))))
    return pair


def active_admins(live: Live, headers: Headers) -> list[int]:
    listed = httpx.get(live.url + "/api/v1/users", headers=headers, timeout=30).json()
    return [u["id"] for u in listed if u["active"] and u["role"] == "admin"]


def test_two_admins_removing_each_other_at_once_leave_one_admin(own_server: Live) -> None:
    server = own_server
    survivor = admin_headers(server.url)
    for trial in range(5):
        (a, a_token), (b, b_token) = two_new_admins(server, survivor, trial)
        for other in set(active_admins(server, a_token)) - {a, b}:
            assert disable(server, other, a_token)() == 200
        statuses = at_once(disable(server, b, a_token), disable(server, a, b_token))
        assert sorted(statuses) in ([200, 401], [200, 409]), f"trial {trial}: {statuses}"
        survivor, kept = (a_token, a) if statuses[0] == 200 else (b_token, b)
        assert active_admins(server, survivor) == [kept]


def cli(root: Path, database_url: str, *args: str) -> None:
    """``python -m app.cli *args`` on the server's stores; must exit 0."""
    env = process_env(root, DATABASE_URL=database_url)
    env.pop("TEST_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_cli_revokes_a_running_servers_tokens_at_once(
    tmp_path: Path, database_url: str
) -> None:
    with live_server(tmp_path, database_url) as live:
        admin = admin_headers(live.url)
        body = {"username": "vera", "role": "viewer", "password": PASSWORD}
        assert httpx.post(live.url + "/api/v1/users", json=body, headers=admin).status_code == 201
        token = bearer(login(live, "vera", PASSWORD))
        cli(tmp_path, database_url, "users", "set-password", "vera", "--password", "new-password-9")
        assert me(live, token) == 401
        token = bearer(login(live, "vera", "new-password-9"))
        cli(tmp_path, database_url, "users", "disable", "vera")
        assert me(live, token) == 401
        assert login(live, "vera", "new-password-9").status_code == 401
