"""``drillwatch telemetry purge``: remove stored telemetry of a device and time range."""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.commands.common import command_store, exit_on_error
from app.services.purge import PurgeReport, purge_telemetry, scope_of

telemetry_app = typer.Typer(help="Manage stored telemetry.", no_args_is_help=True)
console = Console()


def _moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 date or time", param_hint=name
        ) from None


@telemetry_app.command("purge")
def purge(
    device: Annotated[str | None, typer.Option("--device", help="Only this device")] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="From this moment (inclusive; ISO 8601, UTC if no offset)"),
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Up to this moment (exclusive)")] = None,
    requarantine: Annotated[
        bool, typer.Option("--requarantine", help="Keep the rows in the quarantine")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would go")] = False,
) -> None:
    """Delete (or re-quarantine) stored rows of a device and time range; sessions are rebuilt."""
    settings, store = command_store("telemetry-purge")
    with exit_on_error():
        store.initialise()
        scope = scope_of(device, _moment(start, "--from"), _moment(end, "--to"))
        report = purge_telemetry(
            store,
            settings,
            scope,
            actor=f"cli:{getpass.getuser()}",
            requarantine=requarantine,
            dry_run=dry_run,
        )
    console.print(report_table(report))


def report_table(report: PurgeReport) -> Table:
    """Rows per device, and what happened to them."""
    verb = "would purge" if report.dry_run else "purged"
    if report.requarantine:
        verb += " (re-quarantined)"
    table = Table(title=f"Telemetry {verb}: {report.rows:,} rows")
    for name in ("Device", "Rows", "First", "Last"):
        table.add_column(name)
    for device in report.devices:
        table.add_row(
            str(device["device_id"]),
            f"{device['rows']:,}",
            f"{device['first_ts']:%Y-%m-%dT%H:%M:%SZ}",
            f"{device['last_ts']:%Y-%m-%dT%H:%M:%SZ}",
        )
    return table
