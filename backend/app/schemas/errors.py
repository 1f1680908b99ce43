"""The JSON body of every 4xx/5xx answer."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    """One invalid input of a 422: the dotted field and what is wrong with it."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """An error answer: a readable ``detail``, the ``field`` to blame when there is one, and
    for request validation (422) every invalid field in ``errors``."""

    detail: str = Field(description="What went wrong, readable by a person")
    field: str | None = Field(default=None, description="The input to blame, when there is one")
    errors: list[FieldError] | None = Field(
        default=None, description="Request validation only: every invalid field"
    )
