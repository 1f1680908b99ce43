"""The ``drillwatch`` command line: each domain contributes its commands."""

from __future__ import annotations

import typer

from app.commands import accounts, evaluate, ingest, ml, scenario, simulate

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
app.add_typer(accounts.users_app, name="users")
app.add_typer(accounts.keys_app, name="keys")

if __name__ == "__main__":
    app()
