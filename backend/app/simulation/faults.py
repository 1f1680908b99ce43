"""Injected degradations: severity ramps and how each one shows in the telemetry.

Severity of a fault is 0 before its onset and rises linearly to 1 at its failure time;
the latent condition written as ground truth is ``1 - severity`` (1 healthy, 0 failed).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.simulation.profiles import BATTERY, DAY, GPS, MOTOR, RADIO, Fleet

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

BACKGROUND_GPS_MISSING = 0.002
BACKGROUND_LOST = 0.002
METRES_PER_DEG_LAT = 111_320.0


def severity(ts: Floats, onset: Floats, failure: Floats) -> Floats:
    """Linear ramp 0 -> 1 from onset to failure; 0 where there is no fault (onset = inf)."""
    with np.errstate(invalid="ignore"):
        ramp = (ts - onset) / (failure - onset)
    return np.clip(np.nan_to_num(ramp, nan=0.0, neginf=0.0, posinf=0.0), 0.0, 1.0)


def component_severity(fleet: Fleet, dev: Ints, ts: Floats, component: int) -> Floats:
    """Severity of ``component`` for each (device, time) pair; 0 on devices without that fault."""
    sev = severity(ts, fleet.onset[dev], fleet.failure[dev])
    return np.where(fleet.fault[dev] == component, sev, 0.0)


def daily_conditions(fleet: Fleet, day: int) -> Floats:
    """Latent condition per device (rows) and component (motor, battery, gps, radio) at day end."""
    day_end = np.full(fleet.size, float(fleet.start + (day + 1) * DAY))
    sev = severity(day_end, fleet.onset, fleet.failure)
    kinds = np.array([MOTOR, BATTERY, GPS, RADIO])
    hit = fleet.fault[:, None] == kinds[None, :]
    return np.where(hit, 1.0 - sev[:, None], 1.0)


def motor_wear(current: Floats, drilling: Bools, sev: Floats, rng: np.random.Generator) -> Floats:
    """Worn motor: drilling current drifts up, grows noisy and spiky; spinning rises a little."""
    n = len(current)
    drift = np.where(drilling, 2.4 * sev, 0.5 * sev)
    noise = rng.normal(0.0, 1.0, n) * np.where(drilling, 1.8 * sev, 0.3 * sev)
    spikes = (rng.random(n) < 0.2 * sev) & drilling
    jolt = np.where(spikes, rng.uniform(2.5, 5.0, n), 0.0)
    return np.clip(current + drift + noise + jolt, 0.0, 25.0)


def battery_drain(rate_per_row: Floats, sev: Floats, rng: np.random.Generator) -> Floats:
    """Charge used per sample: an aged cell drains up to 7x faster and drops suddenly."""
    n = len(rate_per_row)
    drops = np.where(rng.random(n) < 0.01 * sev, rng.uniform(4.0, 18.0, n), 0.0)
    return rate_per_row * (1.0 + 6.0 * sev) + drops


def battery_capacity(capacity: Floats, sev: Floats) -> Floats:
    """Level an overnight charge reaches: an aged cell holds less."""
    return capacity * (1.0 - 0.55 * sev)


def gps_missing(sev: Floats, no_reception: Bools, rng: np.random.Generator) -> Bools:
    """Samples without a fix: a rare background, a growing share when faulty, all when failed."""
    chance = BACKGROUND_GPS_MISSING + 0.75 * sev
    return no_reception | (sev >= 1.0) | (rng.random(len(sev)) < chance)


def gps_jumps(
    lat: Floats, lon: Floats, sev: Floats, rng: np.random.Generator
) -> tuple[Floats, Floats]:
    """A faulty receiver reports some fixes 0.5-20 km off the real position."""
    n = len(sev)
    jump = rng.random(n) < 0.2 * sev
    distance = rng.uniform(500.0, 20_000.0, n) / METRES_PER_DEG_LAT
    bearing = rng.uniform(0.0, 2 * np.pi, n)
    dlat = np.where(jump, distance * np.cos(bearing), 0.0)
    dlon = np.where(jump, distance * np.sin(bearing) / np.cos(np.radians(lat)), 0.0)
    return lat + dlat, lon + dlon


def radio_lost(sev: Floats, rng: np.random.Generator) -> Bools:
    """Samples the pod sent but nobody received: rare background, growing with a radio fault."""
    return rng.random(len(sev)) < BACKGROUND_LOST + 0.55 * sev
