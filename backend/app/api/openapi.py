"""Declare the error answers of every operation in the OpenAPI document, in one place.

Routes only declare their success; the status codes the guard, the error handlers and the
services can answer with are added here from what each route takes and requires, all with
the one error body (``ErrorBody``) that ``app.api.errors`` renders.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from app.api.guard import route_policy
from app.schemas.errors import ErrorBody, FieldError

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# every route may meet a busy SQL store (503 with Retry-After); /api/ml also ML switched off
ALWAYS = {503}


def error_codes(context: RouteContext, method: str) -> set[int]:
    """The error statuses the route of ``context`` can answer ``method`` with."""
    assert isinstance(context.route, APIRoute)
    dependant = context.route.dependant
    codes = set(ALWAYS)
    if route_policy(context).roles:
        codes |= {401, 403, 429}  # no or bad credentials, too weak a role, rate limit
    takes_body = method in WRITE_METHODS
    if takes_body:
        codes |= {413}  # MAX_BODY_BYTES / TELEMETRY_MAX_BODY_BYTES, checked for every body
    if dependant.path_params or dependant.query_params or takes_body:
        codes |= {404, 422}  # a named row or device that does not exist; invalid input
    if takes_body and route_policy(context).roles:
        codes |= {400, 409}  # a state that forbids the change; a name already taken
    return codes


def _error_response(code: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(code).phrase,
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def _declare(document: dict[str, Any], context: RouteContext) -> None:
    item = document["paths"].get(context.path_format, {})
    for method in context.methods or ():
        operation = item.get(method.lower())
        if operation is None:
            continue
        responses = operation.setdefault("responses", {})
        for code in sorted(error_codes(context, method)):
            responses.setdefault(str(code), _error_response(code))
        for code, declared in responses.items():
            # also those a route declared itself, e.g. the login's 401
            if code.startswith(("4", "5")):
                declared["content"] = {"application/json": {"schema": ERROR_REF}}


def _add_error_schemas(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorBody, FieldError):
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        body.pop("$defs", None)
        schemas[model.__name__] = body
    # FastAPI's own 422 body is not what the app answers; ErrorBody replaced it above
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)


def documented_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with every error answer declared (built once)."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        _add_error_schemas(document)
        for context in iter_route_contexts(app.routes):
            if isinstance(context.route, APIRoute) and context.route.include_in_schema:
                _declare(document, context)
        app.openapi_schema = document
    return app.openapi_schema


def declare_errors(app: FastAPI) -> None:
    """Serve ``documented_openapi`` as the app's /openapi.json."""
    app.openapi = lambda: documented_openapi(app)  # type: ignore[method-assign]
