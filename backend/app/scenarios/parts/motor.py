"""Motor current: operating states, machine models, site material, cold, and motor wear.

A session is a sequence of operating states (standby, spinning, drilling) drawn as runs:
each sample keeps the previous state with probability ``stickiness`` (0 gives independent
samples, as in the field sample), else a state is drawn from the run's shares. Drilling
current scales with the machine model, the site's material hardness and a per-run load
factor; cold raises every current a little (stiff grease, reversible).

Run ranges: machine models 1-4 with drilling 5.0-7.5 A, spinning 2.3-4.2 A, standby
1.6-2.0 A; state shares standby 0.02-0.20, drilling 0.35-0.70; stickiness 0-0.85; noise
0.05-0.45 A; load spread 0.03-0.20 (relative, per run of drilling); healthy stall rate
0-0.004 per drilling sample; cold gain 0.02-0.12 at full cold.

Motor wear (per faulty device, each manifestation present with a per-run prevalence of
0.25-0.85, at least one): drilling current +8..45 % at failure (or, for worn brushes,
-8..-25 %), standby/spin current +0.2..1.5 A, noise x(1.8..6), stalls (locked-rotor
spikes of 1.4-2.0x drilling current, at most 16 A) up to 1-20 % of drilling samples,
and intermittence (symptoms on some days only, more days as wear grows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.parts import present_names

STANDBY, SPIN, DRILL = 0, 1, 2
ODD_NONE, ODD_INRUSH, ODD_STANDBY, ODD_SPIKY = 0, 1, 2, 3
_MOTOR_SIGNS = ("load", "idle", "noise", "stalls", "intermittent")


@dataclass(frozen=True)
class Machines:
    """Per-device machine currents and the run's operating-state process."""

    drill: Floats
    spin: Floats
    standby: Floats
    noise: Floats
    shares: tuple[float, float, float]
    stickiness: float
    load_spread: float
    stall_rate: float
    cold_gain: float


@dataclass(frozen=True)
class MotorSymptoms:
    """How each device's motor wear shows, at full severity (zeros for healthy motors)."""

    load_gain: Floats
    idle_gain: Floats
    noise_gain: Floats
    stall_rate: Floats
    intermittent: Bools

    def signs(self) -> list[list[str]]:
        """Per device, the names of the manifestations it shows."""
        present = {
            "current_up": self.load_gain > 0,
            "current_down": self.load_gain < 0,
            "idle_current": self.idle_gain > 0,
            "noise": self.noise_gain > 0,
            "stalls": self.stall_rate > 0,
            "intermittent": self.intermittent,
        }
        return present_names(present)


@dataclass(frozen=True)
class Load:
    """Per-sample conditions the current depends on besides the motor itself."""

    first: Bools
    hardness: Floats
    cold: Floats
    severity: Floats
    glitch: Bools
    odd: Ints


def draw_machines(d: Draws, rng: np.random.Generator, n: int) -> Machines:
    """Machine models for the run and one model per device (with a small unit spread)."""
    models = d.integer("machine_models", 1, 4)
    drill = rng.uniform(5.0, 7.5, models)
    spin = rng.uniform(2.3, 4.2, models)
    standby = rng.uniform(1.6, 2.0, models)
    d.fixed("machine_drill_amps", [round(float(a), 2) for a in drill])
    model = rng.integers(0, models, n)
    unit = rng.normal(1.0, 0.03, n)
    noise = d.uniform("current_noise_amps", 0.05, 0.45) * rng.uniform(0.7, 1.3, n)
    standby_share = d.uniform("share_standby", 0.02, 0.20)
    drill_share = d.uniform("share_drilling", 0.35, 0.70)
    machines = Machines(
        drill=drill[model] * unit,
        spin=spin[model] * unit,
        standby=standby[model] * rng.normal(1.0, 0.01, n),
        noise=noise,
        shares=(standby_share, 1.0 - standby_share - drill_share, drill_share),
        stickiness=d.uniform("state_stickiness", 0.0, 0.85),
        load_spread=d.uniform("load_spread", 0.03, 0.20),
        stall_rate=d.uniform("healthy_stall_rate", 0.0, 0.004),
        cold_gain=d.uniform("cold_current_gain", 0.02, 0.12),
    )
    d.summarise("drill_amps", machines.drill)
    return machines


