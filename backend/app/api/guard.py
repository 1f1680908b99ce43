"""Pure ASGI guard in front of every route.

Before a byte of the body is read it authenticates the caller (when the matched route
needs a role), counts the request against the caller's rate limit and refuses bodies
declared larger than the limit. Bodies are then read under the limit and JSON is
checked for depth and string length before any parser sees it. Upload routes (an
``UploadBody`` dependency) get their own limit and their stream passed through.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.routing import iter_route_contexts
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import RoleRequirement, UploadBody
from app.api.errors import error_response
from app.api.principal_cache import Credential, PrincipalCache
from app.api.query_params import check_given_once, single_valued
from app.core.config import Settings
from app.core.data_version import DataVersion
from app.core.errors import AppError, PayloadTooLarge
from app.core.json_limits import check_json
from app.core.roles import Principal, Role
from app.core.throttle import RequestLimiter
from app.db.busy import busy_as_unavailable
from app.services.auth import identify


@dataclass(frozen=True)
class RoutePolicy:
    """What the guard enforces for one route: the roles it needs and whether it uploads."""

    roles: tuple[Role, ...] = ()
    upload: bool = False
    single_queries: tuple[str, ...] = ()


def _calls(dependant: Any) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def route_policy(route: Any) -> RoutePolicy:
    """The roles a route's dependencies require and whether it streams an upload."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:  # not a FastAPI route (the docs pages)
        return RoutePolicy()
    calls = list(_calls(dependant))
    roles = tuple(c.role for c in calls if isinstance(c, RoleRequirement))
    upload = any(isinstance(c, UploadBody) for c in calls)
    return RoutePolicy(roles=roles, upload=upload, single_queries=single_valued(dependant))


def _size(limit: int) -> str:
    mib = limit / 2**20
    return f"{mib:g} MiB" if mib >= 1 and mib == int(mib) else f"{limit} bytes"


def _is_json(headers: Headers) -> bool:
    """True when FastAPI would parse the body as JSON (no Content-Type counts)."""
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    return not media or media == "application/json" or media.endswith("+json")


def _counting(receive: Receive, limit: int, too_large: AppError) -> Receive:
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large
        return message

    return counted


async def _read_all(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # after the body: wait for the disconnect as usual
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class RequestGuard:
    """Authentication, rate limits and body limits for every HTTP request."""

    def __init__(self, app: ASGIApp, settings: Settings, version: DataVersion) -> None:
        self.app = app
        self.settings = settings
        self.limiter = RequestLimiter.from_settings(settings)
        self.principals = PrincipalCache(settings.auth_cache_seconds, version)
        self._table: list[tuple[Any, RoutePolicy]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse with a JSON error, or pass the request on with a bounded body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            policy = self._policy(scope)
            if policy.roles:
                principal = await self._authenticate(scope, policy.roles)
                scope.setdefault("state", {})["principal"] = principal
                self.limiter.hit(principal.identity, scope["path"])
            check_given_once(scope.get("query_string", b""), policy.single_queries)
            receive = await self._bounded(scope, receive, policy.upload)
        except AppError as exc:
            await error_response(exc)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _policy(self, scope: Scope) -> RoutePolicy:
        """The policy of the route the router will pick (the first full match)."""
        if self._table is None:  # routes are complete once the app serves
            routes = iter_route_contexts(scope["app"].routes)
            self._table = [(route, route_policy(route)) for route in routes]
        for route, policy in self._table:
            if route.matches(scope)[0] is Match.FULL:
                scope.setdefault("route", route)  # logged even when answered from the cache
                return policy
        return RoutePolicy()

    async def _authenticate(self, scope: Scope, roles: tuple[Role, ...]) -> Principal:
        """The caller, known from a recent request or looked up; checked to hold ``roles``."""
        headers = Headers(scope=scope)
        scheme, token = get_authorization_scheme_param(headers.get("authorization"))
        bearer = token if scheme.lower() == "bearer" and token else None
        credential = (bearer, headers.get("x-api-key") or None)
        principal = self.principals.get(credential) or await self._look_up(scope, credential)
        for role in roles:
            principal.require(role)
        return principal

    async def _look_up(self, scope: Scope, credential: Credential) -> Principal:
        read_at = self.principals.snapshot()  # before the lookup: a change meanwhile counts
        principal, expires = await run_in_threadpool(self._identify, scope, credential)
        self.principals.put(credential, principal, read_at, expires)
        return principal

    def _identify(self, scope: Scope, credential: Credential) -> tuple[Principal, datetime | None]:
        bearer, api_key = credential
        with busy_as_unavailable(), scope["app"].state.session_factory.begin() as db:
            # the block commits last_used_at of an API key
            return identify(db, self.settings, token=bearer, api_key=api_key)

    async def _bounded(self, scope: Scope, receive: Receive, upload: bool) -> Receive:
        settings = self.settings
        limit, name = (
            (settings.telemetry_max_body_bytes, "TELEMETRY_MAX_BODY_BYTES")
            if upload
            else (settings.max_body_bytes, "MAX_BODY_BYTES")
        )
        too_large = PayloadTooLarge(
            f"request body larger than {_size(limit)} ({name})", field="body"
        )
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        counted = _counting(receive, limit, too_large)
        if upload:
            return counted
        body = await _read_all(counted)
        if body and _is_json(headers):
            check_json(
                body, max_depth=settings.json_max_depth, max_string=settings.json_max_string_length
            )
        return _replay(body, receive)
