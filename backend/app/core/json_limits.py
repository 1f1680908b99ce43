"""Bounds on JSON bodies checked on the raw bytes, before any parser recurses into them."""

from __future__ import annotations

import re

import numpy as np

from app.core.errors import BadInput

# A JSON string token (escapes included); the unrolled form keeps the regex linear.
STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
OPENERS = np.frombuffer(b"[{", dtype=np.uint8)


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body`` (brackets inside strings ignored)."""
    brackets = np.frombuffer(STRING.sub(b'""', body).translate(None, NOT_BRACKETS), np.uint8)
    if brackets.size == 0:
        return 0
    steps = np.where(np.isin(brackets, OPENERS), 1, -1)
    return int(np.cumsum(steps).max())


def longest_string(body: bytes) -> int:
    """Length in bytes of the longest string token in ``body``, quotes excluded."""
    return max((m.end() - m.start() - 2 for m in STRING.finditer(body)), default=0)


def check_json(body: bytes, *, max_depth: int, max_string: int) -> None:
    """Raise ``BadInput`` (422) naming the limit when ``body`` nests or strings too far."""
    depth = json_depth(body)
    if depth > max_depth:
        raise BadInput(
            f"JSON body nested {depth} levels deep; at most {max_depth} allowed (JSON_MAX_DEPTH)",
            field="body",
        )
    longest = longest_string(body)
    if longest > max_string:
        raise BadInput(
            f"JSON body holds a string of {longest} bytes; at most {max_string} allowed "
            "(JSON_MAX_STRING_LENGTH)",
            field="body",
        )
