"""The simulated window: UTC days from a start date, as epoch seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt

DAY = 86_400
SAMPLE_SECONDS = 30


@dataclass(frozen=True)
class Window:
    """``days`` UTC days starting at midnight of ``start``."""

    start: date
    days: int

    @property
    def t0(self) -> int:
        """Epoch seconds of the window's first midnight."""
        return int(
            datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp()
        )

    @property
    def t_end(self) -> int:
        """Epoch seconds of the midnight after the last day."""
        return self.t0 + self.days * DAY

    def day_start(self, day: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Epoch seconds of midnight starting window day ``day``."""
        return self.t0 + np.asarray(day, dtype=np.int64) * DAY

    def weekday(self) -> npt.NDArray[np.int64]:
        """Weekday of every window day (Monday 0 .. Sunday 6)."""
        return (self.start.weekday() + np.arange(self.days, dtype=np.int64)) % 7

    def dates(self) -> list[str]:
        """Every window day as YYYY-MM-DD."""
        first = np.datetime64(self.start.isoformat(), "D")
        return [str(d) for d in first + np.arange(self.days)]


def iso(seconds: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """Epoch seconds as ISO-8601 UTC with a trailing Z (NaN -> empty string)."""
    values = np.asarray(seconds, dtype=np.float64)
    out = np.full(values.shape, "", dtype="<U20")
    ok = np.isfinite(values)
    stamps = np.datetime_as_string(values[ok].astype(np.int64).astype("datetime64[s]"))
    out[ok] = np.char.add(stamps.astype("<U19"), "Z")
    return out
