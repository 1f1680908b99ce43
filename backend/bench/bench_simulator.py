"""Simulator benchmark: rows, rows/s, wall time, file size and peak RSS for one fleet size.

``make bench`` runs it for 1,000 devices x 30 days; ``--devices 10000`` checks that a large
fleet streams within the memory budget. Figures are printed and written to
bench-results/simulator-<devices>x<days>.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[1]
RESULTS_DIR = BACKEND_DIR.parent / "bench-results"
MAX_SECONDS_PER_MILLION_DEVICE_DAYS = 2_000.0  # 1,000 x 30 in 60 s
MAX_RSS_MB = 1024.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    """Simulate into a temporary folder, report, and check the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(BACKEND_DIR))
    from app.simulation import simulate_fleet

    imports_rss = peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="dw-bench-sim-") as tmp:
        result = simulate_fleet(args.devices, args.days, args.seed, tmp, progress=False)
        size_mb = result.bytes / 1e6
    figures = {
        "devices": args.devices,
        "days": args.days,
        "seed": args.seed,
        "rows": result.rows,
        "seconds": result.seconds,
        "rows_per_second": result.rows_per_second,
        "telemetry_mb": size_mb,
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_imports_mb": imports_rss,
    }
    budget = MAX_SECONDS_PER_MILLION_DEVICE_DAYS * args.devices * args.days / 1e6
    checks = {
        f"wall time <= {budget:.0f} s": result.seconds <= budget,
        f"peak RSS < {MAX_RSS_MB:g} MB": figures["peak_rss_mb"] < MAX_RSS_MB,
    }
    print(f"fleet        {args.devices:,} devices x {args.days} days (seed {args.seed})")
    print(f"rows         {result.rows:,} ({size_mb:,.0f} MB telemetry.csv)")
    print(f"wall time    {result.seconds:.1f} s")
    print(f"throughput   {result.rows_per_second:,.0f} rows/s")
    print(f"peak RSS     {figures['peak_rss_mb']:.0f} MB ({imports_rss:.0f} MB after imports)")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"simulator-{args.devices}x{args.days}.json"
    out.write_text(json.dumps(figures | {"checks": checks}, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
