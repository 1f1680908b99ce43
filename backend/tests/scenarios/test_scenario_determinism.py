"""Same arguments give byte-identical files; other seeds draw other parameters."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from app.core.errors import BadInput
from app.scenarios import FAMILIES, generate_scenario

FILES = [
    "telemetry.csv",
    "truth_devices.csv",
    "truth_daily.csv",
    "truth_faults.csv",
    "collisions.csv",
    "sites.csv",
    "sessions.csv",
    "scenario.json",
]


@pytest.mark.parametrize("family", ["collisions", "lifecycle", "cold_weeks"])
def test_same_arguments_give_byte_identical_files(tmp_path: Path, family: str) -> None:
    first = generate_scenario(family, 15, 21, 5, tmp_path / "a")
    second = generate_scenario(family, 15, 21, 5, tmp_path / "b")
    assert first.rows == second.rows > 0
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_rerun_into_the_same_folder_replaces_the_files(tmp_path: Path) -> None:
    generate_scenario("normal", 6, 10, 1, tmp_path)
    before = (tmp_path / "telemetry.csv").read_bytes()
    generate_scenario("normal", 6, 10, 2, tmp_path)
    assert (tmp_path / "telemetry.csv").read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_parameters_vary_between_seeds(tmp_path: Path, family: str) -> None:
    params = []
    for seed in (1, 2):
        generate_scenario(family, 12, 30, seed, tmp_path / str(seed))
        params.append(json.loads((tmp_path / str(seed) / "scenario.json").read_text())["params"])
    numeric = [
        name
        for name, entry in params[0].items()
        if isinstance(entry["value"], float) and "range" in entry and name in params[1]
    ]
    changed = [name for name in numeric if params[0][name]["value"] != params[1][name]["value"]]
    assert len(numeric) >= 40
    assert len(changed) / len(numeric) > 0.9


def test_the_start_date_moves_the_window(tmp_path: Path) -> None:
    generate_scenario("normal", 8, 10, 3, tmp_path, start=date(2024, 11, 4))
    rows = pd.read_csv(tmp_path / "telemetry.csv", dtype=str)
    daily = pd.read_csv(tmp_path / "truth_daily.csv", dtype=str)
    assert rows["timestamp"].min() >= "2024-11-04T00:00:00Z"
    assert rows["timestamp"].max() < "2024-11-14T00:00:00Z"
    assert sorted(daily["date"].unique())[0] == "2024-11-04"
    assert json.loads((tmp_path / "scenario.json").read_text())["start"] == "2024-11-04"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("tsunami", 10, 10, 1), "family"),
        (("normal", 0, 10, 1), "devices"),
        (("normal", 10, 0, 1), "days"),
        (("normal", 10, 10, -1), "seed"),
    ],
)
def test_bad_arguments_name_their_field(
    tmp_path: Path, arguments: tuple[str, int, int, int], field: str
) -> None:
    with pytest.raises(BadInput) as raised:
        generate_scenario(*arguments, tmp_path / "out")
    assert raised.value.field == field
    assert not (tmp_path / "out").exists()
