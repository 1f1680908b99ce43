"""The ``drillwatch`` command line: each domain contributes its commands."""

from __future__ import annotations

import typer

from app.commands import (
    accounts,
    archive,
    audit,
    backup,
    evaluate,
    ingest,
    maintenance,
    ml,
    scenario,
    simulate,
    telemetry,
)
from app.core.files import private_umask

app = typer.Typer(
    name="drillwatch",
    help="DrillWatch telemetry analytics and predictive maintenance.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("ingest")(ingest.ingest)
app.command("simulate")(simulate.simulate)
app.command("scenario")(scenario.scenario)
app.command("backtest")(evaluate.backtest)
app.command("evaluate")(evaluate.evaluate)
app.command("train")(ml.train)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.command("archive")(archive.archive)
app.command("unarchive")(archive.unarchive)
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.keys_app, name="keys")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(telemetry.telemetry_app, name="telemetry")
app.add_typer(maintenance.db_app, name="db")


@app.callback()
def _private_files() -> None:
    # files the commands create (stores, logs) are owner-only, as the server's are
    private_umask()


if __name__ == "__main__":
    app()
