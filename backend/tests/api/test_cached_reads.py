"""Cached reads on the real app (DuckDB, SQLite): ETag, 304, invalidation by any ingest
(this process or another), answers kept per caller where they depend on who asks, and
READ_CACHE_MAX_BYTES."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import BACKEND_DIR, get_settings
from app.main import create_app
from tests.support import ADMIN_PASSWORD

Headers = dict[str, str]
PASSWORD = "a-long-enough-password"
NEW_POD = "2025-07-02T10:00:00Z,pod-new,1,7.0,52.39,13.26,80,\n"
HEADER = "timestamp,device_id,seq,current_amp,gps_lat,gps_lon,battery_level,ble_id\n"


def start(monkeypatch: pytest.MonkeyPatch, **settings: str) -> TestClient:
    """The app on the test's folder, ML off (its background runs would change the version)."""
    for name, value in {"ML_ENABLED": "false", **settings}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return TestClient(create_app())


@pytest.fixture
def app_client(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with start(monkeypatch) as client:
        client.app.state.startup_ingest.join(timeout=60)  # type: ignore[attr-defined]
        yield client


def login(client: TestClient, username: str, password: str) -> Headers:
    form = {"username": username, "password": password}
    response = client.post("/api/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def admin(client: TestClient) -> Headers:
    return login(client, "admin", ADMIN_PASSWORD)


def post_csv(client: TestClient, headers: Headers, body: str | bytes) -> None:
    response = client.post(
        "/api/v1/telemetry", content=body, headers={"Content-Type": "text/csv", **headers}
    )
    assert response.status_code == 200, response.text


def sample_devices(path: Path) -> set[str]:
    with path.open(newline="") as handle:
        return {row["device_id"] for row in csv.DictReader(handle)}


def devices(client: TestClient, headers: Headers, **extra: str) -> Any:
    return client.get("/api/v1/devices", headers={**headers, **extra})


def shown(response: Any) -> set[str]:
    return {d["device_id"] for d in response.json()["devices"]}


def test_identical_reads_share_an_etag_and_the_second_is_served_from_memory(
    app_client: TestClient, sample_csv: Path
) -> None:
    headers = admin(app_client)
    post_csv(app_client, headers, sample_csv.read_bytes())
    first = app_client.get("/api/v1/insights", headers=headers)
    second = app_client.get("/api/v1/insights", headers=headers)
    assert first.status_code == second.status_code == 200
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["etag"].startswith('W/"')
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.json() == second.json()
    listed = devices(app_client, headers)
    assert shown(listed) == sample_devices(sample_csv)
    reordered = app_client.get("/api/v1/devices?offset=0&limit=1000", headers=headers)
    again = app_client.get("/api/v1/devices?limit=1000&offset=0", headers=headers)
    assert again.headers["x-cache"] == "hit"
    assert reordered.headers["etag"] == again.headers["etag"] == listed.headers["etag"]


def test_if_none_match_with_the_current_tag_gets_304_without_a_body(
    app_client: TestClient, sample_csv: Path
) -> None:
    headers = admin(app_client)
    post_csv(app_client, headers, sample_csv.read_bytes())
    etag = devices(app_client, headers).headers["etag"]
    unchanged = devices(app_client, headers, **{"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    listed = devices(app_client, headers, **{"If-None-Match": 'W/"other", "x"'})
    assert listed.status_code == 200
    assert shown(listed) == sample_devices(sample_csv)


def test_an_ingest_changes_the_answer_and_its_etag(
    app_client: TestClient, sample_csv: Path
) -> None:
    headers = admin(app_client)
    post_csv(app_client, headers, sample_csv.read_bytes())
    before = devices(app_client, headers)
    assert devices(app_client, headers).headers["x-cache"] == "hit"
    post_csv(app_client, headers, HEADER + NEW_POD)
    after = devices(app_client, headers, **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["x-cache"] == "miss"
    assert after.headers["etag"] != before.headers["etag"]
    assert shown(after) == sample_devices(sample_csv) | {"pod-new"}


def test_an_ingest_by_another_process_is_seen(
    app_client: TestClient, sample_csv: Path, tmp_path: Path
) -> None:
    headers = admin(app_client)
    post_csv(app_client, headers, sample_csv.read_bytes())
    before = devices(app_client, headers)
    assert devices(app_client, headers).headers["x-cache"] == "hit"
    extra = tmp_path / "extra.csv"
    extra.write_text(HEADER + NEW_POD)
    command = [sys.executable, "-m", "app.cli", "ingest", str(extra)]
    done = subprocess.run(command, cwd=BACKEND_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = devices(app_client, headers)
    assert after.headers["etag"] != before.headers["etag"]
    assert shown(after) == sample_devices(sample_csv) | {"pod-new"}


def test_answers_that_depend_on_the_caller_are_kept_per_caller(app_client: TestClient) -> None:
    headers = admin(app_client)
    user = {"username": "vera", "role": "viewer", "password": PASSWORD}
    assert app_client.post("/api/v1/users", json=user, headers=headers).status_code == 201
    viewer = login(app_client, "vera", PASSWORD)
    mine = app_client.get("/api/v1/auth/me", headers=headers)
    theirs = app_client.get("/api/v1/auth/me", headers=viewer)
    assert (mine.json()["name"], theirs.json()["name"]) == ("admin", "vera")
    assert mine.headers["etag"] != theirs.headers["etag"]
    again = app_client.get("/api/v1/auth/me", headers={**viewer, "If-None-Match": "*"})
    assert (again.status_code, again.headers["x-cache"]) == (304, "hit")
    crossed = app_client.get(
        "/api/v1/auth/me", headers={**viewer, "If-None-Match": mine.headers["etag"]}
    )
    assert crossed.status_code == 200
    assert crossed.json()["name"] == "vera"


def test_a_cached_answer_is_never_served_without_the_role(app_client: TestClient) -> None:
    headers = admin(app_client)
    assert app_client.get("/api/v1/insights", headers=headers).status_code == 200
    assert app_client.get("/api/v1/insights").status_code == 401
    key = app_client.post("/api/v1/api-keys", json={"name": "pod", "role": "pod"}, headers=headers)
    pod = {"X-API-Key": key.json()["key"]}
    assert app_client.get("/api/v1/insights", headers=pod).status_code == 403


def test_read_cache_max_bytes_zero_keeps_nothing_but_etags_still_work(
    env: Path, monkeypatch: pytest.MonkeyPatch, sample_csv: Path
) -> None:
    with start(monkeypatch, READ_CACHE_MAX_BYTES="0") as client:
        headers = admin(client)
        post_csv(client, headers, sample_csv.read_bytes())
        first, second = devices(client, headers), devices(client, headers)
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "miss")
        assert first.headers["etag"] == second.headers["etag"]
        revalidated = devices(client, headers, **{"If-None-Match": first.headers["etag"]})
        assert revalidated.status_code == 304


def test_read_cache_max_bytes_bounds_what_is_kept(
    env: Path, monkeypatch: pytest.MonkeyPatch, sample_csv: Path
) -> None:
    with start(monkeypatch) as probe:
        headers = admin(probe)
        post_csv(probe, headers, sample_csv.read_bytes())
        size = len(devices(probe, headers).content)
    budget = str(size * 2)  # room for one devices page (plain and gzipped), not for two
    with start(monkeypatch, READ_CACHE_MAX_BYTES=budget) as client:
        headers = admin(client)
        assert devices(client, headers).headers["x-cache"] == "miss"
        assert devices(client, headers).headers["x-cache"] == "hit"
        other = client.get("/api/v1/devices?offset=0", headers=headers)
        assert other.headers["x-cache"] == "miss"
        assert len(other.content) == size
        assert devices(client, headers).headers["x-cache"] == "miss"  # evicted by the other


def test_a_hit_is_sent_gzipped_to_who_accepts_it_and_plain_to_others(
    app_client: TestClient, sample_csv: Path
) -> None:
    headers = admin(app_client)
    post_csv(app_client, headers, sample_csv.read_bytes())

    def insights(encoding: str) -> Any:
        return app_client.get("/api/v1/insights", headers={**headers, "Accept-Encoding": encoding})

    first = insights("identity")
    assert len(first.content) >= 1000  # large enough to be compressed
    zipped, plain = insights("gzip"), insights("identity")
    assert (zipped.headers["x-cache"], plain.headers["x-cache"]) == ("hit", "hit")
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert "content-encoding" not in plain.headers
    assert int(zipped.headers["content-length"]) < int(plain.headers["content-length"])
    assert zipped.json() == plain.json() == first.json()


def test_a_login_leaves_cached_answers_in_place(app_client: TestClient, sample_csv: Path) -> None:
    headers = admin(app_client)
    post_csv(app_client, headers, sample_csv.read_bytes())
    first = devices(app_client, headers)
    again = devices(app_client, admin(app_client))  # logs in anew, reads with the new token
    assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit")
    assert again.headers["etag"] == first.headers["etag"]
