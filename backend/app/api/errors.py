"""Render the ``AppError`` family and validation errors as JSON."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.core.errors import AppError, TooManyRequests


def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    body: dict[str, object] = {"detail": exc.message}
    if exc.field:
        body["field"] = exc.field
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(status_code=exc.status, content=body, headers=headers)


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"] if p not in ("query", "body", "path")),
            "message": e["msg"],
        }
        for e in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return JSONResponse(status_code=422, content={"detail": f"invalid {fields}", "errors": errors})


def register_error_handlers(app: FastAPI) -> None:
    """Map ``AppError`` subclasses and request validation errors to 4xx JSON."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
