"""Serving the built dashboard: cache headers, 404 for missing files, gzip, the favicon."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.frontend import DIST_DIR, IMMUTABLE, REVALIDATE, mount_frontend

INDEX = "<!doctype html><title>DrillWatch</title><div id=root></div>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A minimal build: index.html, one hashed script, a favicon."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-Ab12Cd34.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return tmp_path


@pytest.fixture
def spa(dist: Path) -> TestClient:
    app = FastAPI()
    mount_frontend(app, dist)
    return TestClient(app)


def test_hashed_assets_are_cached_as_immutable_and_index_is_revalidated(spa: TestClient) -> None:
    asset = spa.get("/assets/index-Ab12Cd34.js")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == IMMUTABLE
    assert "javascript" in asset.headers["content-type"]
    for path in ("/", "/devices", "/devices/pod.7"):
        page = spa.get(path)
        assert (page.status_code, page.text) == (200, INDEX), path
        assert page.headers["cache-control"] == REVALIDATE


@pytest.mark.parametrize("path", ["/assets/missing.js", "/assets/deep/x.css", "/robots.txt"])
def test_a_missing_file_is_a_404_not_the_dashboard(spa: TestClient, path: str) -> None:
    response = spa.get(path)
    assert response.status_code == 404
    assert INDEX not in response.text


def test_the_favicon_is_served(spa: TestClient) -> None:
    response = spa.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_the_real_build_has_a_favicon_linked_from_its_page() -> None:
    source = DIST_DIR.parent
    assert (source / "public" / "favicon.svg").is_file()
    assert 'rel="icon"' in (source / "index.html").read_text()


def test_large_responses_are_gzipped_and_small_ones_are_not(client: TestClient) -> None:
    schema = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert schema.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in schema.headers["vary"].lower()
    raw = client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content) / 3
    small = client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
