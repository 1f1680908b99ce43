"""What a pod measures while the machine runs: current by operating state, position, tool tags."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.simulation.faults import METRES_PER_DEG_LAT, gps_jumps, gps_missing, motor_wear
from app.simulation.profiles import MAX_TAGS, SITE_LAT, SITE_LON, Fleet
from app.simulation.sessions import Rows, Sessions

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

STANDBY, SPIN, DRILL = 0, 1, 2
# Mean run length in samples, read off the field sample's state transitions
# (DRILL stays DRILL 59 % of the time, SPIN stays SPIN 40 %).
MEAN_RUN = np.array([1.1, 1.66, 2.45])
STANDBY_SEGMENT_SHARE = 0.05
JITTER_M = 35.0
SESSION_SPREAD_M = 15.0
TAG_SEEN = 0.88


def operating_states(n: int, rng: np.random.Generator) -> Ints:
    """DRILL bursts alternating with SPIN, now and then a STANDBY pause."""
    parts: list[Ints] = [np.zeros(0, dtype=np.int64)]
    total = 0
    parity = int(rng.integers(2))
    while total < n:
        m = n // 2 + 16
        kinds = SPIN + (np.arange(m) + parity) % 2
        kinds[rng.random(m) < STANDBY_SEGMENT_SHARE] = STANDBY
        lengths = rng.geometric(1.0 / MEAN_RUN[kinds])
        parts.append(np.repeat(kinds, lengths))
        total += int(lengths.sum())
    return np.concatenate(parts)[:n].astype(np.int64)


def current_amp(
    fleet: Fleet, dev: Ints, states: Ints, motor_sev: Floats, rng: np.random.Generator
) -> Floats:
    """Current per sample: the sample's band per state, the device's own drilling band, wear."""
    n = len(dev)
    u = rng.random(n)
    shape = fleet.drill_shape[dev]
    drill = fleet.drill_low[dev] + fleet.drill_span[dev] * rng.beta(shape, shape)
    current = np.select(
        [states == STANDBY, states == SPIN], [1.64 + 0.36 * u, 2.01 + 2.49 * u], drill
    )
    worn = motor_wear(current, states == DRILL, motor_sev, rng)
    return np.round(np.where(motor_sev > 0, worn, current), 2).astype(np.float64)


def new_sites(count: int, rng: np.random.Generator) -> tuple[Floats, Floats]:
    """Centres of ``count`` freshly drawn job sites."""
    return rng.uniform(*SITE_LAT, count), rng.uniform(*SITE_LON, count)


def positions(
    site: tuple[Floats, Floats],
    rows: Rows,
    n_sessions: int,
    gps_sev: Floats,
    no_reception: Bools,
    rng: np.random.Generator,
) -> tuple[Floats, Floats]:
    """GPS fixes jittering around the device's job site; NaN where there is no fix."""
    n = len(rows.dev)
    spot = rng.normal(0.0, SESSION_SPREAD_M, (2, n_sessions))
    north = (spot[0][rows.sess] + rng.normal(0.0, JITTER_M, n)) / METRES_PER_DEG_LAT
    east = (spot[1][rows.sess] + rng.normal(0.0, JITTER_M, n)) / METRES_PER_DEG_LAT
    lat = site[0][rows.dev] + north
    lon = site[1][rows.dev] + east / np.cos(np.radians(lat))
    lat, lon = gps_jumps(lat, lon, gps_sev, rng)
    missing = gps_missing(gps_sev, no_reception, rng)
    return (
        np.where(missing, np.nan, np.round(lat, 6)),
        np.where(missing, np.nan, np.round(lon, 6)),
    )


def tags(fleet: Fleet, sessions: Sessions, rows: Rows, rng: np.random.Generator) -> Ints:
    """Tag index per sample (-1 = none): some sessions use a tagged tool, seen most of the time."""
    tagged = rng.random(len(sessions.dev)) < fleet.tag_prob[sessions.dev]
    which = rng.integers(0, fleet.n_tags[sessions.dev])
    code = np.where(tagged, sessions.dev * MAX_TAGS + which, -1)
    seen = rng.random(len(rows.dev)) < TAG_SEEN
    return np.where(seen, code[rows.sess], -1)
