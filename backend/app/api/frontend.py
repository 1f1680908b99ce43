"""Serve the built dashboard (frontend/dist) at / with client-side routing.

Vite names every file under ``assets/`` after a hash of its content, so those are cached
for a year as immutable; ``index.html`` is revalidated on every load so a new build is
picked up at once. A missing file (``/assets/x.js``, ``/robots.txt``) is a 404, never the
dashboard's HTML: a browser that asks for a script must not get a page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from app.core.config import REPO_DIR

DIST_DIR = REPO_DIR / "frontend" / "dist"
# Served by FastAPI when DOCS_ENABLED; a 404 (not the dashboard) when it is off.
API_DOCS = ("docs", "redoc", "openapi.json", "docs/oauth2-redirect")
ASSETS = "assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

NOT_BUILT = """<!doctype html><title>DrillWatch</title>
<h1>DrillWatch</h1><p>The dashboard is not built yet: run <code>make run</code>
(or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>). The API is at
<a href="/docs">/docs</a>.</p>"""


def is_file_request(path: str) -> bool:
    """True for a built file (``assets/...`` or a top-level ``name.ext``), not a client route.

    Client routes can hold dots (``devices/pod.7``) but always have a folder; the build's
    own files are under ``assets/`` or at the top (``favicon.svg``).
    """
    return path.startswith(ASSETS) or ("/" not in path and "." in path)


def cache_control(path: str) -> str:
    """Immutable for hashed assets, revalidate for everything else."""
    return IMMUTABLE if path.startswith(ASSETS) else REVALIDATE


def mount_frontend(app: FastAPI, dist: Path = DIST_DIR) -> None:
    """Serve files from ``dist`` and fall back to index.html for client routes."""

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    def spa(path: str) -> FileResponse | HTMLResponse:
        if path.startswith("api/") or path in API_DOCS:
            raise HTTPException(status_code=404, detail=f"no API route /{path}")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return FileResponse(candidate, headers={"Cache-Control": cache_control(path)})
        if is_file_request(path):
            raise HTTPException(status_code=404, detail=f"no file /{path}")
        index = dist / "index.html"
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": REVALIDATE})
        return HTMLResponse(NOT_BUILT, headers={"Cache-Control": REVALIDATE})
