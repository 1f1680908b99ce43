"""Helpers for the MLService, training and settings tests: isolated settings, fleets, waits."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from app.core.config import Settings, load_settings
from app.services.ingestion import ingest_file
from app.simulation import simulate_fleet
from app.storage.duckdb import TelemetryStore
from tests.support import SECRET_KEY, path_settings


@dataclass(frozen=True)
class Fleet:
    """A simulated fleet's files and its telemetry read independently with pandas."""

    csv: Path
    devices_csv: Path
    frame: pd.DataFrame


def simulate(tmp: Path, devices: int, days: int, seed: int) -> Fleet:
    """Simulate a fleet into ``tmp``; the telemetry is also parsed with pandas (UTC)."""
    result = simulate_fleet(devices, days, seed, tmp, progress=False)
    frame = pd.read_csv(result.telemetry_csv, dtype={"device_id": str})
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return Fleet(result.telemetry_csv, result.devices_csv, frame)


def isolated(tmp: Path, **overrides: Any) -> Settings:
    """Settings whose every path lies under ``tmp`` (a developer's .env ignored)."""
    paths = {key.lower(): value for key, value in path_settings(tmp).items()}
    values: dict[str, Any] = {**paths, "secret_key": SECRET_KEY, "store_lock_timeout": 10}
    settings = load_settings(_env_file=None, **(values | overrides))
    settings.ensure_directories()
    return settings


def store_of(settings: Settings) -> TelemetryStore:
    """The settings' telemetry store, schema ensured."""
    store = TelemetryStore(settings.duckdb_path, lock_timeout=settings.store_lock_timeout)
    store.initialise()
    return store


def ingest_frame(store: TelemetryStore, settings: Settings, frame: pd.DataFrame, path: Path) -> int:
    """Write ``frame`` (the simulator's CSV columns) to ``path`` and ingest it."""
    out = frame.copy()
    out["timestamp"] = out["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.to_csv(path, index=False)
    return ingest_file(store, path, settings).accepted


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)
