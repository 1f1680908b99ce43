"""When machines are used: work days, sessions per day, their lengths and times of day.

Run ranges (ordinary pods): work-day probability 0.45-0.90 (x0.8-1.2 per pod), weekend
factor 0-0.8, sessions per work day 1.0-3.0 (Poisson around a per-pod mean x0.6-1.4),
session length median 8-40 min (per pod x0.6-1.4, log-sd 0.3-0.9, 1 min-3 h), breaks
median 15-90 min (8 min-5 h), working hours starting 4-8 h and ending 14-19 h UTC, a
share 0-0.6 of sessions at any hour (never in a UTC day's first 8 min), a share 0-5 %
of 1-5-sample sessions.
Heavy users: in use 3-6 h a day (per pod mean 3.3-5.7 h, +-0.5 h a day) in 2-6 sessions,
work-day probability 0.80-0.97. Light users: 5-15 min a day in 1-2 sessions.
Thin days: 1-3 sessions holding 1-10 samples in all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.window import DAY, SAMPLE_SECONDS, Window

NORMAL, HEAVY, LIGHT = 0, 1, 2
DAY_LIMIT = DAY - 3 * SAMPLE_SECONDS
MIN_BREAK = 480


@dataclass(frozen=True)
class Users:
    """How each pod's machine is used."""

    kind: Ints
    workday: Floats
    weekend: float
    sessions: Floats
    session_median: Floats
    session_sigma: float
    break_median: float
    hours: tuple[float, float]
    any_hour: float
    short_share: float
    heavy_hours: Floats
    light_minutes: Floats


@dataclass(frozen=True)
class Sessions:
    """Planned sessions sorted by pod then time (samples every 30 s from ``start``)."""

    device: Ints
    day: Ints
    start: Ints
    samples: Ints
    thin: Bools

    @property
    def usage_start(self) -> Ints:
        """Operating seconds of the pod's machine before each session (its wear clock)."""
        used = self.samples * SAMPLE_SECONDS
        return group_cumsum(used, self.device) - used


def group_cumsum(values: Ints, group: Ints) -> Ints:
    """Running sum of ``values`` restarting at each new value of the sorted ``group``."""
    total = np.cumsum(values)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if group.size else group
    before = np.repeat(total[starts] - values[starts], np.diff(np.r_[starts, group.size]))
    return total - before


def draw_users(d: Draws, rng: np.random.Generator, kind: Ints) -> Users:
    """Usage habits of the fleet (``kind``: NORMAL, HEAVY or LIGHT per pod)."""
    n = kind.size
    workday = np.clip(d.uniform("workday_probability", 0.45, 0.90) * rng.uniform(0.8, 1.2, n), 0, 1)
    heavy_workday = rng.uniform(0.80, 0.97, n)
    users = Users(
        kind=kind,
        workday=np.where(kind == HEAVY, heavy_workday, workday),
        weekend=d.uniform("weekend_factor", 0.0, 0.8),
        sessions=d.uniform("sessions_per_day", 1.0, 3.0) * rng.uniform(0.6, 1.4, n),
        session_median=d.uniform("session_median_min", 8.0, 40.0) * 60 * rng.uniform(0.6, 1.4, n),
        session_sigma=d.uniform("session_log_sd", 0.3, 0.9),
        break_median=d.uniform("break_median_min", 15.0, 90.0) * 60,
        hours=(
            d.uniform("workday_start_hour_utc", 4, 8),
            d.uniform("workday_end_hour_utc", 14, 19),
        ),
        any_hour=d.uniform("any_hour_share", 0.0, 0.6),
        short_share=d.uniform("short_session_share", 0.0, 0.05),
        heavy_hours=rng.uniform(3.3, 5.7, n),
        light_minutes=rng.uniform(6.0, 14.0, n),
    )
    d.summarise("workday_probability", users.workday)
    d.summarise("sessions_per_day", users.sessions)
    return users


def plan_sessions(
    rng: np.random.Generator,
    window: Window,
    users: Users,
    usable: Floats,
    thin_share: Floats,
) -> Sessions:
    """Sessions of every pod and day; ``usable`` [pods, days] scales the work-day odds."""
    n, days = usable.shape
    weekend = window.weekday() >= 5
    odds = users.workday[:, None] * np.where(weekend, users.weekend, 1.0)[None, :] * usable
    active = rng.random((n, days)) < odds
    thin = active & (rng.random((n, days)) < thin_share[:, None])
    kind = np.broadcast_to(users.kind[:, None], (n, days))
    thin_total = rng.integers(1, 11, (n, days))
    count = np.select(
        [thin, kind == HEAVY, kind == LIGHT],
        [
            1 + (rng.random((n, days)) * np.minimum(3, thin_total)).astype(np.int64),
            rng.integers(2, 7, (n, days)),
            rng.integers(1, 3, (n, days)),
        ],
        1 + rng.poisson(np.maximum(users.sessions - 1.0, 0.0)[:, None], (n, days)),
    )
    count = np.where(active, count, 0).ravel()
    cell = np.repeat(np.arange(n * days), count)
    device, day = cell // days, cell % days
    first = np.diff(cell, prepend=-1) != 0
    group = np.cumsum(first) - 1
    thin_session = thin.ravel()[cell]
    total = thin_total.ravel()[cell]
    samples = _samples(rng, users, group, device, first, thin_session, total)
    start = _starts(rng, users, group, first, samples, users.kind[device] == HEAVY)
    return Sessions(
        device=device.astype(np.int64),
        day=day.astype(np.int64),
        start=window.day_start(day) + start,
        samples=samples,
        thin=thin_session,
    )


