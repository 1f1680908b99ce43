"""``drillwatch db vacuum``: checkpoint and compact the telemetry store, clear dead scratch."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from app.core.config import get_settings
from app.core.errors import AppError
from app.core.logging import configure_cli_logging
from app.storage.duckdb import TelemetryStore
from app.storage.scratch import clean_scratch, scratch_root

db_app = typer.Typer(help="Maintain the stores.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@db_app.command("vacuum")
def vacuum() -> None:
    """Checkpoint the DuckDB file and rewrite it without unused blocks (after a killed ingest);
    remove scratch files of dead processes. Safe while the server runs (it waits its turn)."""
    settings = get_settings()
    settings.ensure_directories()
    configure_cli_logging(settings, "db-vacuum")
    store = TelemetryStore.from_settings(settings)
    removed = clean_scratch(scratch_root(settings))
    before = store.path.stat().st_size if store.path.exists() else 0
    try:
        store.initialise()
        compacted = store.reclaim_space(always=True)
    except AppError as exc:
        errors.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    table = Table(title="Telemetry store")
    for name in ("File", "Before (MB)", "After (MB)", "Compacted", "Scratch removed"):
        table.add_column(name, justify="left" if name == "File" else "right")
    after = store.path.stat().st_size
    table.add_row(
        str(store.path), f"{before / 1e6:.1f}", f"{after / 1e6:.1f}", str(compacted), str(removed)
    )
    console.print(table)
