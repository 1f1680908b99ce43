"""The pod's own state carried from day to day: sequence counter, battery, current job site."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.simulation.faults import battery_capacity, battery_drain, component_severity
from app.simulation.profiles import BATTERY, DAY, LATE_JOIN, Fleet
from app.simulation.sessions import SAMPLE_SECONDS, Rows, Sessions, ends_of_groups, group_cumsum
from app.simulation.usage import new_sites

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

SEQ_RESET = 0.004
OVERNIGHT_DRAIN = 0.4
DEAD_BELOW = 0.5


@dataclass(frozen=True)
class PodState:
    """Per-device arrays, updated in place so that a slice of the state is a live view."""

    seq_next: Ints
    battery: Floats
    site_lat: Floats
    site_lon: Floats
    site_days: Ints

    @classmethod
    def initial(cls, fleet: Fleet, rng: np.random.Generator) -> PodState:
        """Pods mid-life at the window start; late joiners are new (sequence from 1)."""
        n = fleet.size
        lat, lon = new_sites(n, rng)
        return cls(
            seq_next=np.where(fleet.profile == LATE_JOIN, 1, rng.integers(1, 20_000, n)),
            battery=rng.uniform(60.0, 90.0, n),
            site_lat=lat,
            site_lon=lon,
            site_days=rng.integers(1, 6, n),
        )

    def subset(self, part: slice) -> PodState:
        """A view on the devices in ``part``."""
        return PodState(
            seq_next=self.seq_next[part],
            battery=self.battery[part],
            site_lat=self.site_lat[part],
            site_lon=self.site_lon[part],
            site_days=self.site_days[part],
        )


def move_sites(state: PodState, sessions: Sessions, rng: np.random.Generator) -> None:
    """A crew stays on a site for 2-6 working days, then moves on to a new one."""
    n = len(state.site_days)
    works = np.zeros(n, dtype=bool)
    works[sessions.dev] = True
    lat, lon = new_sites(n, rng)
    stay = rng.integers(2, 7, n)
    move = works & (state.site_days <= 0)
    state.site_lat[:] = np.where(move, lat, state.site_lat)
    state.site_lon[:] = np.where(move, lon, state.site_lon)
    state.site_days[:] = np.where(move, stay, state.site_days) - works


def seq_starts(state: PodState, sessions: Sessions, rng: np.random.Generator) -> Ints:
    """Sequence number of each session's first sample; a rare reboot restarts it at 1."""
    n = len(sessions.dev)
    reset = rng.random(n) < SEQ_RESET
    anchor = np.maximum.accumulate(np.where(sessions.first | reset, np.arange(n), 0))
    before = np.cumsum(sessions.n_rows) - sessions.n_rows
    base = np.where(reset[anchor], 1, state.seq_next[sessions.dev[anchor]])
    starts: Ints = base + before - before[anchor]
    return starts


def battery_levels(
    state: PodState, fleet: Fleet, rows: Rows, sev: Floats, rng: np.random.Generator
) -> tuple[Floats, Floats]:
    """Level at each sample (draining in use) and the charge each device used today."""
    rate = fleet.drain_rate[rows.dev] * SAMPLE_SECONDS / 3600.0
    used = battery_drain(rate, sev, rng)
    level = state.battery[rows.dev] - (group_cumsum(used, rows.first) - used)
    per_device = np.bincount(rows.dev, weights=used, minlength=fleet.size).astype(np.float64)
    return level, per_device


def end_of_day(
    state: PodState,
    fleet: Fleet,
    sessions: Sessions,
    starts: Ints,
    used: Floats,
    day: int,
    rng: np.random.Generator,
) -> None:
    """Carry sequence and battery over the night; some pods get charged."""
    last = ends_of_groups(sessions.dev)
    state.seq_next[sessions.dev[last]] = starts[last] + sessions.n_rows[last]
    level = state.battery - used
    died = level < DEAD_BELOW
    state.seq_next[died] = 1
    night = np.full(fleet.size, float(fleet.start + (day + 1) * DAY))
    sev = component_severity(fleet, np.arange(fleet.size), night, BATTERY)
    level = np.maximum(level - OVERNIGHT_DRAIN * (1.0 + 8.0 * sev), 0.0)
    charge = died | (level < fleet.charge_threshold) | (rng.random(fleet.size) < fleet.charge_prob)
    target = np.minimum(
        battery_capacity(fleet.capacity, sev) + rng.normal(0.0, 1.0, fleet.size), 100
    )
    state.battery[:] = np.where(charge, np.maximum(level, target), level)