def draw_motor_symptoms(d: Draws, rng: np.random.Generator, faulty: Bools) -> MotorSymptoms:
    """Each faulty motor's own mix of manifestations and their strengths."""
    n = faulty.size
    prevalence = [d.uniform(f"motor_prevalence_{k}", 0.25, 0.85) for k in _MOTOR_SIGNS]
    present = rng.random((n, len(prevalence))) < np.array(prevalence)
    present[np.arange(n), rng.integers(0, len(prevalence), n)] = True
    present &= faulty[:, None]
    brushes = rng.random(n) < d.uniform("motor_share_falling_current", 0.0, 0.25)
    load = np.where(brushes, -rng.uniform(0.08, 0.25, n), rng.uniform(0.08, 0.45, n))
    return MotorSymptoms(
        load_gain=np.where(present[:, 0], load, 0.0),
        idle_gain=np.where(present[:, 1], rng.uniform(0.2, 1.5, n), 0.0),
        noise_gain=np.where(present[:, 2], rng.uniform(0.8, 5.0, n), 0.0),
        stall_rate=np.where(present[:, 3], rng.uniform(0.01, 0.20, n), 0.0),
        intermittent=present[:, 4],
    )


def states(rng: np.random.Generator, m: Machines, first: Bools) -> tuple[Ints, Floats]:
    """Operating state per sample and a load factor per run of equal state."""
    switch = first | (rng.random(first.size) >= m.stickiness)
    run = np.cumsum(switch) - 1
    runs = int(run[-1]) + 1 if run.size else 0
    state = rng.choice(3, size=runs, p=np.array(m.shares))
    load = np.exp(rng.normal(0.0, m.load_spread, runs))
    return state[run].astype(np.int64), load[run]


def currents(
    rng: np.random.Generator,
    m: Machines,
    sym: MotorSymptoms,
    dev: Ints,
    load: Load,
    symptomatic: Bools,
) -> Floats:
    """Motor RMS current per sample, in amps rounded to 2 decimals."""
    state, factor = states(rng, m, load.first)
    s = np.where(symptomatic, load.severity, 0.0)
    drill = m.drill[dev] * load.hardness * factor * (1.0 + sym.load_gain[dev] * s)
    idle = sym.idle_gain[dev] * s
    amps = np.where(
        state == DRILL,
        drill,
        np.where(state == SPIN, m.spin[dev] * np.sqrt(factor) + idle, m.standby[dev] + idle * 0.5),
    )
    amps = amps * (1.0 + m.cold_gain * load.cold)
    spread = np.where(state == STANDBY, 0.3, 1.0) * m.noise[dev] * (1.0 + sym.noise_gain[dev] * s)
    amps = amps + rng.normal(0.0, 1.0, dev.size) * spread
    stall_p = m.stall_rate + sym.stall_rate[dev] * s + np.where(load.glitch, 0.15, 0.0)
    stalled = (state == DRILL) & (rng.random(dev.size) < stall_p)
    amps = np.where(stalled, drill * rng.uniform(1.4, 2.0, dev.size), amps)
    amps = _odd(rng, amps, load)
    rounded: Floats = np.round(np.clip(amps, 0.0, 16.0), 2).astype(np.float64)
    return rounded


def _odd(rng: np.random.Generator, amps: Floats, load: Load) -> Floats:
    """Odd currents on thin days: an inrush spike, standby only, or anything at all."""
    size = amps.size
    amps = np.where(load.first & (load.odd == ODD_INRUSH), rng.uniform(8.0, 12.0, size), amps)
    amps = np.where(load.odd == ODD_STANDBY, rng.normal(1.8, 0.08, size), amps)
    return np.where(load.odd == ODD_SPIKY, rng.uniform(0.5, 10.0, size), amps)
