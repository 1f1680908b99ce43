"""A small simulated fleet shared by the simulator tests, read back with DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from app.simulation import SimulationResult, simulate_fleet
from tests.simulation.fleet_sql import TRUTH_TYPES, sessionise

DEVICES, DAYS, SEED = 40, 28, 2024


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> SimulationResult:
    """40 devices x 28 days, written once per test session."""
    out = tmp_path_factory.mktemp("fleet")
    return simulate_fleet(DEVICES, DAYS, SEED, out, progress=False)


@pytest.fixture(scope="session")
def fleet_db(fleet: SimulationResult) -> Iterator[duckdb.DuckDBPyConnection]:
    """Tables rows (sessionised telemetry), truth (devices) and daily, joined via device_id."""
    db = duckdb.connect()
    db.execute("SET timezone = 'UTC'")
    db.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{fleet.telemetry_csv}')")
    truth = f"read_csv('{fleet.devices_csv}', types = {TRUTH_TYPES})"
    db.execute(f"CREATE TABLE truth AS SELECT * FROM {truth}")
    db.execute(f"CREATE TABLE daily AS SELECT * FROM read_csv('{fleet.daily_csv}')")
    sessionise(db, "raw", "rows")
    yield db
    db.close()


@pytest.fixture
def sample_db(sample_csv: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The field sample, sessionised the same way."""
    db = duckdb.connect()
    db.execute("SET timezone = 'UTC'")
    db.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{sample_csv}')")
    sessionise(db, "raw", "rows")
    yield db
    db.close()
