"""``drillwatch audit list``: the audit trail from the shell."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from app.commands.accounts import open_db
from app.core.logging import escape_controls

audit_app = typer.Typer(help="Read the audit trail (logins, account, model and alert changes).")
console = Console()


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


def _cell(value: str) -> Text:
    # plain text with escaped controls: a user name typed at the login form by anyone can
    # neither carry rich markup nor move the cursor, clear the screen or start a new row
    return Text(escape_controls(value))


@audit_app.command("list")
def list_events(
    actor: Annotated[str | None, typer.Option(help="Only actions by this user or key")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. auth.login")] = None,
    target: Annotated[str | None, typer.Option(help="Only actions on this target")] = None,
    since: Annotated[datetime | None, typer.Option(help="From this UTC time on")] = None,
    until: Annotated[datetime | None, typer.Option(help="Before this UTC time")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Rows to show")] = 50,
) -> None:
    """List audited actions, newest first."""
    from app.services import audit

    where = audit.AuditFilter(actor, action, target, _utc(since), _utc(until))
    table = Table("when (UTC)", "actor", "action", "target", "source", "details")
    with open_db() as db:
        rows, total = audit.list_audit(db, where, limit=limit, offset=0)
        for row in rows:
            table.add_row(
                row.at.strftime("%Y-%m-%d %H:%M:%S"),
                _cell(row.actor),
                _cell(row.action),
                _cell(row.target or "-"),
                _cell(row.source or "-"),
                _cell(json.dumps(row.details, sort_keys=True) if row.details else ""),
            )
    console.print(table)
    console.print(f"{len(rows)} of {total} matching actions")
