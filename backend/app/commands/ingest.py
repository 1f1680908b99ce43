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

from app.core.config import get_settings
from app.core.errors import AppError
from app.core.logging import configure_cli_logging
from app.services.ingestion import IngestReport, ingest_files
from app.storage.duckdb import TelemetryStore
from app.storage.scratch import clean_scratch, scratch_root

console = Console()
errors = Console(stderr=True)


def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="CSV files with the header timestamp,device_id,seq,...")
    ],
) -> None:
    """Ingest telemetry CSV files; prints accepted, duplicate and quarantined counts."""
    settings = get_settings()
    settings.ensure_directories()
    configure_cli_logging(settings, "ingest")
    store = TelemetryStore.from_settings(settings)
    clean_scratch(scratch_root(settings))
    try:
        store.initialise()
        store.reclaim_space()
    except AppError as exc:
        errors.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None
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
