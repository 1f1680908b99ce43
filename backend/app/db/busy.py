"""A SQL store that stays locked, or has no free connection, answers 503 with Retry-After.

SQLite serialises writers; under a burst a writer may wait out the busy timeout, and the
connection pool may have nothing to lend. Both are overload, not a bug: the client is told
to come back instead of getting a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core.errors import Overloaded

RETRY_AFTER_SECONDS = 5
BUSY_ERRORS = (OperationalError, PoolTimeout)


def busy_error(exc: Exception) -> Overloaded | None:
    """The 503 for a locked SQLite store or an exhausted pool; None for any other error."""
    if isinstance(exc, PoolTimeout):
        reason = "no free SQL connection (pool exhausted)"
    elif isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        reason = "the SQL store stayed locked by other writers"
    else:
        return None
    return Overloaded(f"server busy: {reason}; try again", retry_after=RETRY_AFTER_SECONDS)


@contextmanager
def busy_as_unavailable() -> Iterator[None]:
    """Turn a busy SQL store inside the block into ``Overloaded`` (503); other errors pass."""
    try:
        yield
    except BUSY_ERRORS as exc:
        busy = busy_error(exc)
        if busy is None:
            raise
        raise busy from exc
