"""Scenario generator benchmark: every family at 150 devices x 180 days, one process each.

``make bench`` runs it. Each family runs in a fresh interpreter so that its peak RSS is
its own; the files go to a temporary folder. Targets: under 60 s and 512 MB peak RSS per
run. Figures are printed and written to bench-results/scenarios.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BACKEND_DIR = Path(__file__).resolve().parents[1]
RESULTS_DIR = BACKEND_DIR.parent / "bench-results"
MAX_SECONDS = 60.0
MAX_RSS_MB = 512.0


def measure(family: str, devices: int, days: int, seed: int) -> dict[str, Any]:
    """Generate one run into a temporary folder; time, rows, telemetry size, peak RSS."""
    from app.scenarios import generate_scenario

    with tempfile.TemporaryDirectory(prefix="dw-scenario-") as tmp:
        started = time.perf_counter()
        result = generate_scenario(family, devices, days, seed, Path(tmp))
        seconds = time.perf_counter() - started
        size = result.telemetry_csv.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": result.rows, "seconds": seconds, "csv_mb": size / 1e6, "peak_rss_mb": peak}


def in_subprocess(family: str, args: argparse.Namespace) -> dict[str, Any]:
    """Measure one family in a fresh interpreter; the JSON on its last line."""
    command = [sys.executable, __file__, "--phase", family, "--devices", str(args.devices)]
    command += ["--days", str(args.days), "--seed", str(args.seed)]
    done = subprocess.run(command, cwd=BACKEND_DIR, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"{family} failed (exit {done.returncode})")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def main() -> int:
    """Run every family (or those named), report and check the targets."""
    from app.scenarios import FAMILIES

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("families", nargs="*", default=list(FAMILIES))
    parser.add_argument("--devices", type=int, default=150)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(measure(args.phase, args.devices, args.days, args.seed)))
        return 0
    load_before = os.getloadavg()
    figures = {family: in_subprocess(family, args) for family in args.families}
    ok = True
    print(f"{args.devices} devices x {args.days} days, seed {args.seed}")
    for family, run in figures.items():
        passed = run["seconds"] < MAX_SECONDS and run["peak_rss_mb"] < MAX_RSS_MB
        ok &= passed
        print(
            f"{'PASS' if passed else 'FAIL'}  {family:15s} {run['seconds']:6.1f} s  "
            f"{run['rows']:>10,} rows  {run['csv_mb']:7.1f} MB  "
            f"peak RSS {run['peak_rss_mb']:5.0f} MB"
        )
    print(f"targets: < {MAX_SECONDS:g} s and < {MAX_RSS_MB:g} MB peak RSS per run")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    summary = {"args": vars(args), "runs": figures, "load_average_before": load_before}
    (RESULTS_DIR / "scenarios.json").write_text(json.dumps(summary, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
