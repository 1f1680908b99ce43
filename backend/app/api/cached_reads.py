"""Expensive JSON reads served from memory until the data changes; ETag and 304 on them.

Pure ASGI middleware inside the guard, so every request is authenticated and authorised
before a cached answer is considered. A cacheable GET is keyed by its path, its query
(parameters in name order), the caller where the answer depends on who asks, and the
version of the sources it reads (``app.core.data_version``). Concurrent misses for one
key are computed once. Every successful write request bumps the source it writes to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass
from enum import Enum
from urllib.parse import parse_qsl

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.read_cache import CachedResponse, ReadCache, matches
from app.core.data_version import DataVersion, Source


class Vary(Enum):
    """What besides path, query and data version an answer depends on."""

    nothing = "nothing"
    caller = "caller"


@dataclass(frozen=True)
class Policy:
    """The sources an answer reads and whether it depends on the caller."""

    sources: frozenset[Source]
    vary: Vary = Vary.nothing


TELEMETRY = Policy(frozenset({Source.telemetry}))
CACHEABLE = {
    "/api/v1/insights": TELEMETRY,
    "/api/v1/anomalies": TELEMETRY,
    "/api/v1/devices": TELEMETRY,
    "/api/v1/sessions": TELEMETRY,
    "/api/v1/sessions/daily": TELEMETRY,
    "/api/v1/battery/trends": TELEMETRY,
    "/api/v1/fleet/positions": TELEMETRY,
    "/api/v1/fleet/status": Policy(frozenset(Source)),
    "/api/ml/health-scores": Policy(frozenset({Source.scores})),  # built from the run alone
    "/api/ml/alerts": Policy(frozenset({Source.scores, Source.records})),
    "/api/v1/auth/me": Policy(frozenset({Source.records}), Vary.caller),
}
TELEMETRY_WRITES = "/api/v1/telemetry"  # ingest and purge; every other write is to records
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writes that change nothing a cached answer shows (a login writes only its audit row).
UNSEEN_WRITES = frozenset({"/api/v1/auth/token"})
# Clients may keep the answer but must revalidate (If-None-Match) before reusing it.
CACHE_CONTROL = (b"cache-control", b"private, no-cache")
DROPPED = frozenset({b"content-length", b"cache-control", b"etag", b"x-cache", b"vary"})


def written(path: str) -> Source:
    """The source a write request to ``path`` changes."""
    return Source.telemetry if path.startswith(TELEMETRY_WRITES) else Source.records


def request_key(scope: Scope, vary: Vary, version: Hashable) -> Hashable:
    """What identifies an answer: path, query in name order, caller if it varies, version."""
    query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    # the whole principal (name, role, kind, id): a role changed elsewhere is a new key
    caller = scope.get("state", {}).get("principal") if vary is Vary.caller else None
    return (scope["path"], tuple(sorted(query, key=lambda kv: kv[0])), caller, version)


def cacheable(start: Message) -> bool:
    """True for a 200 JSON answer that is not encoded yet."""
    headers = Headers(raw=start["headers"])
    json = "json" in headers.get("content-type", "")
    return start["status"] == 200 and json and "content-encoding" not in headers


def _encoded(entry: CachedResponse, scope: Scope) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The body to send and its encoding headers: gzip when the client accepts it."""
    accepted = Headers(scope=scope).get("accept-encoding", "")
    if entry.gzipped is not None and "gzip" in accepted:
        return entry.gzipped, [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
    return entry.body, []


async def _send_entry(entry: CachedResponse, scope: Scope, send: Send, outcome: bytes) -> None:
    """Send ``entry``, or 304 when the request's If-None-Match names its tag."""
    tag = (b"etag", entry.etag.encode())
    meta = [tag, CACHE_CONTROL, (b"x-cache", outcome)]
    if matches(Headers(scope=scope).get("if-none-match", ""), entry.etag):
        await send({"type": "http.response.start", "status": 304, "headers": meta})
        await send({"type": "http.response.body", "body": b""})
        return
    body, encoding = _encoded(entry, scope)
    length = (b"content-length", str(len(body)).encode())
    headers = [*entry.headers, *encoding, length, *meta]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class CachedReadsMiddleware:
    """Serves cacheable GETs from ``ReadCache``; bumps the data version on writes."""

    def __init__(self, app: ASGIApp, cache: ReadCache, version: DataVersion) -> None:
        self.app = app
        self.cache = cache
        self.version = version
        self._pending: dict[Hashable, asyncio.Future[CachedResponse | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Write: bump the version once it succeeded. Cacheable GET: serve from the cache."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and scope["path"] not in UNSEEN_WRITES:
            await self.app(scope, receive, self._bumping(send, written(scope["path"])))
            return
        policy = CACHEABLE.get(scope["path"])
        if policy is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        version = self.version.current(policy.sources)
        await self._serve(scope, receive, send, request_key(scope, policy.vary, version))

    def _bumping(self, send: Send, source: Source) -> Send:
        async def send_and_bump(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.version.bump(source)  # the write is committed before its answer starts
            await send(message)

        return send_and_bump

    async def _serve(self, scope: Scope, receive: Receive, send: Send, key: Hashable) -> None:
        entry = self.cache.get(key)
        if entry is None and key in self._pending:
            entry = await asyncio.shield(self._pending[key])  # computed by the first asker
        if entry is not None:
            await _send_entry(entry, scope, send, b"hit")
            return
        future: asyncio.Future[CachedResponse | None] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(key, future)
        try:
            entry = await self._compute(scope, receive, send)
        finally:
            if self._pending.get(key) is future:
                del self._pending[key]
            future.set_result(entry)  # None (failed, cancelled, not cacheable): askers compute
        if entry is not None:
            self.cache.put(key, entry)
            await _send_entry(entry, scope, send, b"miss")

    async def _compute(self, scope: Scope, receive: Receive, send: Send) -> CachedResponse | None:
        """Run the route; a cacheable answer is returned unsent, any other is sent as is."""
        messages: list[Message] = []

        async def collect(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, collect)
        start = messages[0]
        if not cacheable(start):
            for message in messages:
                await send(message)
            return None
        body = b"".join(m.get("body", b"") for m in messages[1:])
        kept = tuple((k, v) for k, v in start["headers"] if k.lower() not in DROPPED)
        # hashed and compressed once per version, off the event loop
        return await anyio.to_thread.run_sync(CachedResponse.of, kept, body)
