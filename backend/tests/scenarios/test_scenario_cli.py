"""``drillwatch scenario``: list the families, write a run, refuse bad arguments."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from app.cli import app
from app.scenarios import FAMILIES, generate_scenario

runner = CliRunner()


def test_list_names_every_family() -> None:
    result = runner.invoke(app, ["scenario", "--list"])
    assert result.exit_code == 0, result.output
    for name in FAMILIES:
        assert name in result.output


def test_the_command_writes_what_the_api_writes(tmp_path: Path) -> None:
    args = ["--devices", "6", "--days", "9", "--seed", "4", "--no-progress"]
    result = runner.invoke(app, ["scenario", "thin_days", *args, "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert "rows for 6 devices x 9 days" in result.output
    generate_scenario("thin_days", 6, 9, 4, tmp_path / "api")
    for name in ("telemetry.csv", "truth_devices.csv", "truth_daily.csv", "scenario.json"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "api" / name).read_bytes()


def test_the_start_option_sets_the_first_day(tmp_path: Path) -> None:
    args = ["--devices", "3", "--days", "2", "--start", "2025-03-01", "--no-progress"]
    result = runner.invoke(app, ["scenario", "normal", *args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert '"start": "2025-03-01"' in (tmp_path / "scenario.json").read_text()


def test_unknown_family_and_missing_out_are_refused(tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["scenario", "tsunami", "--out", str(tmp_path)])
    assert unknown.exit_code == 2
    assert "not a family" in unknown.output
    missing = runner.invoke(app, ["scenario", "normal"])
    assert missing.exit_code == 2
    assert "--out" in missing.output
    too_many = runner.invoke(
        app, ["scenario", "normal", "--devices", "99999", "--out", str(tmp_path)]
    )
    assert too_many.exit_code == 2
    assert "devices must be" in too_many.output
    assert not any(tmp_path.iterdir())
