"""``drillwatch backtest`` and ``drillwatch evaluate``: day-by-day replays and their scores."""

from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.core.config import REPO_DIR, get_settings
from app.core.errors import AppError
from app.core.limits import SCENARIO_MAX_DAYS as MAX_DAYS
from app.core.limits import SCENARIO_MAX_DEVICES as MAX_DEVICES

if TYPE_CHECKING:
    from app.ml.evaluation import Evaluation
    from app.ml.runs.backtest import BacktestConfig, BacktestResult

console = Console()
DEFAULT_REPORTS = REPO_DIR / "docs" / "evaluation"

Warmup = Annotated[
    int, typer.Option("--warmup-days", min=1, help="Days before the first replayed day.")
]
Refit = Annotated[
    int, typer.Option("--refit-every", min=1, help="Refit the health model every K days.")
]
Progress = Annotated[bool, typer.Option("--progress/--no-progress", help="Show progress bars.")]


def _config(warmup: int, refit: int) -> BacktestConfig:
    from app.ml.runs.backtest import BacktestConfig

    return BacktestConfig(warmup_days=warmup, refit_every=refit)


def backtest(
    file: Annotated[Path, typer.Argument(help="Telemetry CSV (timestamp,device_id,seq,...).")],
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="Folder for the results.")],
    warmup_days: Warmup = 7,
    refit_every: Refit = 7,
    progress: Progress = True,
) -> None:
    """Replay FILE day by day as the pipeline would have seen it; no ground truth needed."""
    from app.ml.runs.backtest import run_backtest

    try:
        result = run_backtest(
            file, out, get_settings(), _config(warmup_days, refit_every), progress
        )
    except AppError as error:
        hint = "FILE" if error.field == "file" else f"--{error.field}"
        raise typer.BadParameter(error.message, param_hint=hint) from error
    console.print(backtest_table(result))
    console.print(f"alerts: {out / 'alerts.json'}\nhealth: {out / 'health_daily.csv'}")


def backtest_table(result: BacktestResult) -> Table:
    """Alerts raised per issue type and severity, with the replay's size and time."""
    table = Table(
        title=f"Backtest: {result.devices} devices x {result.days} days",
        caption=f"{result.replayed_days} days replayed, {result.fits} model fits, "
        f"{sum(result.seconds.values()):.1f} s",
    )
    table.add_column("Issue")
    severities = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]
    for name in [*severities, "Total"]:
        table.add_column(name, justify="right")
    alerts = result.alerts
    for issue in sorted(alerts["predicted_issue_type"].unique()):
        mine = alerts[alerts["predicted_issue_type"] == issue]["severity"]
        counts = [int((mine == s).sum()) for s in severities]
        table.add_row(issue, *map(str, counts), str(len(mine)))
    table.add_row(
        "all",
        *[str(int((alerts["severity"] == s).sum())) for s in severities],
        str(len(alerts)),
        style="bold",
    )
    return table


def evaluate(
    family: Annotated[
        list[str] | None,
        typer.Option(
            "--family",
            help="Fleet to simulate: a scenario family, 'simulator' (the project's own "
            "simulator) or 'all' (every scenario family); repeat for several.",
        ),
    ] = None,
    devices: Annotated[
        int, typer.Option("--devices", min=1, max=MAX_DEVICES, help="Pods in the fleet.")
    ] = 100,
    days: Annotated[
        int, typer.Option("--days", min=1, max=MAX_DAYS, help="Length of the window.")
    ] = 120,
    seed: Annotated[
        list[int] | None,
        typer.Option("--seed", min=0, help="Simulator seed; repeat for several fleets."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", file_okay=False, help="Folder for the reports and replay files."),
    ] = None,
    warmup_days: Warmup = 7,
    refit_every: Refit = 7,
    save_replays: Annotated[
        bool,
        typer.Option(
            "--save-replays/--no-save-replays",
            help="Also write each replay's alerts.json and health_daily.csv into "
            "OUT/<fleet>-<seed>/.",
        ),
    ] = False,
    progress: Progress = True,
) -> None:
    """Simulate fleets, replay each day by day and score alerts and health against truth.

    Writes one report per fleet and seed into OUT (default docs/evaluation) and, for
    several, summary.md with the pooled figures.
    """
    from app.ml.evaluation import evaluate_fleet
    from app.ml.evaluation.report import render, render_summary
    from app.ml.evaluation.sources import families

    names = family or ["normal"]
    if "all" in names:
        names = [n for n in names if n != "all"] + [f for f in families() if f not in names]
    seeds = seed or [1001]
    config = _config(warmup_days, refit_every)
    settings = get_settings()
    folder = out or DEFAULT_REPORTS
    results: list[Evaluation] = []
    links: dict[tuple[str, int], str] = {}
    for name in names:
        for s in seeds:
            replays = folder / f"{name}-{s}" if save_replays else None
            try:
                ev = evaluate_fleet(devices, days, s, settings, config, replays, progress, name)
            except AppError as error:
                raise typer.BadParameter(error.message, param_hint=f"--{error.field}") from error
            report = folder / f"{name}-{s}.md"
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(render(ev, _command([name], devices, days, [s], out)) + "\n")
            links[(name, s)] = report.name
            results.append(ev)
            console.print(f"report: {report}")
    if len(results) > 1:
        summary = folder / "summary.md"
        command = _command(names, devices, days, seeds, out)
        summary.write_text(render_summary(results, command, links) + "\n")
        console.print(f"summary: {summary}")
    console.print(summary_table(results))


def _command(names: list[str], devices: int, days: int, seeds: list[int], out: Path | None) -> str:
    """The command line that reproduces a report."""
    parts = ["drillwatch", "evaluate"]
    for name in names:
        parts += ["--family", name]
    parts += ["--devices", str(devices), "--days", str(days)]
    for s in seeds:
        parts += ["--seed", str(s)]
    if out is not None:
        parts += ["--out", str(out)]
    return shlex.join(parts)


def summary_table(results: list[Evaluation]) -> Table:
    """Per fleet and seed (and pooled): precision, recall, lead, Spearman, false alarms."""
    from app.ml.evaluation.report import SUMMARY_FORMATS, summary_frame

    first = results[0]
    table = Table(title=f"Evaluation: {first.devices} devices x {first.days} days")
    frame = summary_frame(results)
    for column in frame.columns:
        table.add_column(column, justify="left" if column in ("fleet", "seed") else "right")
    for _, row in frame.iterrows():
        cells = [
            str(row[c]) if c in ("fleet", "seed") else _number(row[c], SUMMARY_FORMATS[c])
            for c in frame.columns
        ]
        table.add_row(*cells, style="bold" if row["seed"] == "pooled" else None)
    return table


def _number(value: float, spec: str) -> str:
    return "-" if math.isnan(value) else format(value, spec)
