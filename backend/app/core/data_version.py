"""The data version: changes whenever what the read endpoints show may have changed.

It combines three cheap signals, read on every cacheable request without touching a store:
a counter bumped by every successful write request of this process (ingest, alert
acknowledge, purge, ...), the stat of the DuckDB file and its WAL (so an ingest by another
process, or this one's start-up ingest, is seen), and the generation of each registered
source (the ML service's latest scoring run).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Hashable
from pathlib import Path

Version = tuple[Hashable, ...]


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime in ns) of ``path``; None when it does not exist."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class DataVersion:
    """A hashable version of the served data, cheap enough to read per request."""

    def __init__(self, files: tuple[Path, ...] = ()) -> None:
        self.files = files
        self._counter = itertools.count(1)  # next() is atomic under the GIL
        self._writes = 0
        self._sources: list[Callable[[], Hashable]] = []

    @classmethod
    def of_store(cls, duckdb_path: Path) -> DataVersion:
        """Watching the DuckDB file at ``duckdb_path`` and its write-ahead log."""
        return cls((duckdb_path, duckdb_path.with_name(duckdb_path.name + ".wal")))

    def bump(self) -> None:
        """Record that this process changed data."""
        self._writes = next(self._counter)

    def add_source(self, generation: Callable[[], Hashable]) -> None:
        """Also change whenever ``generation()`` does (e.g. a new ML scoring run)."""
        self._sources.append(generation)

    def current(self) -> Version:
        """The version now."""
        files = tuple(file_signature(path) for path in self.files)
        return (self._writes, files, tuple(source() for source in self._sources))
