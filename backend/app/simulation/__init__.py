"""Sample-fleet simulator: realistic pod telemetry with injected faults and their ground truth.

``simulate_fleet`` writes three files into ``out_dir``:

- ``telemetry.csv``: the field sample's schema, one row per 30 s sample, ordered by time;
- ``ground_truth_devices.csv``: per device its profile, fault type (none, motor, battery,
  gps, radio), onset, failure, join and retirement times (empty when not inside the window);
- ``ground_truth_daily.csv``: per device and day the latent condition of each component at
  the end of that day (UTC), 1 = healthy, 0 = failed, falling linearly from onset to failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.core.errors import BadInput
from app.core.limits import SIMULATION_MAX_DAYS, SIMULATION_MAX_DEVICES, SIMULATION_START
from app.simulation.day import simulate_day
from app.simulation.pod import PodState
from app.simulation.profiles import build_fleet
from app.simulation.writer import DailyTruthCsv, TelemetryCsv, write_devices

__all__ = ["DEFAULT_START", "MAX_DAYS", "MAX_DEVICES", "SimulationResult", "simulate_fleet"]

DEFAULT_START = SIMULATION_START
MAX_DEVICES = SIMULATION_MAX_DEVICES
MAX_DAYS = SIMULATION_MAX_DAYS
FLEET_STREAM = 0


@dataclass(frozen=True)
class SimulationResult:
    """What a simulation wrote and how long it took."""

    telemetry_csv: Path
    devices_csv: Path
    daily_csv: Path
    devices: int
    days: int
    seed: int
    rows: int
    seconds: float

    @property
    def bytes(self) -> int:
        """Size of the telemetry file."""
        return self.telemetry_csv.stat().st_size

    @property
    def rows_per_second(self) -> float:
        """Generation speed, telemetry rows per wall-clock second."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def simulate_fleet(
    devices: int,
    days: int,
    seed: int,
    out_dir: Path | str,
    start: date = DEFAULT_START,
    progress: bool = True,
) -> SimulationResult:
    """Simulate ``devices`` pods for ``days`` days from ``start``; same seed, same bytes."""
    _check(devices, days, seed)
    began = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    first = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    rng = np.random.default_rng([seed, FLEET_STREAM])
    fleet = build_fleet(devices, days, first, rng)
    state = PodState.initial(fleet, rng)
    rows = 0
    with (
        TelemetryCsv(out / "telemetry.csv", fleet) as telemetry,
        DailyTruthCsv(out / "ground_truth_daily.csv", fleet) as daily,
        _progress(progress) as bar,
    ):
        task = bar.add_task(f"Simulating {devices:,} devices", total=days, rows=0)
        for day in range(days):
            rows += telemetry.write(simulate_day(fleet, state, day, seed))
            daily.write(day)
            bar.update(task, advance=1, rows=rows)
    write_devices(out / "ground_truth_devices.csv", fleet)
    return SimulationResult(
        telemetry_csv=out / "telemetry.csv",
        devices_csv=out / "ground_truth_devices.csv",
        daily_csv=out / "ground_truth_daily.csv",
        devices=devices,
        days=days,
        seed=seed,
        rows=rows,
        seconds=time.perf_counter() - began,
    )


def _check(devices: int, days: int, seed: int) -> None:
    """Reject sizes the simulator cannot honour, naming the parameter."""
    if not 1 <= devices <= MAX_DEVICES:
        raise BadInput(f"devices must be between 1 and {MAX_DEVICES:,}", field="devices")
    if not 1 <= days <= MAX_DAYS:
        raise BadInput(f"days must be between 1 and {MAX_DAYS}", field="days")
    if seed < 0:
        raise BadInput("seed must be zero or positive", field="seed")


def _progress(enabled: bool) -> Progress:
    """Days done, rows written and elapsed time, on stderr."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days, {task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )
