"""The pod's own battery: cells, their ageing, and the fuel gauge that reports it.

Charge is kept in units of the cell's design capacity. A cell's capacity is its static
spread (0.88-1.04 of design; ``weak_cell`` pods 0.55-0.75, stable) times its state of
health, which fades with a battery fault from 1 to 1 - fade at failure (fade 0.25-0.45,
as real Li-ion cells reach end of life at 55-75 % of their capacity). The gauge reads
charge over ``w * design + (1 - w) * capacity``: a voltage gauge (w = 0) reads 100 % when
full and drains faster as capacity fades; a coulomb counter (w = 1) drains at the same
rate but a full charge reads lower. A run draws the share of counter-like gauges (0-0.6).
Under load an aged cell sags: readings lose up to ``sag`` points (0-12, per faulty cell)
in proportion to the current. Cold locks part of the charge (reversible): a full charge
reads up to ``cold_loss`` lower (0.10-0.35) and the pod draws up to ``cold_drain`` more
(0.1-0.5). On the first working day after 2+ idle days an aged cell shows back a share
0-0.3 of the capacity it lost (as the NASA cells do after rest breaks); its latent
condition does not recover.

Run ranges: 1-3 battery models of 0.6-1.6 x a reference size; operating drain 1.5-8 % of
the reference per hour of use, idle drain 0.3-4 % per day (both divided by the pod's
model size, x0.85-1.15 and x0.7-1.3 per pod).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scenarios.draws import Bools, Draws, Floats, Ints
from app.scenarios.parts import present_names

SAMPLES_PER_HOUR = 120


@dataclass(frozen=True)
class Cells:
    """Per-pod cell and gauge, and the run's cold response."""

    capacity: Floats
    op_drain: Floats
    idle_drain: Floats
    gauge_w: Floats
    cold_loss: float
    cold_drain: float
    recovery: float


@dataclass(frozen=True)
class BatterySymptoms:
    """Capacity lost at failure and load sag at full severity (zeros for healthy cells)."""

    fade: Floats
    sag: Floats

    def signs(self) -> list[list[str]]:
        """Per device, the names of the manifestations it shows."""
        return present_names({"capacity_fade": self.fade > 0, "load_sag": self.sag > 0})


def draw_cells(d: Draws, rng: np.random.Generator, weak: Bools) -> Cells:
    """Cells of the fleet: capacity spread, drains, gauge type."""
    n = weak.size
    capacity = np.where(weak, rng.uniform(0.55, 0.75, n), rng.uniform(0.88, 1.04, n))
    sizes = rng.uniform(0.6, 1.6, d.integer("battery_models", 1, 3))
    d.fixed("battery_model_sizes", [round(float(s), 3) for s in sizes])
    size = sizes[rng.integers(0, sizes.size, n)]
    counters = rng.random(n) < d.uniform("gauge_counter_share", 0.0, 0.6)
    cells = Cells(
        capacity=capacity,
        op_drain=d.uniform("drain_pct_per_hour", 1.5, 8.0)
        / 100
        * rng.uniform(0.85, 1.15, n)
        / size,
        idle_drain=d.uniform("idle_drain_pct_per_day", 0.3, 4.0)
        / 2400
        * rng.uniform(0.7, 1.3, n)
        / size,
        gauge_w=np.where(counters, rng.uniform(0.5, 1.0, n), 0.0),
        cold_loss=d.uniform("cold_capacity_loss", 0.10, 0.35),
        cold_drain=d.uniform("cold_extra_drain", 0.1, 0.5),
        recovery=d.uniform("rest_recovery_share", 0.0, 0.3),
    )
    d.summarise("cell_capacity", cells.capacity)
    d.summarise("drain_per_hour", cells.op_drain)
    return cells


def draw_battery_symptoms(d: Draws, rng: np.random.Generator, faulty: Bools) -> BatterySymptoms:
    """Each faulty cell's fade at end of life and its load sag."""
    n = faulty.size
    sagging = rng.random(n) < d.uniform("battery_prevalence_sag", 0.2, 0.8)
    return BatterySymptoms(
        fade=np.where(faulty, rng.uniform(0.25, 0.45, n), 0.0),
        sag=np.where(faulty & sagging, rng.uniform(2.0, 12.0, n), 0.0),
    )


def health(
    cells: Cells, sym: BatterySymptoms, dev: Ints, severity: Floats, rested: Bools
) -> Floats:
    """Capacity / fresh capacity at the given severity; briefly higher after a rest."""
    soh: Floats = 1.0 - sym.fade[dev] * severity
    return soh + rested * cells.recovery * (1.0 - soh)


def readings(level: Floats, sag: Floats, severity: Floats, load_ratio: Floats) -> np.ndarray:
    """Gauge readings (integer %, 0..100) from the unloaded level and the load sag."""
    shown = level * 100.0 - sag * severity * np.clip(load_ratio, 0.0, 2.0)
    return np.clip(np.floor(shown + 0.5), 0, 100).astype(np.int64)
