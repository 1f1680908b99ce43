"""Rows of one day: every session's samples through the physical parts, plus twins' rows.

Only vectorised work over the day's samples; rows come out ordered by timestamp, then
device_id, then seq.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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

    def take(self, which: Ints | Bools) -> Chunk:
        """The rows picked by an index array or a mask, in that order."""
        return Chunk(**{f.name: getattr(self, f.name)[which] for f in fields(self)})

    @staticmethod
    def join(first: Chunk, second: Chunk) -> Chunk:
        """The rows of both chunks, first's then second's."""
        return Chunk(
            **{
                f.name: np.concatenate([getattr(first, f.name), getattr(second, f.name)])
                for f in fields(first)
            }
        )


def within(counts: Ints) -> Ints:
    """0, 1, ... restarting for each group of the given sizes."""
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if ends.size else 0) - np.repeat(ends - counts, counts)


def day_rows(plan: RunPlan, day: int, rng: np.random.Generator, order: Ints) -> Chunk:
    """All rows received on ``day``; ``order`` ranks pods by device_id text."""
    rows = Chunk.join(_owner_rows(plan, day, rng), _twin_rows(plan, day, rng))
    return rows.take(np.lexsort((rows.seq, order[rows.device], rows.time)))


@dataclass(frozen=True)
class Samples:
    """The day's samples as the pods send them (before radio losses)."""

    session: Ints
    index: Ints
    dev: Ints
    time: Ints
    site: Ints
    glitch: Ints
    kind: Ints
    shown: Floats
    failed: Bools

    def of(self, component: int) -> Floats:
        """How strongly ``component``'s fault shows on each sample (0 for other faults)."""
        return np.where(self.kind == component, self.shown, 0.0)


def _samples(plan: RunPlan, day: int) -> Samples:
    """Expand the day's sessions into samples, with each pod's fault state at that moment."""
    ids = plan.sessions_on(day)
    sent = plan.placed.sent[ids]
    session = np.repeat(ids, sent)
    index = within(sent)
    dev = plan.sessions.device[session]
    time = plan.sessions.start[session] + index * SAMPLE_SECONDS
    since = (time - plan.window.t0).astype(np.float64)
    used = (plan.sessions.usage_start[session] + index * SAMPLE_SECONDS).astype(np.float64)
    damage = faults.severity(plan.faults, dev, since, used)
    return Samples(
        session=session,
        index=index,
        dev=dev,
        time=time,
        site=plan.placed.site[session],
        glitch=plan.calendar.glitch[dev, day],
        kind=plan.faults.kind[dev],
        shown=faults.symptom(plan.faults, dev, damage),
        failed=damage >= 1.0,
    )


def _owner_rows(plan: RunPlan, day: int, rng: np.random.Generator) -> Chunk:
    """The pods' own samples of the day, with every fault, site and weather effect."""
    s = _samples(plan, day)
    amps = _amps(plan, rng, s, day)
    level = plan.placed.power.level(s.session, s.index)
    ratio = amps / plan.parts.machines.drill[s.dev]
    sag = plan.symptoms.battery.sag[s.dev]
    charge = battery.readings(level, sag, s.of(faults.BATTERY), ratio)
    lat, lon = _positions(plan, rng, s)
    extra = plan.sites.radio_loss[s.site] + np.where(s.glitch == cal.GLITCH_RADIO, 0.6, 0.0)
    radios, sym = plan.parts.radios, plan.symptoms.radio
    keep = ~radio.lost(rng, radios, sym, s.dev, s.index, extra, s.of(faults.RADIO))
    tag = tags.heard(rng, plan.parts.tags, plan.placed.tag[s.session])
    seq = plan.placed.seq[s.session] + s.index
    return Chunk(s.time, s.dev, seq, amps, lat, lon, charge, tag).take(keep)


def _positions(plan: RunPlan, rng: np.random.Generator, s: Samples) -> tuple[Floats, Floats]:
    """GPS fixes: none at no-fix sites, on GPS glitch days or from a failed receiver."""
    fixes = gps.Fixes(
        lat=plan.placed.lat[s.session],
        lon=plan.placed.lon[s.session],
        no_fix=plan.sites.no_fix[s.site] | (s.glitch == cal.GLITCH_GPS),
        severity=s.of(faults.GPS),
        failed=s.failed & (s.kind == faults.GPS),
        session=s.session,
        index=s.index,
    )
    return gps.positions(rng, plan.parts.receivers, plan.symptoms.gps, s.dev, fixes)


def _amps(plan: RunPlan, rng: np.random.Generator, s: Samples, day: int) -> Floats:
    """Motor current of the day's samples (intermittent wear shows on some days only)."""
    sym = plan.symptoms.motor
    severity = s.of(faults.MOTOR)
    today = rng.random(plan.pods.profile.size)[s.dev]
    symptomatic: Bools = ~sym.intermittent[s.dev] | (today < 0.25 + 0.75 * severity)
    load = motor.Load(
        first=s.index == 0,
        hardness=plan.sites.hardness[s.site],
        cold=plan.calendar.cold[s.dev, day],
        severity=severity,
        glitch=s.glitch == cal.GLITCH_MOTOR,
        odd=np.where(plan.sessions.thin[s.session], plan.calendar.odd[s.dev], motor.ODD_NONE),
    )
    return motor.currents(rng, plan.parts.machines, sym, s.dev, load, symptomatic)


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
