"""One simulated day of the whole fleet, generated in device blocks to bound memory."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.simulation.faults import component_severity, radio_lost
from app.simulation.pod import (
    DEAD_BELOW,
    PodState,
    battery_levels,
    end_of_day,
    move_sites,
    seq_starts,
)
from app.simulation.profiles import BATTERY, GPS, MAX_TAGS, MOTOR, NO_GPS_SITE, RADIO, Fleet
from app.simulation.sessions import expand, plan_sessions
from app.simulation.usage import current_amp, operating_states, positions, tags

# Devices generated together; bounds the temporaries of a block to tens of MB.
BLOCK = 2_000
DAY_STREAM = 1


@dataclass(frozen=True)
class DayTelemetry:
    """Rows of one day in the output schema (device and tag as indexes, NaN = no GPS fix)."""

    ts: NDArray[np.int64]
    dev: NDArray[np.int32]
    seq: NDArray[np.int64]
    current: NDArray[np.float64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    battery: NDArray[np.int16]
    tag: NDArray[np.int32]

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def concat(cls, parts: list[DayTelemetry]) -> DayTelemetry:
        """All parts in one, ordered by time then device (the sample's order)."""
        names = ("ts", "dev", "seq", "current", "lat", "lon", "battery", "tag")
        joined = {name: np.concatenate([getattr(p, name) for p in parts]) for name in names}
        order = np.lexsort((joined["dev"], joined["ts"]))
        return cls(**{name: values[order] for name, values in joined.items()})


def simulate_day(fleet: Fleet, state: PodState, day: int, seed: int) -> DayTelemetry:
    """Telemetry of every device on ``day``; advances ``state`` to the next morning."""
    parts = []
    for block, low in enumerate(range(0, fleet.size, BLOCK)):
        part = slice(low, min(low + BLOCK, fleet.size))
        rng = np.random.default_rng([seed, DAY_STREAM, day, block])
        parts.append(_simulate_block(fleet.subset(part), state.subset(part), day, rng, low))
    return DayTelemetry.concat(parts)


def _simulate_block(
    fleet: Fleet, state: PodState, day: int, rng: np.random.Generator, offset: int
) -> DayTelemetry:
    """One block of devices for one day; ``offset`` turns local into fleet-wide indexes."""
    sessions = plan_sessions(fleet, day, rng)
    move_sites(state, sessions, rng)
    rows = expand(sessions)
    ts = rows.ts.astype(np.float64)
    sev = {c: component_severity(fleet, rows.dev, ts, c) for c in (MOTOR, BATTERY, GPS, RADIO)}
    current = current_amp(fleet, rows.dev, operating_states(len(ts), rng), sev[MOTOR], rng)
    no_fix = fleet.profile[rows.dev] == NO_GPS_SITE
    lat, lon = positions(
        (state.site_lat, state.site_lon), rows, len(sessions.dev), sev[GPS], no_fix, rng
    )
    tag = tags(fleet, sessions, rows, rng)
    starts = seq_starts(state, sessions, rng)
    level, used = battery_levels(state, fleet, rows, sev[BATTERY], rng)
    lost = radio_lost(sev[RADIO], rng)
    end_of_day(state, fleet, sessions, starts, used, day, rng)
    in_service = (ts >= fleet.joined[rows.dev]) & (ts < fleet.service_end[rows.dev])
    keep = in_service & ~lost & (level >= DEAD_BELOW)
    return DayTelemetry(
        ts=rows.ts[keep],
        dev=(rows.dev[keep] + offset).astype(np.int32),
        seq=(starts[rows.sess] + rows.k)[keep],
        current=current[keep],
        lat=lat[keep],
        lon=lon[keep],
        battery=np.clip(np.rint(level[keep]), 0, 100).astype(np.int16),
        tag=np.where(tag >= 0, tag + offset * MAX_TAGS, -1)[keep].astype(np.int32),
    )
