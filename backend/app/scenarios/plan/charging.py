"""The pod battery through the window: drain in use, idle drain, charging habits, flat pods.

Run ranges: charge across a night with probability 0.2-0.95 (per pod x0.7-1.3), when the
gauge reads below 15-50 % with probability 0.6-1.0, top up in a day-time break of 30 min
or more 0-0.3 (heavy users +0.3), charging speed 25-60 % of design capacity per hour.
``flat_battery`` pods forget: 0.01-0.05 a night and 0.02-0.10 when low, never top up,
and start the window at 5-30 %, so they run flat and stay silent for days (healthy
cells). A flat pod sends nothing until charged, while its machine goes on working.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.parts.battery import SAMPLES_PER_HOUR, Cells
from app.scenarios.window import SAMPLE_SECONDS


@dataclass(frozen=True)
class Habits:
    """Per pod: how its operator charges it."""

    overnight: Floats
    low: Floats
    threshold: Floats
    topup: Floats
    rate: Floats
    forgetful: Bools


@dataclass(frozen=True)
class Power:
    """Per session: charge at its start, drain per sample, gauge scale, samples alive, and
    the charge a full cell holds then."""

    charge: Floats
    drain: Floats
    locked: Floats
    scale: Floats
    alive: Ints
    full: Floats

    def level(self, session: Ints, index: Ints) -> Floats:
        """Unloaded gauge level (0..1) of each sample."""
        left = self.charge[session] - self.drain[session] * index - self.locked[session]
        return np.maximum(left, 0.0) / self.scale[session]


@dataclass(frozen=True)
class Battery:
    """Per session inputs of the battery: state of health, cold, a battery left running."""

    health: Floats
    cold: Floats
    left_on: Bools
    sent_cap: Ints


def draw_habits(d: Draws, rng: np.random.Generator, heavy: Bools, forgetful: Bools) -> Habits:
    """Charging habits of the fleet."""
    n = heavy.size
    overnight = np.clip(d.uniform("charge_overnight", 0.2, 0.95) * rng.uniform(0.7, 1.3, n), 0, 1)
    low = rng.uniform(d.uniform("charge_when_low_min", 0.6, 0.9), 1.0, n)
    habits = Habits(
        overnight=np.where(forgetful, rng.uniform(0.01, 0.05, n), overnight),
        low=np.where(forgetful, rng.uniform(0.02, 0.10, n), low),
        threshold=d.uniform("charge_threshold_pct", 15, 50) / 100 * rng.uniform(0.8, 1.2, n),
        topup=np.where(forgetful, 0.0, d.uniform("topup_share", 0.0, 0.3) + heavy * 0.3),
        rate=rng.uniform(0.25, 0.60, n),
        forgetful=forgetful,
    )
    d.summarise("charge_overnight", habits.overnight)
    return habits


def rank_matrix(device: Ints, pods: int) -> Ints:
    """[pods, max sessions]: session indices per pod in time order, -1 padded."""
    counts = np.bincount(device, minlength=pods)
    width = int(counts.max()) if counts.size and device.size else 0
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    rank = np.arange(device.size) - starts[device]
    matrix = np.full((pods, width), -1, dtype=np.int64)
    matrix[device, rank] = np.arange(device.size)
    return matrix


def run_power(
    rng: np.random.Generator,
    cells: Cells,
    habits: Habits,
    sessions: tuple[Ints, Ints, Ints, Ints],
    battery: Battery,
    fresh: Bools,
) -> Power:
    """Charge state session by session (vectorised over pods, one step per session rank)."""
    device, day, start, samples = sessions
    pods = fresh.size
    power = _gauge(cells, battery, device)
    q = np.where(fresh, rng.uniform(0.9, 1.0, pods), rng.uniform(0.4, 1.0, pods))
    q = np.where(habits.forgetful, rng.uniform(0.05, 0.3, pods), q) * cells.capacity
    last_end = np.full(pods, np.nan)
    last_day = np.full(pods, -1, dtype=np.int64)
    for column in rank_matrix(device, pods).T:
        pod = np.flatnonzero(column >= 0)
        s = column[pod]
        rest = Rest(hours=(start[s] - last_end[pod]) / 3600, night=day[s] != last_day[pod])
        q_pod = _after_rest(rng, cells, habits, power, battery, pod, s, q[pod], rest)
        usable = q_pod - power.locked[s]
        lasts = np.where(usable > 0, np.floor(usable / power.drain[s]).astype(np.int64) + 1, 0)
        used = np.minimum(np.minimum(lasts, samples[s]), battery.sent_cap[s])
        power.charge[s] = q_pod
        power.alive[s] = lasts
        q[pod] = np.maximum(q_pod - power.drain[s] * used, 0.0)
        last_end[pod] = start[s] + (samples[s] - 1) * SAMPLE_SECONDS
        last_day[pod] = day[s]
    return power


@dataclass(frozen=True)
class Rest:
    """The break before a session: hours (NaN before a pod's first session), across a night."""

    hours: Floats
    night: Bools


def _gauge(cells: Cells, battery: Battery, device: Ints) -> Power:
    """Per session: capacity locked by cold, gauge scale and drain (charge filled in later)."""
    qmax = cells.capacity[device] * battery.health
    w = cells.gauge_w[device]
    return Power(
        charge=np.zeros(device.size),
        drain=cells.op_drain[device] * (1 + cells.cold_drain * battery.cold) / SAMPLES_PER_HOUR,
        locked=cells.cold_loss * battery.cold * qmax,
        scale=w * cells.capacity[device] + (1 - w) * qmax,
        alive=np.zeros(device.size, dtype=np.int64),
        full=qmax,
    )


def _after_rest(
    rng: np.random.Generator,
    cells: Cells,
    habits: Habits,
    power: Power,
    battery: Battery,
    pod: Ints,
    s: Ints,
    q: Floats,
    rest: Rest,
) -> Floats:
    """Charge at a session's start: idle drain, a pod left running, maybe a charge."""
    known = ~np.isnan(rest.hours)
    hours = np.nan_to_num(rest.hours)
    q = q - cells.idle_drain[pod] * hours
    q = np.maximum(q - battery.left_on[s] * rng.uniform(0.3, 0.7, s.size) * power.full[s], 0.0)
    reading = np.maximum(q - power.locked[s], 0.0) / power.scale[s]
    odds = np.where(rest.night, habits.overnight[pod], (hours >= 0.5) * habits.topup[pod])
    odds = np.where(reading < habits.threshold[pod], np.maximum(odds, habits.low[pod]), odds)
    plugged = known & (rng.random(s.size) < odds)
    hours_on = np.where(rest.night, np.minimum(hours, 10.0), hours)
    q = np.where(plugged, q + habits.rate[pod] * hours_on, q)
    return np.minimum(q, power.full[s])
