"""Security headers on every HTTP response (pure ASGI middleware)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The dashboard: Vite-built scripts and styles from 'self' (no inline scripts), inline
# style attributes (React, Leaflet, Recharts), OpenStreetMap tiles as images (the map
# falls back to plain points when they are blocked or offline), data: icons.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https://tile.openstreetmap.org; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from jsDelivr with an inline
# start-up script; only those pages get this wider policy.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


# Tokens, users, keys and fleet data: never kept by a browser or a shared cache.
API_PREFIX = "/api/"
NO_STORE = {"Cache-Control": "no-store"}


def security_headers(path: str) -> dict[str, str]:
    """The headers every response to ``path`` carries."""
    csp = DOCS_CSP if path.startswith(DOCS_PATHS) else DASHBOARD_CSP
    headers = {"Content-Security-Policy": csp, **SECURITY_HEADERS}
    return headers | NO_STORE if path.startswith(API_PREFIX) else headers


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff, frame and referrer policies to every HTTP response (and
    ``Cache-Control: no-store`` to API answers that set no caching of their own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers as the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
