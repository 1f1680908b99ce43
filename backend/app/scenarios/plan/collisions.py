"""Id collisions: a second pod reporting under another pod's device_id for a while.

Like 9f8c2a7d in the field sample: the twin has its own seq counter, battery and machine,
works 15-45 km away, and reports on its own 30 s grid, 2-28 s off the owner's. Per run:
0.5-3 episodes per ``collision`` pod and 30 days; an episode lasts 3 min to 3 h (log-
uniform) and overlaps one of the owner's sessions (longer sessions more likely) by at
least 6 of the owner's samples; it stays inside the day and ends before the owner's
silent failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.parts.gps import M_PER_DEG_LAT, M_PER_DEG_LON
from app.scenarios.plan.usage import group_cumsum
from app.scenarios.window import DAY, SAMPLE_SECONDS

OVERLAP = 6


@dataclass(frozen=True)
class Twins:
    """One row per collision episode, ordered by owner then time."""

    device: Ints
    day: Ints
    start: Ints
    samples: Ints
    lat: Floats
    lon: Floats
    seq: Ints
    level: Floats
    drain: Floats
    amps: Floats


@dataclass(frozen=True)
class Owners:
    """Owner sessions (sorted by pod then time) and what bounds a twin there."""

    device: Ints
    day: Ints
    start: Ints
    sent: Ints
    lat: Floats
    lon: Floats
    end_ts: Floats


def plan_twins(
    d: Draws, rng: np.random.Generator, owners: Owners, colliding: Bools, days: int
) -> Twins:
    """Pick owner sessions and lay a twin's reporting span over each."""
    if not colliding.any():
        return _twins(rng, owners, np.zeros(0, dtype=np.int64), colliding.size, None)
    rate = d.uniform("collision_episodes_per_30_days", 0.5, 3.0)
    wanted = rng.poisson(rate * days / 30, colliding.size) + 1
    ok = colliding[owners.device] & (owners.sent >= OVERLAP)
    candidates = np.flatnonzero(ok)
    key = np.log(rng.random(candidates.size)) / owners.sent[candidates]
    order = candidates[np.lexsort((-key, owners.device[candidates]))]
    rank = group_cumsum(np.ones(order.size, dtype=np.int64), owners.device[order]) - 1
    chosen = np.sort(order[rank < wanted[owners.device[order]]])
    return _twins(rng, owners, chosen, colliding.size, days)


def _previous_end(device: Ints, end: Ints) -> Ints:
    """Latest end of the same pod's earlier episodes (one twin is never in two places)."""
    if device.size == 0:
        return end
    span = int(end.max()) + 1
    running = np.maximum.accumulate(device * span + end) - device * span
    previous = np.r_[-span, running[:-1]]
    return np.where(np.r_[False, device[1:] == device[:-1]], previous, -span)


def _twins(rng: np.random.Generator, o: Owners, chosen: Ints, pods: int, days: int | None) -> Twins:
    """Twin spans, positions, seq counters, batteries and machines for chosen sessions."""
    size = chosen.size
    length = np.exp(rng.uniform(np.log(6), np.log(360), size)).astype(np.int64)
    owned = o.sent[chosen]
    lead = rng.integers(-(length - OVERLAP), owned - OVERLAP + 1) if size else chosen
    start = o.start[chosen] + lead * SAMPLE_SECONDS + rng.integers(2, 29, size)
    day_start = o.start[chosen] - o.start[chosen] % DAY
    start = np.maximum(start, day_start + rng.integers(2, 29, size))
    last = np.minimum(day_start + DAY - 60, np.nan_to_num(o.end_ts[chosen], nan=np.inf) - 1)
    length = np.minimum(length, (last - start) // SAMPLE_SECONDS + 1).astype(np.int64)
    end = start + (length - 1) * SAMPLE_SECONDS
    start = np.maximum(start, _previous_end(o.device[chosen], end) + SAMPLE_SECONDS)
    length = np.where(end >= start, (end - start) // SAMPLE_SECONDS + 1, 0)
    keep = length >= OVERLAP
    chosen, start, length = chosen[keep], start[keep], length[keep]
    size = chosen.size
    distance = rng.uniform(15_000, 45_000, size)
    bearing = rng.uniform(0, 2 * np.pi, size)
    base = rng.integers(0, 60_001, pods)[o.device[chosen]]
    device = o.device[chosen]
    return Twins(
        device=device,
        day=o.day[chosen],
        start=start.astype(np.int64),
        samples=length,
        lat=o.lat[chosen] + distance * np.cos(bearing) / M_PER_DEG_LAT,
        lon=o.lon[chosen] + distance * np.sin(bearing) / M_PER_DEG_LON,
        seq=base + group_cumsum(length, device) - length,
        level=rng.uniform(0.3, 0.95, size),
        drain=rng.uniform(0.01, 0.06, size) / 120,
        amps=np.column_stack(
            [
                rng.uniform(5.0, 7.5, size),
                rng.uniform(2.3, 4.2, size),
                rng.uniform(1.6, 2.0, size),
                rng.uniform(0.1, 0.4, size),
            ]
        ),
    )
