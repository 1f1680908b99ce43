"""The day-by-day replay: its files, its clock and its causality."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import app
from app.core.config import Settings
from app.core.errors import BadInput
from app.ml.runs.backtest import (
    BacktestConfig,
    BacktestResult,
    day_end,
    load_features,
    run_backtest,
)
from app.simulation import DEFAULT_START, simulate_fleet
from app.storage.duckdb import SharedInstance
from app.storage.scratch import scratch_root

DEVICES, DAYS, SEED = 40, 30, 7
CUT_DAY = 22  # the truncated replay sees days 0..22
HEALTH_COLUMNS = [
    "device_id",
    "date",
    "health_score",
    "current_stability",
    "battery_performance",
    "gps_reliability",
    "telemetry_quality",
    "confidence",
    "status",
    "active",
]
ALERT_KEYS = {
    "device_id",
    "created_at",
    "evidence_at",
    "predicted_issue_type",
    "kind",
    "severity",
    "confidence",
    "predicted_failure_at",
}
# Everything an alert said when it was raised (later updates may change the rest).
AS_RAISED = [
    "device_id",
    "created_at",
    "predicted_issue_type",
    "severity",
    "confidence",
    "predicted_timeframe",
    "health_score",
]
runner = CliRunner()


@dataclass(frozen=True)
class Replayed:
    """A simulated fleet replayed in full and truncated after CUT_DAY."""

    csv: Path
    out: Path
    full: BacktestResult
    cut: BacktestResult


def truncate(csv: Path, target: Path, last_day: date) -> None:
    """Copy the rows of ``csv`` up to the end of ``last_day`` verbatim into ``target``."""
    cutoff = (last_day + timedelta(days=1)).isoformat()
    db = duckdb.connect()
    db.execute(
        f"COPY (SELECT * FROM read_csv('{csv}', all_varchar = true) "
        f"WHERE timestamp < '{cutoff}') TO '{target}' (HEADER true)"
    )
    db.close()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Replayed:
    """40 devices x 30 days (seed 7) replayed via the CLI, and its first 23 days replayed."""
    tmp = tmp_path_factory.mktemp("backtest")
    sim = simulate_fleet(DEVICES, DAYS, SEED, tmp / "sim", progress=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    out = tmp / "out"
    result = runner.invoke(app, ["backtest", str(sim.telemetry_csv), "--out", str(out)])
    assert result.exit_code == 0, result.output
    full = run_backtest(sim.telemetry_csv, None, settings)
    short = tmp / "short.csv"
    truncate(sim.telemetry_csv, short, DEFAULT_START + timedelta(days=CUT_DAY))
    cut = run_backtest(short, None, settings)
    return Replayed(sim.telemetry_csv, out, full, cut)


def test_backtest_writes_alerts_json_and_health_daily_csv(replayed: Replayed) -> None:
    alerts = json.loads((replayed.out / "alerts.json").read_text())
    health = pd.read_csv(replayed.out / "health_daily.csv")
    assert list(health.columns) == HEALTH_COLUMNS
    assert len(alerts) >= 2
    assert all(set(alert) >= ALERT_KEYS for alert in alerts)
    first_day = (DEFAULT_START + timedelta(days=7)).isoformat()
    assert health["date"].min() == first_day  # the default warm-up is 7 days
    assert health["date"].max() == (DEFAULT_START + timedelta(days=DAYS - 1)).isoformat()
    assert health["device_id"].nunique() == DEVICES
    assert health[["health_score", "confidence"]].notna().all().all()


def test_alerts_carry_the_servers_clock_and_the_time_of_their_evidence(
    replayed: Replayed,
) -> None:
    alerts = json.loads((replayed.out / "alerts.json").read_text())
    rows = pd.read_csv(replayed.csv, usecols=["timestamp", "device_id"])
    stamps = pd.to_datetime(rows["timestamp"], utc=True)
    for alert in alerts:
        created = pd.Timestamp(alert["created_at"])
        evidence = pd.Timestamp(alert["evidence_at"])
        # raised at the latest sample of the fleet that day, as the live server would be
        day = stamps[stamps.dt.date == created.date()]
        assert created == day.max()
        # the evidence is the device's own last sample at that moment
        own = stamps[(rows["device_id"] == alert["device_id"]) & (stamps <= created)]
        assert evidence == own.max()
        assert created.strftime("%H:%M:%S") != "23:59:59"


def test_alerts_up_to_a_day_do_not_depend_on_later_data(replayed: Replayed) -> None:
    clock = pd.Timestamp(day_end(DEFAULT_START + timedelta(days=CUT_DAY)), tz="UTC")
    assert replayed.full.fits == replayed.cut.fits + 1  # the same refits up to the cut

    def early(result: BacktestResult) -> pd.DataFrame:
        alerts = result.alerts[AS_RAISED]
        alerts = alerts[pd.to_datetime(alerts["created_at"], utc=True) <= clock]
        return alerts.sort_values(["device_id", "predicted_issue_type"]).reset_index(drop=True)

    full, cut = early(replayed.full), early(replayed.cut)
    assert len(full) >= 2
    assert len(cut) == len(replayed.cut.alerts)  # the short replay raises nothing later
    pd.testing.assert_frame_equal(full, cut)
    last = (DEFAULT_START + timedelta(days=CUT_DAY)).isoformat()
    upto = replayed.full.health[replayed.full.health["date"] <= last].reset_index(drop=True)
    pd.testing.assert_frame_equal(upto, replayed.cut.health)


def test_warm_up_and_refit_cadence_change_the_replay(replayed: Replayed) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    later = run_backtest(replayed.csv, None, settings, BacktestConfig(warmup_days=10))
    assert later.health["date"].min() == (DEFAULT_START + timedelta(days=10)).isoformat()
    assert replayed.full.fits == 4  # replayed days 7..29: fitted on days 7, 14, 21 and 28
    daily = run_backtest(replayed.csv, None, settings, BacktestConfig(refit_every=1))
    assert daily.fits == DAYS - 7
    assert not daily.health.equals(replayed.full.health)


def test_a_missing_or_malformed_file_is_refused_naming_it(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(BadInput) as missing:
        run_backtest(tmp_path / "nope.csv", None, settings)
    bad = tmp_path / "bad.csv"
    bad.write_text("when,who\n2025-07-01T00:00:00Z,a\n")
    with pytest.raises(BadInput) as malformed:
        run_backtest(bad, None, settings)
    assert missing.value.field == malformed.value.field == "file"
    wide = {"COLUMNS": "400"}  # the error box must not wrap the message (long tmp paths)
    result = runner.invoke(app, ["backtest", str(bad), "--out", str(tmp_path / "out")], env=wide)
    assert result.exit_code == 2
    assert "wrong header" in result.output
    assert not (tmp_path / "out").exists()


def test_the_scratch_store_is_let_go_before_its_folder_is_removed(
    settings: Settings, sample_csv: Path
) -> None:
    assert settings.store_keep_open > 0  # a store would keep its file open for a while
    frame, _, rows = load_features(sample_csv, settings)
    assert rows == 3900
    assert not frame.empty
    scratch = scratch_root(settings)
    assert [p for p in SharedInstance.open_paths() if p.is_relative_to(scratch)] == []
    assert not any(scratch.rglob("telemetry.duckdb"))


def test_replay_clock_is_the_last_second_of_the_day() -> None:
    assert day_end(date(2025, 7, 3)) == datetime(2025, 7, 3, 23, 59, 59)
