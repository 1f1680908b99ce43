"""Serve the built dashboard (frontend/dist) at / with client-side routing."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from app.core.config import REPO_DIR

DIST_DIR = REPO_DIR / "frontend" / "dist"
# Served by FastAPI when DOCS_ENABLED; a 404 (not the dashboard) when it is off.
API_DOCS = ("docs", "redoc", "openapi.json", "docs/oauth2-redirect")

NOT_BUILT = """<!doctype html><title>DrillWatch</title>
<h1>DrillWatch</h1><p>The dashboard is not built yet: run <code>make run</code>
(or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>). The API is at
<a href="/docs">/docs</a>.</p>"""


def mount_frontend(app: FastAPI, dist: Path = DIST_DIR) -> None:
    """Serve files from ``dist`` and fall back to index.html for client routes."""

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    def spa(path: str) -> FileResponse | HTMLResponse:
        if path.startswith("api/") or path in API_DOCS:
            raise HTTPException(status_code=404, detail=f"no API route /{path}")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(dist.resolve()):
            return FileResponse(candidate)
        index = dist / "index.html"
        if index.is_file():
            return FileResponse(index)
        return HTMLResponse(NOT_BUILT)
