"""Query parameters given more than once where the route takes one value.

Starlette keeps every repetition and FastAPI silently uses the last, so ``?status=a&status=b``
would be read as ``b``; the guard refuses it instead, naming the parameter.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from fastapi import params
from fastapi.dependencies.utils import get_flat_params
from starlette.datastructures import QueryParams

from app.core.errors import BadInput

SEQUENCES = (list, tuple, set, frozenset, Sequence)


def _takes_many(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_takes_many(arg) for arg in get_args(annotation))
    if origin is not None and get_origin(origin) is not None:  # Annotated inside
        return _takes_many(origin)
    return origin in SEQUENCES or annotation in SEQUENCES


def single_valued(dependant: Any) -> tuple[str, ...]:
    """The query parameter names of ``dependant`` (and its dependencies) that take one value."""
    fields = get_flat_params(dependant)
    return tuple(
        f.alias
        for f in fields
        if isinstance(f.field_info, params.Query) and not _takes_many(f.field_info.annotation)
    )


def check_given_once(query_string: bytes, names: tuple[str, ...]) -> None:
    """Raise ``BadInput`` naming the first of ``names`` given more than once."""
    if not names or not query_string:
        return
    query = QueryParams(query_string.decode("latin-1"))
    for name in names:
        count = len(query.getlist(name))
        if count > 1:
            raise BadInput(f"{name} given {count} times; give it once", field=name)
