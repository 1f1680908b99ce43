"""Where evaluated fleets come from: the project's own simulator or a scenario family.

The own simulator (``simulator``) is a unit-test fixture the model was first built on;
the scenario families (``app.scenarios``) are an independently written generator whose
parameters are drawn per run from wide ranges. Both write telemetry in the field
sample's schema and ground truth in the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.core.errors import BadInput

SIMULATOR = "simulator"


@dataclass(frozen=True)
class FleetFiles:
    """A simulated fleet's telemetry and ground truth."""

    source: str
    telemetry: Path
    devices: Path
    daily: Path
    collisions: Path | None
    start: date


def families() -> list[str]:
    """Every scenario family, in the generator's order."""
    from app.scenarios import FAMILIES

    return list(FAMILIES)


def sources() -> list[str]:
    """Every name ``simulate`` accepts."""
    return [SIMULATOR, *families()]


def simulate(source: str, devices: int, days: int, seed: int, folder: Path) -> FleetFiles:
    """Write the fleet of ``source`` (seeded) into ``folder``."""
    if source == SIMULATOR:
        from app.simulation import DEFAULT_START, simulate_fleet

        sim = simulate_fleet(devices, days, seed, folder, progress=False)
        return FleetFiles(
            source, sim.telemetry_csv, sim.devices_csv, sim.daily_csv, None, DEFAULT_START
        )
    if source not in families():
        raise BadInput(
            f"unknown fleet {source!r}; choose {', '.join(sources())} or all", field="family"
        )
    from app.scenarios import DEFAULT_START as SCENARIO_START
    from app.scenarios import generate_scenario

    run = generate_scenario(source, devices, days, seed, folder)
    return FleetFiles(
        source,
        run.telemetry_csv,
        run.devices_csv,
        run.daily_csv,
        run.collisions_csv,
        SCENARIO_START,
    )
