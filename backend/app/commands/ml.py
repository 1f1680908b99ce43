"""``drillwatch train``: fit the health model on the store's history and register it.

Works while the server runs (the store is opened per unit of work); a deployed version
reaches the running server within seconds, through its watcher.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.commands.common import command_store, errors, exit_on_error
from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.ml.alerts.rules import AlertRules
from app.ml.config import MLConfig
from app.ml.models.model_manager import MLModelManager
from app.ml.runs.training import STEPS, TrainResult, train_model

console = Console()


def train(
    deploy: Annotated[bool, typer.Option("--deploy", help="Make the new version active.")] = False,
    version: Annotated[
        str | None, typer.Option("--version", help="Version name (default: next minor).")
    ] = None,
    ground_truth: Annotated[
        Path | None,
        typer.Option(
            "--ground-truth",
            dir_okay=False,
            help="ground_truth_devices.csv from drillwatch simulate, for accuracy metrics.",
        ),
    ] = None,
    outcome_labels: Annotated[
        bool,
        typer.Option(
            "--outcome-labels/--no-outcome-labels",
            help="Without --ground-truth, measure the new model on operators' resolved alerts "
            "(confirmed fault or maintenance done: a fault; false alarm: none).",
        ),
    ] = True,
) -> None:
    """Train the health model on the store's history and save a signed, versioned artifact."""
    settings, store = command_store("train")
    manager = MLModelManager(settings)
    with closing(manager), exit_on_error():
        store.initialise()
        rules = AlertRules.from_config(MLConfig.from_settings(settings))
        active = manager.active_model()
        alerts = PredictiveAlertService(rules, manager.session_factory)
        outcomes = alerts.outcomes_of_model(active.version if active else None)
        labels = alerts.outcome_labels() if outcome_labels else []
        with _progress() as bar:
            task = bar.add_task("Training", total=len(STEPS), step="")

            def advance(step: str) -> None:
                done = STEPS.index(step)
                bar.update(task, completed=done, step=step)

            result = train_model(
                store,
                settings,
                manager,
                version=version,
                deploy=deploy,
                ground_truth=ground_truth,
                outcomes=outcomes,
                labels=labels,
                progress=advance,
            )
            bar.update(task, completed=len(STEPS), step="done")
    console.print(result_table(result))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=errors,
    )


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def result_table(result: TrainResult) -> Table:
    """The new version, its training data and metrics."""
    data, metrics = result.training_data, result.metrics
    table = Table(title=f"Model {result.info.version}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("version", result.info.version)
    hint = f"no (POST /api/ml/models/{result.info.version}/deploy to activate)"
    table.add_row("deployed", "yes" if result.deployed else hint)
    table.add_row("training data", f"{data['start']} .. {data['end']}")
    table.add_row("devices / rows", f"{data['devices']:,} / {data['telemetry_rows']:,}")
    for name in ("accuracy", "precision", "recall", "latency_ms"):
        table.add_row(name, _fmt(metrics.get(name)))
    table.add_row("metrics source", _fmt(metrics.get("source")))
    if metrics.get("judged_alerts") is not None:
        table.add_row("judged alerts", _fmt(metrics["judged_alerts"]))
    if metrics.get("note"):
        table.add_row("note", str(metrics["note"]))
    table.add_row("sha256", result.info.sha256)
    table.add_row("seconds", f"{result.seconds:.2f}")
    return table
