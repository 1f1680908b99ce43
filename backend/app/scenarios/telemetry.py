"""Rows of one day: every session's samples through the physical parts, plus twins' rows.

Only vectorised work over the day's samples; rows come out ordered by timestamp, then
device_id, then seq.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Floats, Ints
from app.scenarios.parts import battery, gps, motor, radio, tags
from app.scenarios.plan import calendar as cal
from app.scenarios.plan import faults
from app.scenarios.plan.build import RunPlan
from app.scenarios.window import SAMPLE_SECONDS


@dataclass(frozen=True)
class Chunk:
    """Rows as columns: epoch seconds, pod index, seq, amps, lat, lon, battery %, tag index."""

    time: Ints
    device: Ints
    seq: Ints
    amps: Floats
    lat: Floats
    lon: Floats
    battery: Ints
    tag: Ints

    def __len__(self) -> int:
        return int(self.time.size)


COLUMNS = tuple(Chunk.__dataclass_fields__)


def within(counts: Ints) -> Ints:
    """0, 1, ... restarting for each group of the given sizes."""
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if ends.size else 0) - np.repeat(ends - counts, counts)


def day_rows(plan: RunPlan, day: int, rng: np.random.Generator, order: Ints) -> Chunk:
    """All rows received on ``day``; ``order`` ranks pods by device_id text."""
    own, twin = _owner_rows(plan, day, rng), _twin_rows(plan, day, rng)
    columns = [np.concatenate([getattr(own, f), getattr(twin, f)]) for f in COLUMNS]
    time, device, seq = columns[0], columns[1], columns[2]
    sort = np.lexsort((seq, order[device], time))
    return Chunk(*(column[sort] for column in columns))


def _owner_rows(plan: RunPlan, day: int, rng: np.random.Generator) -> Chunk:
    """The pods' own samples of the day, with every fault, site and weather effect."""
    ids = plan.sessions_on(day)
    sent = plan.placed.sent[ids]
    session = np.repeat(ids, sent)
    index = within(sent)
    dev = plan.sessions.device[session]
    time = plan.sessions.start[session] + index * SAMPLE_SECONDS
    since = (time - plan.window.t0).astype(np.float64)
    used = (plan.sessions.usage_start[session] + index * SAMPLE_SECONDS).astype(np.float64)
    damage = faults.severity(plan.faults, dev, since, used)
    shown = faults.symptom(plan.faults, dev, damage)
    kind = plan.faults.kind[dev]

    def of(component: int) -> Floats:
        return np.where(kind == component, shown, 0.0)

    failed = damage >= 1.0
    site = plan.placed.site[session]
    glitch = plan.calendar.glitch[dev, day]
    amps = _amps(plan, rng, dev, session, index, site, glitch, of(faults.MOTOR), day)
    sym = plan.symptoms
    level = plan.placed.power.level(session, index)
    ratio = amps / plan.parts.machines.drill[dev]
    charge = battery.readings(level, sym.battery.sag[dev], of(faults.BATTERY), ratio)
    fixes = gps.Fixes(
        lat=plan.placed.lat[session],
        lon=plan.placed.lon[session],
        no_fix=plan.sites.no_fix[site] | (glitch == cal.GLITCH_GPS),
        severity=of(faults.GPS),
        failed=failed & (kind == faults.GPS),
        session=session,
        index=index,
    )
    lat, lon = gps.positions(rng, plan.parts.receivers, sym.gps, dev, fixes)
    extra = plan.sites.radio_loss[site] + np.where(glitch == cal.GLITCH_RADIO, 0.6, 0.0)
    gone = radio.lost(
        rng,
        plan.parts.radios,
        sym.radio,
        dev,
        index,
        extra,
        of(faults.RADIO),
    )
    tag = tags.heard(rng, plan.parts.tags, plan.placed.tag[session])
    seq = plan.placed.seq[session] + index
    keep = ~gone
    return Chunk(
        time[keep], dev[keep], seq[keep], amps[keep], lat[keep], lon[keep], charge[keep], tag[keep]
    )


def _amps(
    plan: RunPlan,
    rng: np.random.Generator,
    dev: Ints,
    session: Ints,
    index: Ints,
    site: Ints,
    glitch: Ints,
    severity: Floats,
    day: int,
) -> Floats:
    """Motor current of the day's samples (intermittent wear shows on some days only)."""
    sym = plan.symptoms.motor
    today = rng.random(plan.pods.profile.size)[dev]
    symptomatic: Bools = ~sym.intermittent[dev] | (today < 0.25 + 0.75 * severity)
    thin = plan.sessions.thin[session]
    load = motor.Load(
        first=index == 0,
        hardness=plan.sites.hardness[site],
        cold=plan.calendar.cold[dev, day],
        severity=severity,
        glitch=glitch == cal.GLITCH_MOTOR,
        odd=np.where(thin, plan.calendar.odd[dev], motor.ODD_NONE),
    )
    return motor.currents(rng, plan.parts.machines, sym, dev, load, symptomatic)


def _twin_rows(plan: RunPlan, day: int, rng: np.random.Generator) -> Chunk:
    """Rows of second pods reporting under another pod's id (no faults, no losses)."""
    twins = plan.twins
    ids = np.flatnonzero(twins.day == day)
    counts = twins.samples[ids]
    episode = np.repeat(ids, counts)
    index = within(counts)
    size = episode.size
    amps = twins.amps
    machines = plan.parts.machines
    own = motor.Machines(
        drill=amps[:, 0],
        spin=amps[:, 1],
        standby=amps[:, 2],
        noise=amps[:, 3],
        shares=machines.shares,
        stickiness=machines.stickiness,
        load_spread=machines.load_spread,
        stall_rate=machines.stall_rate,
        cold_gain=0.0,
    )
    zeros = np.zeros(amps.shape[0])
    healthy = motor.MotorSymptoms(zeros, zeros, zeros, zeros, zeros.astype(np.bool_))
    load = motor.Load(
        first=index == 0,
        hardness=np.ones(size),
        cold=np.zeros(size),
        severity=np.zeros(size),
        glitch=np.zeros(size, dtype=np.bool_),
        odd=np.zeros(size, dtype=np.int64),
    )
    current = motor.currents(rng, own, healthy, episode, load, np.ones(size, dtype=np.bool_))
    jitter = plan.parts.receivers.jitter_m.mean() if plan.pods.profile.size else 10.0
    level = twins.level[episode] - twins.drain[episode] * index
    return Chunk(
        time=twins.start[episode] + index * SAMPLE_SECONDS,
        device=twins.device[episode],
        seq=twins.seq[episode] + index,
        amps=current,
        lat=np.round(twins.lat[episode] + rng.normal(0, jitter, size) / gps.M_PER_DEG_LAT, 6),
        lon=np.round(twins.lon[episode] + rng.normal(0, jitter, size) / gps.M_PER_DEG_LON, 6),
        battery=np.clip(np.floor(level * 100 + 0.5), 0, 100).astype(np.int64),
        tag=np.full(size, tags.NO_TAG, dtype=np.int64),
    )
