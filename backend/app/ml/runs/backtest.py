"""``drillwatch backtest``: replay a telemetry CSV day by day, with no ground truth.

The CSV is ingested into a throw-away DuckDB store (never the user's), its evidence
frame is computed once, and ``app.ml.runs.replay`` walks the days. The result is
written as DIR/alerts.json (every alert as first raised: created_at is the clock the
server would have had, the latest sample of that day; evidence_at the device's last
sample) and DIR/health_daily.csv.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from app.core.config import Settings
from app.core.errors import AppError, BadInput
from app.ml.alerts.records import plain
from app.ml.config import MLConfig
from app.ml.models.health_scoring import HealthModel
from app.ml.preprocessing.cache import FeatureCache
from app.ml.preprocessing.feature_engineering import MLFeatureService
from app.ml.runs.replay import BacktestConfig, day_end, replay
from app.services.ingestion import ingest_file
from app.storage.duckdb import TelemetryStore
from app.storage.scratch import process_folder, scratch_root

__all__ = ["BacktestConfig", "BacktestResult", "day_end", "run_backtest", "write_outputs"]


@dataclass
class BacktestResult:
    """Alerts raised (as first raised), daily health, and where the time went."""

    alerts: pd.DataFrame
    health: pd.DataFrame
    scored: pd.DataFrame
    collisions: pd.DataFrame
    devices: int
    days: int
    replayed_days: int
    rows: int
    fits: int
    seconds: dict[str, float] = field(default_factory=dict)
    model: HealthModel | None = None  # the model that scored the last replayed day


@contextmanager
def scratch_settings(settings: Settings) -> Iterator[Settings]:
    """``settings`` with every store and cache path in a fresh scratch folder beside the
    store (never /tmp: what a killed run leaves is removed at the next start)."""
    folder = Path(tempfile.mkdtemp(prefix="backtest-", dir=process_folder(scratch_root(settings))))
    scratch = settings.model_copy(
        update={
            "duckdb_path": folder / "telemetry.duckdb",
            "ml_cache_path": folder / "cache",
            "ml_data_path": folder / "ml",
            "ml_model_path": folder / "ml" / "models",
        }
    )
    try:
        yield scratch
    finally:
        TelemetryStore.from_settings(scratch).release()  # not kept open (STORE_KEEP_OPEN)
        shutil.rmtree(folder, ignore_errors=True)


def load_features(csv: Path, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Ingest ``csv`` into a temporary store; its evidence frame, the episodes of a second
    pod under one device id, and the accepted rows."""
    if not csv.is_file():
        raise BadInput(f"{csv} is not a file", field="file")
    with scratch_settings(settings) as scratch:
        store = TelemetryStore.from_settings(scratch)
        store.initialise()
        try:
            report = ingest_file(store, csv, scratch)
        except AppError as error:
            raise BadInput(error.message, field="file") from error
        if report.error:
            raise BadInput(report.error, field="file")
        with store.connect() as conn:
            span_row = conn.execute("SELECT min(ts), max(ts) FROM telemetry").fetchone()
            first, last = span_row if span_row else (None, None)
            if first is None or last is None:
                raise BadInput(f"{csv} holds no usable telemetry rows", field="file")
            cache = FeatureCache(
                scratch.ml_cache_path, ttl_seconds=0, max_entries=1, compress=False
            )
            service = MLFeatureService(store, scratch, cache)
            frame = service.extract(conn, as_of=last).frame
            span = (last.date() - first.date()).days + 1
            collisions = service.collisions(conn, last, span)
    return frame, collisions, report.accepted


def run_backtest(
    csv: Path,
    out: Path | None,
    settings: Settings,
    config: BacktestConfig | None = None,
    progress: bool = False,
) -> BacktestResult:
    """Replay ``csv`` day by day; writes alerts.json and health_daily.csv into ``out``."""
    config = config or BacktestConfig()
    began = time.perf_counter()
    features, collisions, rows = load_features(csv, settings)
    loaded = time.perf_counter()
    output = replay(features, MLConfig.from_settings(settings), config, progress)
    done = time.perf_counter()
    days = int(features["day"].nunique())
    result = BacktestResult(
        alerts=output.alerts,
        health=output.health,
        scored=output.scored,
        collisions=collisions,
        devices=int(features["device_id"].nunique()),
        days=days,
        replayed_days=max(days - config.warmup_days, 0),
        rows=rows,
        fits=output.fits,
        seconds={"ingest_features": loaded - began, "replay": done - loaded},
        model=output.model,
    )
    if out is not None:
        write_outputs(result, out)
    return result


def write_outputs(result: BacktestResult, out: Path) -> None:
    """DIR/alerts.json (list of alerts) and DIR/health_daily.csv."""
    out.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = [
        {str(k): _json_value(v) for k, v in row.items()} for row in result.alerts.to_dict("records")
    ]
    (out / "alerts.json").write_text(json.dumps(records, indent=2) + "\n")
    result.health.to_csv(out / "health_daily.csv", index=False)


def _json_value(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value
