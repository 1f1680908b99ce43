"""The backup's manifest: what it holds, with a SHA-256 and size for every file.

A restore checks every file against it and refuses a backup with a missing, changed
or unlisted file. The manifest itself is not signed: keep backups where only the
operator can write.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from app.core.errors import Conflict

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20


class BackupRefused(Conflict):
    """The backup cannot be used (damaged, tampered, other store kind) or not here."""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entries(root: Path) -> dict[str, dict[str, Any]]:
    """Relative path -> {sha256, bytes} of every file under ``root`` but the manifest."""
    return {
        path.relative_to(root).as_posix(): {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.relative_to(root).as_posix() != MANIFEST
    }


def write_manifest(root: Path, contents: dict[str, Any]) -> dict[str, Any]:
    """Write ``manifest.json`` with ``contents`` and the checksums; returns the document."""
    document = {"format": FORMAT, **contents, "files": file_entries(root)}
    (root / MANIFEST).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return document


def read_verified(root: Path) -> dict[str, Any]:
    """The manifest of the backup at ``root`` once every file matches it; else ``BackupRefused``."""
    try:
        document = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupRefused(
            f"{root} is not a DrillWatch backup: {MANIFEST} unreadable ({exc})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupRefused(f"{root / MANIFEST}: unknown backup format")
    problems = _differences(document.get("files") or {}, file_entries(root))
    if problems:
        raise BackupRefused(f"backup {root} fails verification: " + "; ".join(problems))
    return document


def _differences(listed: dict[str, Any], found: dict[str, dict[str, Any]]) -> list[str]:
    problems = [f"{name} missing" for name in sorted(set(listed) - set(found))]
    problems += [f"{name} not in the manifest" for name in sorted(set(found) - set(listed))]
    problems += [
        f"{name} changed (checksum differs)"
        for name in sorted(set(listed) & set(found))
        if listed[name] != found[name]
    ]
    return problems
