"""``drillwatch simulate``: write a sample fleet's telemetry and ground truth."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from app.core.limits import SIMULATION_MAX_DAYS as MAX_DAYS
from app.core.limits import SIMULATION_MAX_DEVICES as MAX_DEVICES
from app.core.limits import SIMULATION_START as DEFAULT_START


def simulate(
    devices: int = typer.Option(
        100, "--devices", min=1, max=MAX_DEVICES, help="Number of pods in the fleet."
    ),
    days: int = typer.Option(30, "--days", min=1, max=MAX_DAYS, help="Length of the window."),
    seed: int = typer.Option(42, "--seed", min=0, help="Same seed, byte-identical files."),
    out: Path = typer.Option(
        ..., "--out", file_okay=False, help="Folder for telemetry.csv and the ground truth."
    ),
    start: datetime = typer.Option(
        DEFAULT_START.isoformat(), "--start", formats=["%Y-%m-%d"], help="First day (UTC)."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Simulate a fleet of drilling pods, with injected faults, into OUT."""
    from app.core.errors import AppError
    from app.simulation import simulate_fleet

    try:
        result = simulate_fleet(devices, days, seed, out, start=start.date(), progress=progress)
    except AppError as error:
        raise typer.BadParameter(error.message, param_hint=f"--{error.field}") from error
    Console().print(
        f"{result.rows:,} rows ({result.bytes / 1e6:,.1f} MB) for {devices:,} devices x {days} days"
        f" in {result.seconds:.1f} s ({result.rows_per_second:,.0f} rows/s)\n"
        f"telemetry:    {result.telemetry_csv}\n"
        f"ground truth: {result.devices_csv}, {result.daily_csv}",
        highlight=False,
        soft_wrap=True,
    )
