"""Helpers for the feature and health-score tests: stores, telemetry rows, simulated fleets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from app.core.config import Settings, load_settings
from app.ml.preprocessing.feature_engineering import MLFeatureService
from app.simulation import simulate_fleet
from app.storage.duckdb import TelemetryStore

COLUMNS = "ts, device_id, seq, current_amp, gps_lat, gps_lon, battery_level, ble_id, ingest_id"


def new_store(path: Path) -> TelemetryStore:
    """An initialised, empty telemetry store at ``path``."""
    store = TelemetryStore(path, lock_timeout=10)
    store.initialise()
    return store


def load_csv(store: TelemetryStore, csv: Path, ingest_id: int = 1, where: str = "") -> int:
    """Insert a telemetry CSV (the field sample's schema) straight into ``telemetry``."""
    sql = f"""
        INSERT INTO telemetry SELECT CAST(timestamp AS TIMESTAMPTZ) AT TIME ZONE 'UTC',
            device_id, seq, current_amp, gps_lat, gps_lon, battery_level, nullif(ble_id, ''),
            {int(ingest_id)}
        FROM read_csv('{csv}', types = {{'device_id': 'VARCHAR', 'ble_id': 'VARCHAR'}})
        {where}"""
    with store.connect() as conn:
        before = _count(conn)
        conn.execute(sql)
        return _count(conn) - before


def _count(conn: Any) -> int:
    row = conn.execute("SELECT count(*) FROM telemetry").fetchone()
    return int(row[0]) if row else 0


def insert_rows(store: TelemetryStore, rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert (ts, device_id, seq, amp, lat, lon, battery) rows; ble_id NULL, ingest 1."""
    names = ["ts", "device_id", "seq", "current_amp", "gps_lat", "gps_lon", "battery_level"]
    batch = pd.DataFrame(list(rows), columns=names).astype({"gps_lat": float, "gps_lon": float})
    with store.connect() as conn:
        conn.register("batch", batch)
        conn.execute(f"INSERT INTO telemetry ({COLUMNS}) SELECT *, NULL, 1 FROM batch")


def session_rows(
    device: str,
    start: datetime,
    amps: list[float],
    *,
    seq0: int = 1,
    battery: int = 80,
    gps: tuple[float, float] | None = (52.5, 13.4),
    skip: set[int] | None = None,
) -> list[tuple[Any, ...]]:
    """One session: a sample every 30 s with the given currents; ``skip`` drops indexes."""
    rows = []
    for i, amp in enumerate(amps):
        if skip and i in skip:
            continue
        lat, lon = gps if gps else (None, None)
        rows.append((start + timedelta(seconds=30 * i), device, seq0 + i, amp, lat, lon, battery))
    return rows


def quiet_settings(tmp: Path, **overrides: Any) -> Settings:
    """Settings for module-scoped fixtures: cache under ``tmp`` and switched off."""
    values: dict[str, Any] = {"ml_cache_path": tmp / "cache", "ml_feature_cache_ttl": 0}
    return load_settings(**(values | overrides))


def simulated_store(tmp: Path, devices: int, days: int, seed: int) -> tuple[TelemetryStore, Path]:
    """Simulate a fleet into ``tmp`` and load its telemetry into a new store there."""
    result = simulate_fleet(devices, days, seed, tmp / "sim", progress=False)
    store = new_store(tmp / "fleet.duckdb")
    load_csv(store, result.telemetry_csv)
    return store, tmp / "sim"


def with_truth(frame: pd.DataFrame, sim_dir: Path) -> pd.DataFrame:
    """``frame`` joined with the simulator's device profile, fault and daily condition."""
    devices = pd.read_csv(sim_dir / "ground_truth_devices.csv", dtype={"device_id": str})
    daily = pd.read_csv(sim_dir / "ground_truth_daily.csv", dtype={"device_id": str})
    daily["day"] = pd.to_datetime(daily.pop("date")).astype("datetime64[us]")
    merged = frame.merge(devices[["device_id", "profile", "fault_type"]], on="device_id")
    return merged.merge(daily, on=["device_id", "day"], how="left")


def fleet_features(store: TelemetryStore, settings: Settings, days: int) -> pd.DataFrame:
    """Daily features of every device over ``days`` days up to the last sample."""
    return MLFeatureService(store, settings).daily_features(days=days)
