"""Log file handlers that several processes can use on one log folder without losing lines.

Only the server rotates the guide's files (``app.log``, ``ml/*.log``): it renames the
current file to a dated name and never replaces an existing dated file (a second
rotation on the same day gets ``.1``, ``.2``...). CLI processes never rename anything:
each writes its own dated file ``cli/<command>-YYYY-MM-DD.log`` and appends to the
guide's ML files, reopening them when the server has rotated them away.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path
from typing import TextIO


class DatedRotatingFileHandler(TimedRotatingFileHandler):
    """Time-based rotation that keeps every dated file: a taken name gets a counter."""

    def rotation_filename(self, default_name: str) -> str:
        """``default_name``, or ``default_name.N`` with the first N not yet on disk."""
        name, counter = default_name, 0
        while Path(name).exists():
            counter += 1
            name = f"{default_name}.{counter}"
        return name


DATED = re.compile(r"-(\d{4}-\d{2}-\d{2})\.log$")


class DailyFileHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes ``<folder>/<stem>-<local date>.log``, a new file each day; deletes old ones.

    Nothing is renamed, so any number of processes may append to the same day's file.
    Files dated more than ``keep_days`` days before today are removed when a day's
    file is opened.
    """

    def __init__(
        self, folder: Path, stem: str, keep_days: int, today: Callable[[], date] | None = None
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.stem, self.keep_days = folder, stem, keep_days
        self._today = today or local_today
        self.day = self._today()
        super().__init__(self._open())

    @property
    def path(self) -> Path:
        """The file of the current day."""
        return self.folder / f"{self.stem}-{self.day.isoformat()}.log"

    def _open(self) -> TextIO:
        self._remove_expired()
        return self.path.open("a", encoding="utf-8")

    def _remove_expired(self) -> None:
        oldest = self.day - timedelta(days=self.keep_days)
        for path in self.folder.glob(f"{self.stem}-*.log"):
            match = DATED.search(path.name)
            if match and path.name == f"{self.stem}{match.group()}" and _day(match) < oldest:
                path.unlink(missing_ok=True)

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record to today's file, switching files after midnight."""
        today = self._today()
        if today != self.day:
            self.acquire()
            try:
                self.day = today
                self.setStream(self._open()).close()  # type: ignore[union-attr]
            finally:
                self.release()
        super().emit(record)

    def close(self) -> None:
        """Close the file."""
        self.acquire()
        try:
            self.flush()
            self.stream.close()
        finally:
            self.release()
        super().close()


def local_today() -> date:
    """Today in the machine's time zone, as the server's rotation counts days."""
    return date(*time.localtime()[:3])


def _day(match: re.Match[str]) -> date:
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return date.max  # not one of our dates: keep it
