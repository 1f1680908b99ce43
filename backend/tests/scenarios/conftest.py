"""Runs of every scenario family, generated once per test session and read back from CSV."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.scenarios import generate_scenario

# Small fleets keep the suite quick; slow_wear needs a long window for its 4-20 week ramps.
SIZES = {"slow_wear": (30, 150)}
DEFAULT_SIZE = (40, 60)
SEED = 7


@dataclass
class Run:
    """One generated run, read back from its files only."""

    folder: Path

    @cached_property
    def raw(self) -> pd.DataFrame:
        """telemetry.csv exactly as written: every field a string, empty fields ''."""
        return pd.read_csv(self.folder / "telemetry.csv", dtype=str, keep_default_na=False)

    @cached_property
    def rows(self) -> pd.DataFrame:
        """telemetry.csv with parsed types and a UTC ``ts`` column."""
        frame = pd.read_csv(self.folder / "telemetry.csv", dtype={"device_id": str, "ble_id": str})
        frame["ts"] = pd.to_datetime(frame["timestamp"], utc=True)
        return frame

    @cached_property
    def devices(self) -> pd.DataFrame:
        return pd.read_csv(self.folder / "truth_devices.csv", dtype=str, keep_default_na=False)

    @cached_property
    def daily(self) -> pd.DataFrame:
        return pd.read_csv(self.folder / "truth_daily.csv", dtype={"device_id": str})

    @cached_property
    def collisions(self) -> pd.DataFrame:
        frame = pd.read_csv(self.folder / "collisions.csv", dtype=str)
        for column in ("start_ts", "end_ts"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame

    @cached_property
    def sessions(self) -> pd.DataFrame:
        frame = pd.read_csv(self.folder / "sessions.csv", dtype={"device_id": str})
        for column in ("start_ts", "end_ts"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame

    @cached_property
    def sites(self) -> pd.DataFrame:
        return pd.read_csv(self.folder / "sites.csv", dtype={"ble_id": str})

    @cached_property
    def scenario(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.folder / "scenario.json").read_text())
        return data

    def param(self, name: str) -> Any:
        return self.scenario["params"][name]["value"]


@pytest.fixture(scope="session")
def scenario_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Run]:
    """``scenario_run(family, seed=SEED)``: that family's run (generated on first use)."""
    cache: dict[tuple[str, int], Run] = {}

    def make(family: str, seed: int = SEED) -> Run:
        if (family, seed) not in cache:
            devices, days = SIZES.get(family, DEFAULT_SIZE)
            folder = tmp_path_factory.mktemp(f"{family}-{seed}")
            generate_scenario(family, devices, days, seed, folder)
            cache[family, seed] = Run(folder)
        return cache[family, seed]

    return make
