"""``drillwatch backup`` and ``drillwatch restore``: every store in one verified folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from app.backup.service import restore_backup, take_backup
from app.commands.accounts import audit_cli_action
from app.commands.common import command_settings, exit_on_error
from app.services import audit

console = Console()


def backup(
    out: Annotated[Path, typer.Option("--out", help="New (or empty) folder for the backup")],
) -> None:
    """Back up telemetry, SQL store, model artifacts and settings; safe while the server runs."""
    settings = command_settings("backup")
    with exit_on_error():
        report = take_backup(settings, out.resolve())
    counts = report.manifest["counts"]
    audit_cli_action(audit.STORE_BACKUP, str(report.folder), {"counts": counts})
    console.print(counts_table(f"Backup written to {report.folder}", counts))


def restore(
    folder: Annotated[Path, typer.Argument(help="A folder written by drillwatch backup")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace existing stores (moved to pre-restore-<time>/)"),
    ] = False,
) -> None:
    """Verify a backup's checksums and put it in place of the stores; the server must be
    stopped."""
    settings = command_settings("restore")
    with exit_on_error():
        report = restore_backup(settings, folder.resolve(), force=force)
    aside = None if report.set_aside is None else str(report.set_aside)
    details = {"counts": report.counts, "set_aside": aside}
    audit_cli_action(audit.STORE_RESTORE, str(folder.resolve()), details)
    console.print(counts_table(f"Restored from {folder}", report.counts))
    if report.set_aside is not None:
        console.print(f"The replaced files are in {report.set_aside}")


def counts_table(title: str, counts: dict[str, Any]) -> Table:
    """Rows per table of each store, and the number of model files."""
    table = Table(title=title)
    for name in ("Store", "Table", "Rows"):
        table.add_column(name, justify="right" if name == "Rows" else "left")
    for store in ("telemetry", "sql"):
        for name, rows in counts[store].items():
            table.add_row(store, name, f"{rows:,}")
    table.add_row("models", "files", str(counts["model_files"]))
    return table