def _day_split(rng: np.random.Generator, group: Ints, total: Floats) -> Floats:
    """Split a per-session copy of a day total into random parts (one per session)."""
    weight = rng.gamma(3.0, 1.0, group.size)
    return total * weight / _day_sum(group, weight)


def _day_sum(group: Ints, values: Floats) -> Floats:
    """Per session: the sum of ``values`` over its pod-day ``group``."""
    if group.size == 0:
        return np.zeros(0)
    sums: Floats = np.bincount(group, weights=values).astype(np.float64)
    return sums[group]


def _per_day(first: Bools, values: Floats) -> Floats:
    """Per session: the value drawn for the first session of its day."""
    return np.repeat(values[first], np.diff(np.r_[np.flatnonzero(first), first.size]))


def _samples(
    rng: np.random.Generator,
    users: Users,
    group: Ints,
    device: Ints,
    first: Bools,
    thin: Bools,
    thin_total: Ints,
) -> Ints:
    """Samples per session for each kind of pod and day."""
    size = group.size
    kind = users.kind[device]
    minutes = np.exp(rng.normal(np.log(users.session_median[device] / 60), users.session_sigma))
    samples = np.clip(np.rint(minutes * 2), 2, 360)
    samples = np.where(rng.random(size) < users.short_share, rng.integers(1, 6, size), samples)
    crowded = _day_sum(group, samples) / (0.7 * DAY_LIMIT / SAMPLE_SECONDS)
    samples = np.maximum(np.floor(samples / np.maximum(crowded, 1.0)), 1)
    hours = _per_day(
        first, np.clip(users.heavy_hours[device] + rng.normal(0, 0.5, size), 3.05, 5.9)
    )
    samples = np.where(kind == HEAVY, np.rint(_day_split(rng, group, hours) * 120), samples)
    minutes = _per_day(first, np.clip(users.light_minutes[device] + rng.normal(0, 2, size), 5, 15))
    samples = np.where(kind == LIGHT, np.rint(_day_split(rng, group, minutes) * 2), samples)
    spare = (thin_total - _day_sum(group, np.ones(size))).astype(np.float64)
    thin_samples = 1 + np.floor(_day_split(rng, group, np.maximum(spare, 0.0)))
    thin_samples += np.where(first, spare - _day_sum(group, thin_samples - 1), 0)
    samples = np.where(thin, thin_samples, samples)
    return np.maximum(samples, 1).astype(np.int64)


def _starts(
    rng: np.random.Generator,
    users: Users,
    group: Ints,
    first: Bools,
    samples: Ints,
    heavy: Bools,
) -> Ints:
    """Seconds after midnight of each session: breaks in between, the day inside one UTC day."""
    size = group.size
    length = (samples - 1) * SAMPLE_SECONDS
    pause = np.exp(rng.normal(np.log(users.break_median), 0.8, size))
    pause = np.where(
        heavy, np.clip(pause * 0.4, MIN_BREAK, 5400), np.clip(pause, MIN_BREAK, 18_000)
    )
    floor = np.where(first, 0.0, float(MIN_BREAK))
    extra = np.where(first, 0.0, pause - MIN_BREAK)
    busy = _day_sum(group, length.astype(np.float64))
    room = np.maximum(DAY_LIMIT - MIN_BREAK - busy - _day_sum(group, floor), 0.0)
    pause = floor + extra * np.minimum(1.0, room / np.maximum(_day_sum(group, extra), 1.0))
    previous = np.where(first, 0, np.roll(length, 1))
    offset = group_cumsum(np.rint(pause + previous).astype(np.int64), group)
    span = busy + _day_sum(group, pause)
    lo, hi = users.hours
    day_time = rng.uniform(lo, hi, size) * 3600
    any_time = rng.uniform(0, 24, size) * 3600
    begin = np.where(rng.random(size) < users.any_hour, any_time, day_time)
    begin = np.maximum(np.minimum(begin, DAY_LIMIT - span), MIN_BREAK)
    begin = _per_day(first, begin)
    return (np.floor(begin).astype(np.int64) + offset).astype(np.int64)
