"""``generate_scenario``: plan a family's run, stream its telemetry day by day, write truth."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from app.core.errors import BadInput
from app.core.limits import SCENARIO_MAX_DAYS, SCENARIO_MAX_DEVICES, SCENARIO_START
from app.scenarios import truth
from app.scenarios.draws import Draws, stream
from app.scenarios.families import FAMILIES, REGISTRY
from app.scenarios.plan import faults
from app.scenarios.plan.build import RunPlan, plan_run
from app.scenarios.telemetry import day_rows
from app.scenarios.window import Window
from app.scenarios.writer import TelemetryWriter, write_csv, write_json

DEFAULT_START = SCENARIO_START
MAX_DEVICES = SCENARIO_MAX_DEVICES
MAX_DAYS = SCENARIO_MAX_DAYS
FILES = {
    "telemetry": "telemetry.csv",
    "devices": "truth_devices.csv",
    "daily": "truth_daily.csv",
    "faults": "truth_faults.csv",
    "collisions": "collisions.csv",
    "sites": "sites.csv",
    "sessions": "sessions.csv",
    "scenario": "scenario.json",
}


@dataclass(frozen=True)
class ScenarioResult:
    """Where a run's files are, how many telemetry rows it wrote and how long it took."""

    family: str
    devices: int
    days: int
    seed: int
    out_dir: Path
    telemetry_csv: Path
    devices_csv: Path
    daily_csv: Path
    faults_csv: Path
    collisions_csv: Path
    sites_csv: Path
    sessions_csv: Path
    scenario_json: Path
    rows: int
    seconds: float


def _check(family: str, devices: int, days: int, seed: int) -> None:
    if family not in REGISTRY:
        raise BadInput(f"unknown family {family!r}; one of {', '.join(REGISTRY)}", field="family")
    if not 1 <= devices <= MAX_DEVICES:
        raise BadInput(f"devices must be 1..{MAX_DEVICES}, got {devices}", field="devices")
    if not 1 <= days <= MAX_DAYS:
        raise BadInput(f"days must be 1..{MAX_DAYS}, got {days}", field="days")
    if seed < 0:
        raise BadInput(f"seed must be >= 0, got {seed}", field="seed")


def generate_scenario(
    family: str,
    devices: int,
    days: int,
    seed: int,
    out_dir: Path,
    start: date | None = None,
    *,
    on_day: Callable[[int, int], None] | None = None,
) -> ScenarioResult:
    """Write one run of ``family`` into ``out_dir``; same arguments, byte-identical files.

    ``on_day(done, days)`` is called after each simulated day (for progress bars).
    """
    _check(family, devices, days, seed)
    began = time.perf_counter()
    window = Window(start or DEFAULT_START, days)
    d = Draws(seed)
    plan = plan_run(REGISTRY[family](d, days), d, window, devices, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".scenario-", dir=out_dir))
    try:
        rows = _write_telemetry(plan, seed, scratch / FILES["telemetry"], on_day)
        _write_truth(plan, family, scratch)
        write_json(_summary(family, seed, window, plan, d, rows), scratch / FILES["scenario"])
        for name in FILES.values():
            (scratch / name).replace(out_dir / name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    path = {key: out_dir / name for key, name in FILES.items()}
    return ScenarioResult(
        family=family,
        devices=devices,
        days=days,
        seed=seed,
        out_dir=out_dir,
        telemetry_csv=path["telemetry"],
        devices_csv=path["devices"],
        daily_csv=path["daily"],
        faults_csv=path["faults"],
        collisions_csv=path["collisions"],
        sites_csv=path["sites"],
        sessions_csv=path["sessions"],
        scenario_json=path["scenario"],
        rows=rows,
        seconds=time.perf_counter() - began,
    )


def _write_telemetry(
    plan: RunPlan, seed: int, path: Path, on_day: Callable[[int, int], None] | None
) -> int:
    """Stream the rows day by day."""
    rng = stream(seed, "rows")
    order = np.argsort(np.argsort(np.array(plan.pods.ids)))
    days = plan.window.days
    with TelemetryWriter(path, plan.pods.ids, plan.parts.tags.addresses) as writer:
        for day in range(days):
            writer.write(day_rows(plan, day, rng, order))
            if on_day is not None:
                on_day(day + 1, days)
    return writer.rows


def _write_truth(plan: RunPlan, family: str, folder: Path) -> None:
    write_csv(truth.devices_frame(plan, family), folder / FILES["devices"])
    write_csv(truth.daily_frame(plan), folder / FILES["daily"])
    write_csv(truth.faults_frame(plan), folder / FILES["faults"])
    write_csv(truth.collisions_frame(plan), folder / FILES["collisions"])
    write_csv(truth.sites_frame(plan), folder / FILES["sites"])
    write_csv(truth.sessions_frame(plan), folder / FILES["sessions"])


def _summary(
    family: str, seed: int, window: Window, plan: RunPlan, d: Draws, rows: int
) -> dict[str, Any]:
    """scenario.json: the run's arguments, every drawn parameter, per-device summaries."""
    f = plan.faults
    kinds = np.array(faults.FAULT_NAMES)[f.kind]
    profiles, counts = np.unique(plan.pods.profile.astype(str), return_counts=True)
    return {
        "family": family,
        "description": FAMILIES[family],
        "seed": seed,
        "devices": len(plan.pods.ids),
        "days": window.days,
        "start": window.start.isoformat(),
        "rows": rows,
        "files": FILES,
        "params": d.params,
        "device_draws": d.devices,
        "fleet": {
            "profiles": {str(p): int(c) for p, c in zip(profiles, counts, strict=True)},
            "fault_types": {name: int((kinds == name).sum()) for name in faults.FAULT_NAMES},
            "failures_in_window": int(np.isfinite(f.failure_ts).sum()),
            "onsets_in_window": int(np.isfinite(f.onset_ts).sum()),
            "silent_after_failure": int((f.silent & np.isfinite(f.failure_ts)).sum()),
            "collision_episodes": int(plan.twins.device.size),
            "sessions": int(plan.sessions.device.size),
            "no_fix_sites": int(plan.sites.no_fix.sum()),
        },
    }
