"""One error family for services; ``app.api`` renders it as JSON with a status."""

from __future__ import annotations


class AppError(Exception):
    """Base of every expected error; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(AppError):
    """The caller sent something we cannot accept (names the field when known)."""

    status = 422


class NotFound(AppError):
    """The named resource does not exist."""

    status = 404


class Conflict(AppError):
    """The request conflicts with the current state."""

    status = 409


class PayloadTooLarge(AppError):
    """The request body exceeds the configured limit (the message names it)."""

    status = 413


class Unavailable(AppError):
    """A dependency is busy or switched off; retrying later may work."""

    status = 503


class Unauthorized(AppError):
    """No valid credentials: missing, expired, forged or revoked (sent with WWW-Authenticate)."""

    status = 401


class Forbidden(AppError):
    """Valid credentials whose role does not allow the request."""

    status = 403


class TooManyRequests(AppError):
    """Too many attempts; ``retry_after`` seconds until the next one is accepted."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Overloaded(Unavailable):
    """The server sheds the request; ``retry_after`` seconds until a retry may be admitted."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
