"""The data version: changes whenever what a read endpoint shows may have changed.

Answers are computed from up to three sources, each with its own cheap signals, read on
every cacheable request without touching a store:

- telemetry (the DuckDB store): write requests of this process to /api/v1/telemetry, and
  the stat of the DuckDB file and its WAL (so an ingest by another process is seen);
- records (the SQL store: alerts, users, ...): every other write request and every SQL
  commit that changed rows in this process (``app.db.changes``), and with SQLite the stat
  of its file and WAL (a write by another process; PostgreSQL offers no such signal);
- scores (the ML service): the generation of its latest scoring run.

An answer is keyed by the version of the sources it reads only, so a pod's telemetry post
leaves cached health scores in place until the next scoring run.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Hashable
from enum import StrEnum
from pathlib import Path

Version = tuple[Hashable, ...]


class Source(StrEnum):
    """What an answer is computed from."""

    telemetry = "telemetry"
    records = "records"
    scores = "scores"


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime in ns) of ``path``; None when it does not exist."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class DataVersion:
    """Hashable versions of the served data per source, cheap enough to read per request."""

    def __init__(self, files: dict[Source, tuple[Path, ...]] | None = None) -> None:
        self.files = files or {}
        self._counter = itertools.count(1)  # next() is atomic under the GIL
        self._writes = dict.fromkeys(Source, 0)
        self._generations: dict[Source, list[Callable[[], Hashable]]] = {s: [] for s in Source}

    @classmethod
    def of_stores(cls, duckdb_path: Path, sqlite_path: Path | None) -> DataVersion:
        """Watching the DuckDB file, the SQLite file (if the SQL store is one) and their logs."""
        files: dict[Source, tuple[Path, ...]] = {
            Source.telemetry: (duckdb_path, _sibling(duckdb_path, ".wal"))
        }
        if sqlite_path is not None:
            files[Source.records] = (sqlite_path, _sibling(sqlite_path, "-wal"))
        return cls(files)

    def bump(self, source: Source) -> None:
        """Record that this process changed ``source``."""
        self._writes[source] = next(self._counter)

    def add_generation(self, source: Source, generation: Callable[[], Hashable]) -> None:
        """Also change ``source``'s version whenever ``generation()`` changes."""
        self._generations[source].append(generation)

    def current(self, sources: frozenset[Source] = frozenset(Source)) -> Version:
        """The version of ``sources`` now."""
        parts: list[Hashable] = []
        for source in Source:
            if source in sources:
                parts.append(self._writes[source])
                parts.extend(generation() for generation in self._generations[source])
                parts.extend(file_signature(path) for path in self.files.get(source, ()))
        return tuple(parts)


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)
