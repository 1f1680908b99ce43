"""``drillwatch ingest FILE...``: load telemetry CSV files into the store.

Works while the server runs: both open the DuckDB file per unit of work, and
whoever finds it busy waits up to STORE_LOCK_TIMEOUT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.commands.common import command_store, errors, exit_on_error
from app.services.ingestion import IngestReport, ingest_files
from app.storage.scratch import clean_scratch, scratch_root

console = Console()


def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="CSV files with the header timestamp,device_id,seq,...")
    ],
) -> None:
    """Ingest telemetry CSV files; prints accepted, duplicate and quarantined counts."""
    settings, store = command_store("ingest")
    clean_scratch(scratch_root(settings))
    with exit_on_error():
        store.initialise()
        store.reclaim_space()
    reports = ingest_files(store, files, settings)
    console.print(report_table(files, reports))
    failed = [r.error for r in reports if r.error]
    for message in failed:
        errors.print(f"[red]error:[/red] {message}", soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def report_table(files: list[Path], reports: list[IngestReport]) -> Table:
    """One row per file: counts, devices touched, time and status."""
    table = Table(title="Telemetry ingest")
    table.add_column("File", overflow="fold")
    for name in ("Accepted", "Duplicates", "Quarantined", "Devices", "Seconds"):
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    table.add_column("Status")
    for path, report in zip(files, reports, strict=True):
        status = "[red]failed[/red]" if report.error else "[green]ok[/green]"
        if report.skipped:
            status = "skipped (already ingested)"
        table.add_row(
            str(path),
            f"{report.accepted:,}",
            f"{report.duplicates:,}",
            f"{report.quarantined:,}",
            str(len(report.devices)),
            f"{report.seconds:.2f}",
            status,
        )
    return table
