"""Which days each pod exists and can be used: joins, retirements, vacations, idle weeks,
plus the day-level oddities some profiles carry (thin days, transient glitches).

Ranges: a new pod joins on day 10-70 % of the window, a retired pod leaves on day 30-90 %;
vacations are 1-2 stretches of 7-21 days; idle weeks one stretch of 7-42 days that runs
to the window's end for a share 0.3-0.7 of idle pods (ordinary silence that looks like a
failure). Thin days: a share 0.2-0.6 of a pod's active days with 1-10 samples, odd
currents on them for a share 0-0.7 of such pods. Glitches: 1-3 episodes of 1-2 days of
a stalling bit, a lost GPS fix, a radio outage or a pod battery left running.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.parts.motor import ODD_INRUSH, ODD_NONE, ODD_SPIKY, ODD_STANDBY

GLITCH_NONE, GLITCH_MOTOR, GLITCH_GPS, GLITCH_RADIO, GLITCH_BATTERY = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Calendar:
    """Per pod and day: existence, availability and day-level conditions."""

    join_day: Ints
    retire_day: Ints
    available: Bools
    glitch: Ints
    thin_share: Floats
    odd: Ints
    cold: Floats

    @property
    def exists(self) -> Bools:
        """[pods, days]: the pod is in the fleet that day."""
        day = np.arange(self.available.shape[1])
        return (day >= self.join_day[:, None]) & (day < self.retire_day[:, None])


def _stretch(rng: np.random.Generator, mask: Bools, days: int, lo: int, hi: int) -> Bools:
    """One stretch of lo..hi days per masked pod at a random place in the window."""
    n = mask.size
    length = np.minimum(rng.integers(lo, hi + 1, n), max(days - 2, 1))
    start = (rng.random(n) * np.maximum(days - length, 1)).astype(np.int64)
    day = np.arange(days)
    inside: Bools = (day >= start[:, None]) & (day < (start + length)[:, None]) & mask[:, None]
    return inside


def lifecycle(
    d: Draws, rng: np.random.Generator, profile: np.ndarray, days: int
) -> tuple[Ints, Ints, Bools]:
    """Join day, retire day and the days off (vacation or idle) of every pod."""
    n = profile.size
    new = profile == "new_pod"
    retired = profile == "retired_pod"
    join = np.where(new, (rng.uniform(0.1, 0.7, n) * days).astype(np.int64), 0)
    retire = np.where(retired, (rng.uniform(0.3, 0.9, n) * days).astype(np.int64), days)
    retire = np.maximum(retire, np.minimum(join + 1, days))
    vacation = profile == "vacation"
    off = _stretch(rng, vacation, days, 7, 21)
    off |= _stretch(rng, vacation & (rng.random(n) < 0.4), days, 7, 21)
    idle = profile == "idle_weeks"
    idle_off = _stretch(rng, idle, days, 7, 42)
    to_end_share = d.uniform("idle_to_end_share", 0.3, 0.7) if idle.any() else 0.0
    to_end = idle & (rng.random(n) < to_end_share)
    first_idle = np.where(idle_off.any(axis=1), idle_off.argmax(axis=1), days)
    idle_off |= to_end[:, None] & (np.arange(days) >= first_idle[:, None])
    return join.astype(np.int64), retire.astype(np.int64), off | idle_off


def thin_days(d: Draws, rng: np.random.Generator, thin: Bools) -> tuple[Floats, Ints]:
    """Share of thin days per pod, and the odd-current mode on them."""
    n = thin.size
    share = np.where(thin, rng.uniform(0.2, 0.6, n), 0.0)
    odd_share = d.uniform("thin_odd_current_share", 0.0, 0.7) if thin.any() else 0.0
    modes = np.array([ODD_INRUSH, ODD_STANDBY, ODD_SPIKY])
    odd = np.where(thin & (rng.random(n) < odd_share), modes[rng.integers(0, 3, n)], ODD_NONE)
    return share, odd.astype(np.int64)


def glitches(rng: np.random.Generator, glitchy: Bools, days: int) -> Ints:
    """[pods, days] transient glitch kind: 1-3 episodes of 1-2 days per glitchy pod."""
    n = glitchy.size
    out = np.zeros((n, days), dtype=np.int64)
    for episode in range(3):
        chosen = glitchy & (rng.random(n) < (1.0 if episode == 0 else 0.5))
        span = _stretch(rng, chosen, days, 1, 2)
        kind = rng.integers(GLITCH_MOTOR, GLITCH_BATTERY + 1, n)
        out = np.where(span & (out == GLITCH_NONE), kind[:, None], out)
    return out
