"""When machines run: workdays, several sessions a day, one sample every 30 s inside a session."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.simulation.profiles import DAY, Fleet

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

SAMPLE_SECONDS = 30
# Monday .. Sunday: crews work weekdays, a few Saturdays, hardly any Sundays.
WEEKDAY_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.14, 0.03])
MAX_SESSIONS = 7
MIN_ROWS, MAX_ROWS = 13, 181
# Work starts 06:30-09:00 Berlin summer time (UTC+2); every session ends by 22:00 local.
FIRST_START = 4.5 * 3600
FIRST_SPREAD = 2.5 * 3600
LAST_END = 20 * 3600
# Breaks between sessions stay far above the 120 s session-gap rule.
MIN_BREAK = 5 * 60
MEAN_EXTRA_BREAK = 55 * 60


@dataclass(frozen=True)
class Sessions:
    """One day's sessions, ordered by device then start time."""

    dev: Ints
    start: Ints
    n_rows: Ints

    @property
    def first(self) -> Bools:
        """True for each device's first session of the day."""
        return starts_of_groups(self.dev)


@dataclass(frozen=True)
class Rows:
    """One day's sample slots before any loss: device, session, index in session, time."""

    dev: Ints
    sess: Ints
    k: Ints
    ts: Ints

    @property
    def first(self) -> Bools:
        """True for each device's first sample of the day."""
        return starts_of_groups(self.dev)


def starts_of_groups(keys: Ints) -> Bools:
    """True where a run of equal sorted keys begins."""
    marks = np.ones(len(keys), dtype=bool)
    marks[1:] = keys[1:] != keys[:-1]
    return marks


def ends_of_groups(keys: Ints) -> Bools:
    """True where a run of equal sorted keys ends."""
    marks = np.ones(len(keys), dtype=bool)
    marks[:-1] = keys[1:] != keys[:-1]
    return marks


def group_cumsum(values: NDArray[np.float64] | Ints, first: Bools) -> Floats:
    """Inclusive running sum that restarts wherever ``first`` is True."""
    total = np.cumsum(values, dtype=np.float64)
    before = total - values
    anchor = np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))
    result: Floats = total - before[anchor]
    return result


def plan_sessions(fleet: Fleet, day: int, rng: np.random.Generator) -> Sessions:
    """Draw who works on ``day`` and when each of their sessions starts and how long it lasts."""
    day_start = fleet.start + day * DAY
    weekday = (day_start // DAY + 3) % 7  # 1970-01-01 was a Thursday
    active = (fleet.joined < day_start + DAY) & (fleet.service_end > day_start)
    works = active & (rng.random(fleet.size) < fleet.workday_prob * WEEKDAY_FACTOR[weekday])
    extra = rng.poisson(np.maximum(fleet.sessions_mean - 1.0, 0.0))
    count = np.where(works, np.minimum(1 + extra, MAX_SESSIONS), 0)
    dev = np.repeat(np.arange(fleet.size), count)
    n = len(dev)
    length = fleet.duration_rows[dev] * rng.lognormal(0.0, 0.45, n)
    n_rows = np.clip(np.rint(length), MIN_ROWS, MAX_ROWS).astype(np.int64)
    first = starts_of_groups(dev)
    gap = np.where(
        first,
        FIRST_START + rng.uniform(0.0, FIRST_SPREAD, n),
        MIN_BREAK + rng.exponential(MEAN_EXTRA_BREAK, n),
    )
    previous = np.zeros(n)
    previous[1:] = (n_rows[:-1] - 1) * SAMPLE_SECONDS
    previous[first] = 0.0
    start = day_start + np.rint(group_cumsum(gap + previous, first)).astype(np.int64)
    keep = start + (n_rows - 1) * SAMPLE_SECONDS <= day_start + LAST_END
    return Sessions(dev=dev[keep], start=start[keep], n_rows=n_rows[keep])


def expand(sessions: Sessions) -> Rows:
    """One slot per sample: every 30 s from each session's start."""
    sess = np.repeat(np.arange(len(sessions.dev)), sessions.n_rows)
    offsets = np.cumsum(sessions.n_rows) - sessions.n_rows
    k = np.arange(len(sess)) - offsets[sess]
    ts = sessions.start[sess] + SAMPLE_SECONDS * k
    return Rows(dev=sessions.dev[sess], sess=sess, k=k, ts=ts)
