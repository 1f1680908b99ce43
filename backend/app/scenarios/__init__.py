"""A second, independently written fleet generator: scenario families with ground truth.

``generate_scenario(family, devices, days, seed, out_dir)`` writes telemetry.csv in the
field sample's schema plus truth_devices.csv, truth_daily.csv, collisions.csv and
scenario.json (the evaluation's inputs), and truth_faults.csv (per faulty pod: clock,
shape, ramp, signs), sites.csv and sessions.csv (where and when machines worked, and how
many samples each session sent). ``FAMILIES`` names the families.
"""

from app.scenarios.families import FAMILIES, PROFILES
from app.scenarios.generator import (
    DEFAULT_START,
    MAX_DAYS,
    MAX_DEVICES,
    ScenarioResult,
    generate_scenario,
)

__all__ = [
    "DEFAULT_START",
    "FAMILIES",
    "MAX_DAYS",
    "MAX_DEVICES",
    "PROFILES",
    "ScenarioResult",
    "generate_scenario",
]
