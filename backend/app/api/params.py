"""Bounded query and path parameters shared by the routes, so huge numbers give 422, not 500."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator

from app.ml.alerts.rules import SEVERITIES, STATUSES

MAX_OFFSET = 2**53 - 1
MAX_PAGE = 10**6
MAX_ID = 2**63 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")]
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id")]


def _not_a_number(value: object) -> object:
    """Refuse a number where pydantic would read seconds since 1970 as a datetime."""
    try:
        float(str(value))
    except ValueError:
        return value
    raise ValueError("expected an ISO 8601 datetime, not a number")


# An ISO 8601 datetime (never a number of seconds)
IsoDatetime = Annotated[datetime, BeforeValidator(_not_a_number)]

# A year from 0002 to 9998: the day after an end date, or a shift to UTC, stays in the calendar.
_YEAR = r"^(000[2-9]|00[1-9]\d|0[1-9]\d{2}|[1-8]\d{3}|9[0-8]\d{2}|99[0-8]\d)-"
# What ``app.services.sessions.parse_moment`` reads: a date, an ISO datetime, or empty (no bound).
MOMENT_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date", "pattern": _YEAR},
        {"type": "string", "format": "date-time", "pattern": _YEAR},
        {"type": "string", "maxLength": 0},
    ]
}
# Severity and status filters of alerts (case-insensitive; empty: any), checked by the
# alert service.
SeverityFilter = Annotated[
    str | None,
    Query(
        description="LOW, MEDIUM, HIGH or CRITICAL; empty for any",
        json_schema_extra={"enum": [*SEVERITIES, ""]},
    ),
]
StatusFilter = Annotated[
    str | None,
    Query(
        description="open, acknowledged or resolved; empty for any",
        json_schema_extra={"enum": [*STATUSES, ""]},
    ),
]
