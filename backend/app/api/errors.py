"""Render the ``AppError`` family and validation errors as JSON."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.api.headers import security_headers
from app.core.errors import AppError, Overloaded, TooManyRequests
from app.db.busy import BUSY_ERRORS, busy_error

log = logging.getLogger("drillwatch.api")
LOCATIONS = ("query", "body", "path")
INTERNAL_ERROR = "internal error; see logs/app.log"


def error_response(exc: AppError) -> JSONResponse:
    """The JSON answer for an ``AppError``: detail, field, and the headers its status needs."""
    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, TooManyRequests | Overloaded):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(status_code=exc.status, content=body, headers=headers)


def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return error_response(exc)


def field_name(loc: Sequence[object]) -> str:
    """The dotted field of a validation error; "body" when only the whole body is to blame."""
    field = ".".join(str(p) for p in loc if p not in LOCATIONS)
    # a missing body has no location left, malformed JSON only a character position
    return "body" if not field or field.isdigit() else field


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": field_name(e["loc"]),
            "message": e["msg"],
        }
        for e in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return JSONResponse(status_code=422, content={"detail": f"invalid {fields}", "errors": errors})


def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    # answered by Starlette's outermost middleware, so the security headers are added here
    headers = security_headers(request.url.path)
    return JSONResponse(status_code=500, content={"detail": INTERNAL_ERROR}, headers=headers)


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    busy = busy_error(exc)
    if busy is None:
        return _unexpected_error(request, exc)
    log.warning("%s %s: %s", request.method, request.url.path, busy.message)
    return error_response(busy)


def register_error_handlers(app: FastAPI) -> None:
    """Map ``AppError`` and validation errors to 4xx JSON, a busy SQL store to 503, anything
    else to a logged 500."""
    app.add_exception_handler(AppError, _app_error)
    for error in BUSY_ERRORS:
        app.add_exception_handler(error, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
