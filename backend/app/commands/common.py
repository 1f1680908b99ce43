"""How store commands start (settings, per-process log, store) and how they fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from app.core.config import Settings, get_settings
from app.core.errors import AppError
from app.core.logging import configure_cli_logging
from app.storage.duckdb import TelemetryStore

errors = Console(stderr=True)


def command_settings(command: str) -> Settings:
    """The settings, with their directories made and ``command``'s own log file open."""
    settings = get_settings()
    settings.ensure_directories()
    configure_cli_logging(settings, command)
    return settings


def command_store(command: str) -> tuple[Settings, TelemetryStore]:
    """``command_settings(command)`` and the telemetry store they name (not yet opened)."""
    settings = command_settings(command)
    return settings, TelemetryStore.from_settings(settings)


@contextmanager
def exit_on_error() -> Iterator[None]:
    """Turn an AppError into one red line on stderr and exit status 1."""
    try:
        yield
    except AppError as exc:
        errors.print(f"[red]error:[/red] {exc.message}", soft_wrap=True)
        raise typer.Exit(1) from None
