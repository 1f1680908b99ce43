"""``drillwatch archive``: move old telemetry out of the store into a Parquet file."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.commands.accounts import audit_cli_action
from app.commands.common import command_store, exit_on_error
from app.services import audit
from app.services.archive import (
    ArchiveReport,
    archive_telemetry,
    cutoff,
    unarchive_telemetry,
)

console = Console()


def archive(
    out: Annotated[Path, typer.Option("--out", help="New (or empty) folder for the archive")],
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            help="Archive rows older than this (ISO 8601; UTC); default: ARCHIVE_AFTER_DAYS ago",
        ),
    ] = None,
) -> None:
    """Move telemetry older than --before into OUT/telemetry.parquet (zstd) and out of the
    store; sessions of the touched devices are rebuilt, the store is compacted."""
    settings, store = command_store("archive")
    with exit_on_error():
        store.initialise()
        report = archive_telemetry(
            store,
            settings,
            cutoff(settings, before),
            out.resolve(),
            actor=f"cli:{getpass.getuser()}",
        )
        if report.rows:
            store.reclaim_space()
    if report.rows:
        details = {
            "before": f"{report.before:%Y-%m-%dT%H:%M:%SZ}",
            "rows": report.rows,
            "devices": report.devices,
            "sha256": report.sha256,
        }
        audit_cli_action(audit.TELEMETRY_ARCHIVE, str(report.folder), details)
    console.print(report_table(report))


def report_table(report: ArchiveReport) -> Table:
    """The archive's file, rows, devices and time span."""
    table = Table(
        title=f"Telemetry archived: {report.rows:,} rows before {report.before:%Y-%m-%dT%H:%M:%SZ}"
    )
    for name in ("Folder", "Rows", "Devices", "First", "Last"):
        table.add_column(name)
    first = f"{report.first_ts:%Y-%m-%dT%H:%M:%SZ}" if report.first_ts else "-"
    last = f"{report.last_ts:%Y-%m-%dT%H:%M:%SZ}" if report.last_ts else "-"
    table.add_row(
        str(report.folder) if report.rows else "(nothing to archive)",
        f"{report.rows:,}",
        str(report.devices),
        first,
        last,
    )
    return table


def unarchive(
    folder: Annotated[Path, typer.Argument(help="A folder written by drillwatch archive")],
) -> None:
    """Put an archive's rows back into the store (rows still stored are skipped); the file
    must be unchanged since this store archived it."""
    settings, store = command_store("unarchive")
    with exit_on_error():
        store.initialise()
        report = unarchive_telemetry(
            store, settings, folder.resolve(), actor=f"cli:{getpass.getuser()}"
        )
    audit_cli_action(audit.TELEMETRY_UNARCHIVE, str(folder.resolve()), report.__dict__)
    table = Table(title=f"Telemetry put back from {folder}")
    for name in ("Archived rows", "Put back", "Already stored"):
        table.add_column(name, justify="right")
    table.add_row(f"{report.rows:,}", f"{report.restored:,}", f"{report.already_stored:,}")
    console.print(table)
