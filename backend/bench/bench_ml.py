"""ML benchmark: features, scoring, alerts and cached /api/ml/health-scores for a simulated fleet.

``make bench`` runs it. The fleet (1,000 devices x 30 days by default) is simulated once
(cached under bench-results/, shared with bench_pipeline.py) and ingested in a
subprocess; the ML work then runs in a fresh subprocess so that its peak RSS is its
own, and the API is timed in a third. Figures go to bench-results/ml.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_pipeline import (
    RESULTS_DIR,
    fleet_csv,
    isolated_settings,
    peak_rss_mb,
    run_phase,
)

TARGETS = {"scoring_s": 2.0, "alerts_s": 1.0, "ml_peak_rss_mb": 512.0, "cached_request_ms": 50.0}
REQUESTS = 20
ADMIN_PASSWORD = "bench-admin-password"


def bench_settings(workdir: Path) -> Any:
    """Settings with every path under ``workdir`` and a fixed secret (artifacts stay valid)."""
    os.environ.update(ADMIN_PASSWORD=ADMIN_PASSWORD, SECRET_KEY="bench-secret-" + "b" * 40)
    return isolated_settings(workdir)


def phase_ingest(workdir: Path, csv: Path) -> dict[str, Any]:
    """Ingest the fleet into a fresh store under ``workdir``."""
    settings = bench_settings(workdir)
    from app.main import build_store
    from app.services.ingestion import ingest_file

    started = time.perf_counter()
    report = ingest_file(build_store(settings), csv, settings)
    return {"rows": report.accepted, "seconds": time.perf_counter() - started}


def phase_ml(workdir: Path) -> dict[str, Any]:
    """Features (cold), training, scoring all devices and alert generation; deploys the model."""
    bench_settings(workdir)
    from app.core.config import load_settings
    from app.ml.models.health_scoring import HealthScoringService
    from app.ml.runs.scoring import (
        BatchPlan,
        Deadline,
        fleet_findings,
        score_fleet,
    )
    from app.ml.services import MLService

    settings = load_settings(_env_file=None, ml_feature_cache_ttl=0)  # cold features
    ml = MLService(settings)
    imports_rss = peak_rss_mb()
    steps: dict[str, float] = {}
    mark = time.perf_counter()
    with ml.store.connect() as conn:
        extraction = ml.features.extract(conn)
    steps["features_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    job = ml.jobs.get(ml.start_training("bench", True, "1.0.0").job_id)
    while job.status in ("queued", "running"):
        time.sleep(0.05)
    steps["training_s"] = time.perf_counter() - mark
    assert job.status == "succeeded", job.error
    info, model = ml.manager.load_active_with_info()
    service = HealthScoringService(settings, model)
    mark = time.perf_counter()
    scores = score_fleet(
        service, extraction.frame, BatchPlan.from_settings(settings), Deadline(1e9)
    )
    steps["scoring_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    assert extraction.as_of is not None
    found = fleet_findings(scores, settings, extraction.as_of.date(), info.version)
    changes = ml.alerts.evaluate(found.findings, extraction.as_of)
    steps["alerts_s"] = time.perf_counter() - mark
    ml.close()
    return steps | {
        "devices": scores.processing["devices"],
        "device_days": len(extraction.frame),
        "alerts": len(changes),
        "batches": scores.processing["batches"],
        "workers": scores.processing["workers"],
        "ml_peak_rss_mb": peak_rss_mb(),
        "rss_after_imports_mb": imports_rss,
    }


def phase_api(workdir: Path) -> dict[str, Any]:
    """Median of cached GET /api/ml/health-scores for every device, in-process."""
    bench_settings(workdir)
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app()) as client:
        token = client.post(
            "/api/v1/auth/token",
            data={"username": "admin", "password": ADMIN_PASSWORD},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        mark = time.perf_counter()
        first = client.get("/api/ml/health-scores", headers=headers)
        first_s = time.perf_counter() - mark
        assert first.status_code == 200, first.text
        times = []
        for _ in range(REQUESTS):
            mark = time.perf_counter()
            response = client.get("/api/ml/health-scores", headers=headers)
            times.append((time.perf_counter() - mark) * 1000)
            assert response.status_code == 200
        body = response.json()
    return {
        "first_request_s": first_s,
        "cached_request_ms": statistics.median(times),
        "devices": body["metadata"]["count"],
        "bytes": len(response.content),
    }


def in_subprocess(phase: str, workdir: Path, csv: Path | None = None) -> dict[str, Any]:
    """One phase in a fresh interpreter; its JSON result."""
    extra = ["--csv", str(csv)] if csv else []
    return run_phase(__file__, phase, "--workdir", str(workdir), *extra)


def verdicts(ml: dict[str, Any], api: dict[str, Any]) -> dict[str, bool]:
    """PASS/FAIL per target."""
    return {
        f"scoring {ml['devices']:,} devices < {TARGETS['scoring_s']:g} s": ml["scoring_s"]
        < TARGETS["scoring_s"],
        f"alerts for all devices < {TARGETS['alerts_s']:g} s": ml["alerts_s"] < TARGETS["alerts_s"],
        f"ML peak RSS < {TARGETS['ml_peak_rss_mb']:g} MB": ml["ml_peak_rss_mb"]
        < TARGETS["ml_peak_rss_mb"],
        f"cached health-scores (median of {REQUESTS}) < {TARGETS['cached_request_ms']:g} ms": api[
            "cached_request_ms"
        ]
        < TARGETS["cached_request_ms"],
    }


def report(ingest: dict[str, Any], ml: dict[str, Any], api: dict[str, Any]) -> None:
    """Print the figures and the verdicts."""
    print(f"ingest               {ingest['rows']:,} rows in {ingest['seconds']:.2f} s")
    print(f"feature extraction   {ml['features_s']:.2f} s ({ml['device_days']:,} device-days)")
    print(f"training             {ml['training_s']:.2f} s")
    print(
        f"scoring              {ml['scoring_s']:.2f} s for {ml['devices']:,} devices "
        f"({ml['batches']} batches on {len(ml['workers'])} threads)"
    )
    print(f"alert generation     {ml['alerts_s']:.2f} s ({ml['alerts']} alerts opened or updated)")
    print(
        f"ML peak RSS          {ml['ml_peak_rss_mb']:.0f} MB "
        f"({ml['rss_after_imports_mb']:.0f} MB after imports)"
    )
    print(
        f"health-scores        first {api['first_request_s']:.2f} s, cached median "
        f"{api['cached_request_ms']:.1f} ms ({api['devices']:,} devices, {api['bytes']:,} bytes)"
    )


def main() -> int:
    """Simulate (cached), ingest, measure ML and API phases in fresh processes, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phase", choices=["ingest", "ml", "api"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phases = {
            "ingest": lambda: phase_ingest(args.workdir, args.csv),
            "ml": lambda: phase_ml(args.workdir),
            "api": lambda: phase_api(args.workdir),
        }
        print(json.dumps(phases[args.phase](), default=str))
        return 0
    csv = fleet_csv(args.devices, args.days, args.seed)
    with tempfile.TemporaryDirectory(prefix="dw-bench-ml-") as tmp:
        workdir = Path(tmp)
        ingest = in_subprocess("ingest", workdir, csv)
        ml = in_subprocess("ml", workdir)
        api = in_subprocess("api", workdir)
    checks = verdicts(ml, api)
    report(ingest, ml, api)
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    figures = {"args": vars(args) | {"csv": str(csv)}, "ingest": ingest, "ml": ml, "api": api}
    figures["checks"] = checks
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "ml.json").write_text(json.dumps(figures, indent=2, default=str))
    return 0 if all(checks.values()) and not math.isnan(ml["scoring_s"]) else 1


if __name__ == "__main__":
    sys.exit(main())
