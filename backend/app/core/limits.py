"""Bounds of the fleet generators, kept apart so the command line can show them cheaply."""

from __future__ import annotations

from datetime import date

SIMULATION_START = date(2025, 7, 1)  # drillwatch simulate's first day by default
SIMULATION_MAX_DEVICES = 50_000
SIMULATION_MAX_DAYS = 366
SCENARIO_START = date(2025, 1, 6)  # a scenario family's first day by default
SCENARIO_MAX_DEVICES = 2_000
SCENARIO_MAX_DAYS = 730
