"""``drillwatch db vacuum``: checkpoint and compact the telemetry store, clear dead scratch."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from app.commands.common import command_store, exit_on_error
from app.storage.scratch import clean_scratch, scratch_root

db_app = typer.Typer(help="Maintain the stores.", no_args_is_help=True)
console = Console()


@db_app.command("vacuum")
def vacuum() -> None:
    """Checkpoint the DuckDB file and rewrite it without unused blocks (after a killed ingest);
    remove scratch files of dead processes. Safe while the server runs (it waits its turn)."""
    settings, store = command_store("db-vacuum")
    removed = clean_scratch(scratch_root(settings))
    before = store.path.stat().st_size if store.path.exists() else 0
    with exit_on_error():
        store.initialise()
        compacted = store.reclaim_space(always=True)
    table = Table(title="Telemetry store")
    for name in ("File", "Before (MB)", "After (MB)", "Compacted", "Scratch removed"):
        table.add_column(name, justify="left" if name == "File" else "right")
    after = store.path.stat().st_size
    table.add_row(
        str(store.path), f"{before / 1e6:.1f}", f"{after / 1e6:.1f}", str(compacted), str(removed)
    )
    console.print(table)
