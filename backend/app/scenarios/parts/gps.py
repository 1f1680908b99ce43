"""GPS fixes: the job spot at a site, receiver jitter, lost fixes and a failing receiver.

Reception is a property of the place: at a no-fix site (basement, garage, tunnel) no pod
gets a fix. Elsewhere a pod loses a fix now and then (per pod 0..``fix_loss`` with
``fix_loss`` 0-0.04 per run). Jitter 4-45 m per run (x0.6-1.5 per pod), job spot within
a site 10-150 m. A failed receiver gives no fix at all. Before that, each faulty receiver
shows a mix (per-run prevalence 0.25-0.85 each, at least one): fixes lost more and more
(up to 30-100 % at failure, with an exponent 0.5-3 shaping when), jitter growing x3-40,
jumps of 0.5-20 km (up to 2-20 % of samples), and a frozen position (the same
coordinates repeated for the rest of a session; up to 10-60 % of sessions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.parts import present_names

M_PER_DEG_LAT = 111_320.0
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(52.5))


@dataclass(frozen=True)
class Receivers:
    """Per-pod fix loss and jitter, and the run's job-spot spread."""

    fix_loss: Floats
    jitter_m: Floats
    spot_m: float


@dataclass(frozen=True)
class GpsSymptoms:
    """How each failing receiver shows, at full severity (zeros when healthy)."""

    loss: Floats
    loss_power: Floats
    jitter_gain: Floats
    jump_rate: Floats
    freeze_rate: Floats

    def signs(self) -> list[list[str]]:
        """Per device, the names of the manifestations it shows."""
        return present_names(
            {
                "fix_loss": self.loss > 0,
                "jitter": self.jitter_gain > 0,
                "jumps": self.jump_rate > 0,
                "frozen": self.freeze_rate > 0,
            }
        )


@dataclass(frozen=True)
class Fixes:
    """Per-sample inputs of the position model."""

    lat: Floats
    lon: Floats
    no_fix: Bools
    severity: Floats
    failed: Bools
    session: Ints
    index: Ints


def draw_receivers(d: Draws, rng: np.random.Generator, n: int) -> Receivers:
    """Receivers of the fleet."""
    receivers = Receivers(
        fix_loss=rng.uniform(0.0, d.uniform("fix_loss_max", 0.0, 0.04), n),
        jitter_m=d.uniform("gps_jitter_m", 4.0, 45.0) * rng.uniform(0.6, 1.5, n),
        spot_m=d.uniform("job_spot_m", 10.0, 150.0),
    )
    d.summarise("gps_jitter_m", receivers.jitter_m)
    return receivers


def draw_gps_symptoms(d: Draws, rng: np.random.Generator, faulty: Bools) -> GpsSymptoms:
    """Each failing receiver's own mix of manifestations."""
    n = faulty.size
    signs = ("loss", "jitter", "jumps", "freeze")
    prevalence = np.array([d.uniform(f"gps_prevalence_{k}", 0.25, 0.85) for k in signs])
    present = rng.random((n, len(signs))) < prevalence
    present[np.arange(n), rng.integers(0, len(signs), n)] = True
    present &= faulty[:, None]
    return GpsSymptoms(
        loss=np.where(present[:, 0], rng.uniform(0.3, 1.0, n), 0.0),
        loss_power=rng.uniform(0.5, 3.0, n),
        jitter_gain=np.where(present[:, 1], rng.uniform(2.0, 39.0, n), 0.0),
        jump_rate=np.where(present[:, 2], rng.uniform(0.02, 0.20, n), 0.0),
        freeze_rate=np.where(present[:, 3], rng.uniform(0.10, 0.60, n), 0.0),
    )


def positions(
    rng: np.random.Generator, rx: Receivers, sym: GpsSymptoms, dev: Ints, f: Fixes
) -> tuple[Floats, Floats]:
    """Latitude and longitude per sample (NaN without a fix), rounded to 6 decimals."""
    size = dev.size
    s = f.severity
    jitter = rx.jitter_m[dev] * (1.0 + sym.jitter_gain[dev] * s)
    north = rng.normal(0.0, 1.0, size) * jitter
    east = rng.normal(0.0, 1.0, size) * jitter
    jump = rng.random(size) < sym.jump_rate[dev] * s
    distance = rng.uniform(500.0, 20_000.0, size)
    bearing = rng.uniform(0.0, 2 * np.pi, size)
    north = np.where(jump, distance * np.cos(bearing), north)
    east = np.where(jump, distance * np.sin(bearing), east)
    lat = f.lat + north / M_PER_DEG_LAT
    lon = f.lon + east / M_PER_DEG_LON
    lat, lon = _freeze(rng, sym, dev, f, lat, lon)
    lost = rng.random(size) < rx.fix_loss[dev] + sym.loss[dev] * s ** sym.loss_power[dev]
    lost |= f.no_fix | f.failed
    return np.where(lost, np.nan, np.round(lat, 6)), np.where(lost, np.nan, np.round(lon, 6))


def _freeze(
    rng: np.random.Generator, sym: GpsSymptoms, dev: Ints, f: Fixes, lat: Floats, lon: Floats
) -> tuple[Floats, Floats]:
    """A frozen receiver repeats one fix for the rest of the session."""
    first = np.flatnonzero(f.index == 0)
    lengths = np.diff(np.append(first, dev.size))
    frozen = rng.random(first.size) < sym.freeze_rate[dev[first]] * f.severity[first]
    start = (rng.random(first.size) * lengths).astype(np.int64)
    anchor = np.repeat(first + start, lengths)
    hit = np.repeat(frozen, lengths) & (f.index >= np.repeat(start, lengths))
    return np.where(hit, lat[anchor], lat), np.where(hit, lon[anchor], lon)
