"""Model version names: strict validation (they become file names) and semver bumps."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.core.errors import BadInput

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SEMVER_SUFFIX_RE = re.compile(r"(\d+)\.(\d+)\.(\d+)$")
FIRST_VERSION = "1.0.0"
# NAME_RE without '..', as JSON Schema for the OpenAPI document
VERSION_SCHEMA: dict[str, Any] = {
    "pattern": r"^[A-Za-z0-9](\.?[A-Za-z0-9_-])*\.?$",
    "maxLength": 64,
}


def validate_version(name: object, field: str = "version") -> str:
    """``name`` if it is a safe version name, else BadInput naming ``field``."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or ".." in name:
        raise BadInput(
            f"invalid model version {name!r}: expected 1-64 characters of letters, digits, "
            "'.', '_' or '-', starting with a letter or digit, without '..' "
            "(e.g. 1.2.0 or new_model_v1.1.0)",
            field=field,
        )
    return name


def semver_of(name: str) -> tuple[int, int, int] | None:
    """The trailing semantic version of a name (``1.2.0``, ``model_v1.2.0``), if any."""
    match = SEMVER_SUFFIX_RE.search(name)
    if match is None:
        return None
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def next_version(existing: Iterable[str]) -> str:
    """The next minor version after the highest semantic version in ``existing``."""
    versions = [v for v in (semver_of(name) for name in existing) if v is not None]
    if not versions:
        return FIRST_VERSION
    major, minor, _ = max(versions)
    return f"{major}.{minor + 1}.0"
