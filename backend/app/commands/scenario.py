"""``drillwatch scenario``: write one run of a scenario family (telemetry + ground truth)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

console = Console()


def scenario(
    family: Annotated[
        str | None, typer.Argument(help="Scenario family (see --list).", show_default=False)
    ] = None,
    devices: Annotated[int, typer.Option("--devices", min=1, help="Pods in the fleet.")] = 150,
    days: Annotated[int, typer.Option("--days", min=1, help="Length of the window.")] = 90,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Same seed, same files.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", file_okay=False, help="Folder for telemetry.csv and the truth."),
    ] = None,
    start: Annotated[
        datetime | None,
        typer.Option("--start", formats=["%Y-%m-%d"], help="First day (UTC), default 2025-01-06."),
    ] = None,
    list_families: Annotated[
        bool, typer.Option("--list", help="List the families and exit.")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
) -> None:
    """Generate a fleet of one scenario FAMILY, with ground truth, for evaluating the model."""
    from app.core.errors import AppError
    from app.scenarios import FAMILIES, generate_scenario

    if list_families:
        console.print(_families_table(FAMILIES))
        return
    if family is None:
        raise typer.BadParameter("name a family, or use --list", param_hint="FAMILY")
    if family not in FAMILIES:
        known = ", ".join(FAMILIES)
        raise typer.BadParameter(f"{family!r} is not a family; one of {known}", param_hint="FAMILY")
    if out is None:
        raise typer.BadParameter("where should the files go?", param_hint="--out")
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not progress,
    )
    with bar:
        task = bar.add_task(f"{family}: days", total=days)
        try:
            result = generate_scenario(
                family,
                devices,
                days,
                seed,
                out,
                start.date() if start else None,
                on_day=lambda done, _total: bar.update(task, completed=done),
            )
        except AppError as error:
            hint = "FAMILY" if error.field == "family" else f"--{error.field}"
            raise typer.BadParameter(error.message, param_hint=hint) from error
    console.print(
        f"{result.rows:,} rows for {devices:,} devices x {days} days in {result.seconds:.1f} s\n"
        f"telemetry:    {result.telemetry_csv}\n"
        f"ground truth: {result.devices_csv}, {result.daily_csv}, {result.collisions_csv}\n"
        f"parameters:   {result.scenario_json}",
        highlight=False,
        soft_wrap=True,
    )


def _families_table(families: dict[str, str]) -> Table:
    table = Table(title="Scenario families")
    table.add_column("Family")
    table.add_column("What it adds to an ordinary fleet")
    for name, description in families.items():
        table.add_row(name, description)
    return table
