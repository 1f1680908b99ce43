"""The pod's radio: samples sent but never received (their seq is skipped).

Background loss per pod 0..``loss_max`` (0.1-5 % per run), bursts that lose a stretch
of a session (per session 0-12 %, 2..3-40 samples long), extra loss at some sites
(no-fix sites: 0-30 %). A failing radio loses more and more samples: up to 30-95 % at
failure (exponent 0.5-3), and/or more bursts (+10-60 % of sessions); each manifestation
has a per-run prevalence of 0.3-0.9, at least one present. A failed radio sends nothing
(its failure is always silent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.parts import present_names


@dataclass(frozen=True)
class Radios:
    """Per-pod background loss and the run's burst process."""

    loss: Floats
    burst_rate: float
    burst_max: int


@dataclass(frozen=True)
class RadioSymptoms:
    """How each failing radio shows, at full severity (zeros when healthy)."""

    loss: Floats
    loss_power: Floats
    burst_gain: Floats

    def signs(self) -> list[list[str]]:
        """Per device, the names of the manifestations it shows."""
        return present_names({"losses": self.loss > 0, "bursts": self.burst_gain > 0})


def draw_radios(d: Draws, rng: np.random.Generator, n: int) -> Radios:
    """Radios of the fleet."""
    radios = Radios(
        loss=rng.uniform(0.0, d.uniform("radio_loss_max", 0.001, 0.05), n),
        burst_rate=d.uniform("radio_burst_rate", 0.0, 0.12),
        burst_max=d.integer("radio_burst_max_samples", 3, 40),
    )
    d.summarise("radio_loss", radios.loss)
    return radios


def draw_radio_symptoms(d: Draws, rng: np.random.Generator, faulty: Bools) -> RadioSymptoms:
    """Each failing radio's loss growth and burstiness."""
    n = faulty.size
    prevalence = np.array(
        [d.uniform(f"radio_prevalence_{k}", 0.3, 0.9) for k in ("loss", "bursts")]
    )
    present = rng.random((n, 2)) < prevalence
    present[np.arange(n), rng.integers(0, 2, n)] = True
    present &= faulty[:, None]
    return RadioSymptoms(
        loss=np.where(present[:, 0], rng.uniform(0.3, 0.95, n), 0.0),
        loss_power=rng.uniform(0.5, 3.0, n),
        burst_gain=np.where(present[:, 1], rng.uniform(0.1, 0.6, n), 0.0),
    )


def lost(
    rng: np.random.Generator,
    radios: Radios,
    sym: RadioSymptoms,
    dev: Ints,
    index: Ints,
    extra: Floats,
    severity: Floats,
) -> Bools:
    """Which samples never reach the server."""
    size = dev.size
    p = radios.loss[dev] + extra + sym.loss[dev] * severity ** sym.loss_power[dev]
    gone = rng.random(size) < p
    first = np.flatnonzero(index == 0)
    lengths = np.diff(np.append(first, size))
    burst_p = radios.burst_rate + sym.burst_gain[dev[first]] * severity[first]
    burst = rng.random(first.size) < burst_p
    start = (rng.random(first.size) * lengths).astype(np.int64)
    span = rng.integers(2, radios.burst_max + 1, first.size)
    rel = index
    in_burst = (
        np.repeat(burst, lengths)
        & (rel >= np.repeat(start, lengths))
        & (rel < np.repeat(start + span, lengths))
    )
    return gone | in_burst
