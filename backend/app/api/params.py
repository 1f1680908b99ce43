"""Bounded query and path parameters shared by the routes, so huge numbers give 422, not 500."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_OFFSET = 2**53 - 1
MAX_PAGE = 10**6
MAX_ID = 2**63 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1")]
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id")]
