"""Simulator output: determinism, the sample's exact schema, the Python API and the CLI."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from app.commands.simulate import simulate
from app.core.errors import BadInput
from app.simulation import SimulationResult, day, simulate_fleet

FILES = ("telemetry.csv", "ground_truth_devices.csv", "ground_truth_daily.csv")
PATTERNS = {
    "timestamp": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    "device_id": r"[0-9a-f]{8}",
    "seq": r"[1-9]\d*",
    "current_amp": r"\d+\.\d{2}",
    "gps_lat": r"(-?\d+\.\d{6})?",
    "gps_lon": r"(-?\d+\.\d{6})?",
    "battery_level": r"\d{1,3}",
    "ble_id": r"([0-9A-F]{2}:){5}[0-9A-F]{2}|",
}


def run(out: Path, seed: int = 3, devices: int = 12, days: int = 5) -> SimulationResult:
    """A tiny fleet, quietly."""
    return simulate_fleet(devices, days, seed, out, progress=False)


def test_same_seed_writes_identical_bytes(tmp_path: Path) -> None:
    run(tmp_path / "a")
    run(tmp_path / "b")
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_different_seed_writes_different_telemetry(tmp_path: Path) -> None:
    run(tmp_path / "a", seed=3)
    run(tmp_path / "b", seed=4)
    assert (tmp_path / "a" / FILES[0]).read_bytes() != (tmp_path / "b" / FILES[0]).read_bytes()


def test_several_device_blocks_stay_deterministic_and_time_ordered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(day, "BLOCK", 5)
    run(tmp_path / "a")
    run(tmp_path / "b")
    data = (tmp_path / "a" / FILES[0]).read_bytes()
    assert data == (tmp_path / "b" / FILES[0]).read_bytes()
    frame = pd.read_csv(tmp_path / "a" / FILES[0])
    assert frame["timestamp"].is_monotonic_increasing
    assert frame["device_id"].nunique() == 12


def test_every_field_has_the_sample_format(fleet: SimulationResult, sample_csv: Path) -> None:
    text = fleet.telemetry_csv.read_text()
    lines = text.splitlines()
    assert lines[0] == sample_csv.read_text().splitlines()[0]
    assert text.endswith("\n")
    assert "\r" not in text
    frame = pd.read_csv(fleet.telemetry_csv, dtype=str, keep_default_na=False)
    for column, pattern in PATTERNS.items():
        bad = ~frame[column].str.fullmatch(pattern)
        assert not bad.any(), f"{column}: {frame.loc[bad, column].head(3).tolist()}"
    assert len(frame) == len(lines) - 1 == fleet.rows


def test_duckdb_reads_the_output_with_the_sample_types(
    fleet: SimulationResult, sample_csv: Path
) -> None:
    db = duckdb.connect()
    ours = db.execute(f"DESCRIBE SELECT * FROM read_csv('{fleet.telemetry_csv}')").fetchall()
    theirs = db.execute(f"DESCRIBE SELECT * FROM read_csv('{sample_csv}')").fetchall()
    assert [(c[0], c[1]) for c in ours] == [(c[0], c[1]) for c in theirs]


def test_gps_is_empty_as_a_pair_and_ble_empty_means_no_tag(fleet: SimulationResult) -> None:
    frame = pd.read_csv(fleet.telemetry_csv, dtype=str, keep_default_na=False)
    assert ((frame["gps_lat"] == "") == (frame["gps_lon"] == "")).all()
    assert (frame["ble_id"] == "").any()
    assert (frame["ble_id"] != "").any()


def test_no_device_id_looks_like_a_number(tmp_path: Path) -> None:
    # Otherwise a one-device fleet can come back from a type-guessing CSV reader as 2.08e+07.
    run(tmp_path, devices=400, days=1)
    ids = pd.read_csv(tmp_path / FILES[1], dtype=str)["device_id"]
    assert ids.str.fullmatch(PATTERNS["device_id"]).all()
    assert not ids.str.fullmatch(r"\d+(e\d+)?").any()
    assert pd.to_numeric(ids, errors="coerce").isna().all()


def test_ground_truth_files_have_their_documented_columns(fleet: SimulationResult) -> None:
    devices = pd.read_csv(fleet.devices_csv, dtype=str, keep_default_na=False)
    assert list(devices.columns) == [
        "device_id", "profile", "fault_type", "onset_ts", "failure_ts", "joined_ts", "retired_ts",
    ]  # fmt: skip
    assert set(devices["fault_type"]) == {"none", "motor", "battery", "gps", "radio"}
    assert set(devices["profile"]) <= {
        "normal", "hard_material", "no_gps_site", "late_join", "retired",
    }  # fmt: skip
    stamp = re.compile(PATTERNS["timestamp"] + "|")
    for column in ("onset_ts", "failure_ts", "joined_ts", "retired_ts"):
        assert devices[column].map(lambda v: bool(stamp.fullmatch(v))).all(), column
    daily = pd.read_csv(fleet.daily_csv)
    assert list(daily.columns) == ["device_id", "date", "motor", "battery", "gps", "radio"]
    assert daily[["motor", "battery", "gps", "radio"]].stack().between(0, 1).all()


def test_fault_share_and_unusual_share_match_the_brief(fleet: SimulationResult) -> None:
    devices = pd.read_csv(fleet.devices_csv)
    faulty = (devices["fault_type"] != "none").mean()
    unusual = ((devices["fault_type"] == "none") & (devices["profile"] != "normal")).mean()
    assert 0.25 <= faulty <= 0.35
    assert 0.10 <= unusual <= 0.15


def test_start_date_sets_the_window(tmp_path: Path) -> None:
    simulate_fleet(8, 3, 1, tmp_path, start=date(2024, 2, 27), progress=False)
    stamps = pd.to_datetime(pd.read_csv(tmp_path / FILES[0])["timestamp"])
    assert stamps.min() >= pd.Timestamp("2024-02-27", tz="UTC")
    assert stamps.max() < pd.Timestamp("2024-03-01", tz="UTC")
    dates = set(pd.read_csv(tmp_path / FILES[2])["date"])
    assert dates == {"2024-02-27", "2024-02-28", "2024-02-29"}


def test_leaves_only_the_three_files_behind(tmp_path: Path) -> None:
    run(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)


@pytest.mark.parametrize(
    ("devices", "days", "seed", "field"),
    [(0, 5, 1, "devices"), (10**6, 5, 1, "devices"), (5, 0, 1, "days"), (5, 5, -1, "seed")],
)
def test_out_of_range_arguments_are_refused_naming_them(
    tmp_path: Path, devices: int, days: int, seed: int, field: str
) -> None:
    with pytest.raises(BadInput) as caught:
        simulate_fleet(devices, days, seed, tmp_path, progress=False)
    assert caught.value.field == field


def test_progress_bar_shows_only_when_enabled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simulate_fleet(4, 2, 1, tmp_path / "on", progress=True)
    assert "Simulating 4 devices" in capsys.readouterr().err
    simulate_fleet(4, 2, 1, tmp_path / "off", progress=False)
    assert capsys.readouterr().err == ""


def cli() -> typer.Typer:
    """The simulate command on its own, as ``app.cli`` registers it."""
    app = typer.Typer()
    app.command()(simulate)
    return app


def test_cli_writes_the_files_and_reports_rows(tmp_path: Path) -> None:
    args = ["--devices", "6", "--days", "3", "--seed", "9", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli(), [*args, "--start", "2025-03-03", "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = len(pd.read_csv(tmp_path / FILES[0]))
    assert f"{rows:,} rows" in result.output
    assert pd.read_csv(tmp_path / FILES[0])["timestamp"].str.startswith("2025-03-0").all()


def test_cli_refuses_a_bad_device_count_naming_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["--devices", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--devices" in result.output
