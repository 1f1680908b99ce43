"""The day-by-day replay: its files, its causality, and the alert trajectory it follows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from app.ml.alerts.trajectory import alert_findings, alert_trajectory, confirmed
from typer.testing import CliRunner

from app.cli import app
from app.core.config import Settings
from app.core.errors import BadInput
from app.ml.runs.backtest import BacktestConfig, BacktestResult, day_end, run_backtest
from app.simulation import DEFAULT_START, simulate_fleet

DEVICES, DAYS, SEED = 30, 24, 7
CUT_DAY = 14  # the truncated replay sees days 0..14
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
]
ALERT_KEYS = {"device_id", "created_at", "predicted_issue_type", "severity", "confidence"}
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
    """30 devices x 24 days (seed 7) replayed via the CLI, and its first 15 days replayed."""
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
    assert len(alerts) >= 3
    assert all(set(alert) >= ALERT_KEYS for alert in alerts)
    first_day = (DEFAULT_START + timedelta(days=7)).isoformat()
    assert health["date"].min() == first_day  # the default warm-up is 7 days
    assert health["date"].max() == (DEFAULT_START + timedelta(days=DAYS - 1)).isoformat()
    assert health["device_id"].nunique() == DEVICES
    assert health[["health_score", "confidence"]].notna().all().all()


def test_every_alert_is_raised_at_the_end_of_a_replayed_day(replayed: Replayed) -> None:
    alerts = json.loads((replayed.out / "alerts.json").read_text())
    replayed_days = [DEFAULT_START + timedelta(days=d) for d in range(7, DAYS)]
    clocks = {f"{d.isoformat()}T23:59:59Z" for d in replayed_days}
    assert {alert["created_at"] for alert in alerts} <= clocks


def test_alerts_up_to_a_day_do_not_depend_on_later_data(replayed: Replayed) -> None:
    clock = pd.Timestamp(day_end(DEFAULT_START + timedelta(days=CUT_DAY)), tz="UTC")

    def early(result: BacktestResult) -> pd.DataFrame:
        alerts = result.alerts[AS_RAISED]
        alerts = alerts[pd.to_datetime(alerts["created_at"], utc=True) <= clock]
        return alerts.sort_values(["device_id", "predicted_issue_type"]).reset_index(drop=True)

    full, cut = early(replayed.full), early(replayed.cut)
    assert len(full) >= 3
    assert len(cut) == len(replayed.cut.alerts)  # the short replay raises nothing later
    pd.testing.assert_frame_equal(full, cut)
    last = (DEFAULT_START + timedelta(days=CUT_DAY)).isoformat()
    upto = replayed.full.health[replayed.full.health["date"] <= last].reset_index(drop=True)
    pd.testing.assert_frame_equal(upto, replayed.cut.health)


def test_warm_up_and_refit_cadence_change_the_replay(replayed: Replayed) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    later = run_backtest(replayed.csv, None, settings, BacktestConfig(warmup_days=10))
    assert later.health["date"].min() == (DEFAULT_START + timedelta(days=10)).isoformat()
    assert replayed.full.fits == DAYS - 7
    weekly = run_backtest(replayed.csv, None, settings, BacktestConfig(refit_every=7))
    assert weekly.fits == 3  # replayed days 7..23: fitted on days 7, 14 and 21
    assert not weekly.health.equals(replayed.full.health)


def test_a_missing_or_malformed_file_is_refused_naming_it(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(BadInput) as missing:
        run_backtest(tmp_path / "nope.csv", None, settings)
    bad = tmp_path / "bad.csv"
    bad.write_text("when,who\n2025-07-01T00:00:00Z,a\n")
    with pytest.raises(BadInput) as malformed:
        run_backtest(bad, None, settings)
    assert missing.value.field == malformed.value.field == "file"
    result = runner.invoke(app, ["backtest", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "wrong header" in result.output
    assert not (tmp_path / "out").exists()


# --- the trajectory alerts follow ------------------------------------------------------


def scores(values: list[float], confidence: list[float] | None = None) -> pd.DataFrame:
    """Daily scores of device "a" ending 2025-06-30: battery = ``values``, others 100."""
    n = len(values)
    return pd.DataFrame(
        {
            "device_id": "a",
            "day": pd.date_range(end="2025-06-30", periods=n),
            "current_stability": 100.0,
            "battery_performance": values,
            "gps_reliability": 100.0,
            "telemetry_quality": 95.0,
            "health_score": 90.0,
            "confidence": confidence or [0.9] * n,
            "silence_unexplained": False,
            "measured": True,
        }
    )


THRESHOLDS = {"alert": 70.0, "medium": 70.0, "high": 50.0, "critical": 30.0}
AS_OF = date(2025, 6, 30)


def test_the_trajectory_is_the_weakest_component_on_measured_days() -> None:
    history = scores([100.0, 90.0, 60.0, 80.0])
    history.loc[3, "measured"] = False
    trajectory = alert_trajectory(history)
    assert trajectory["health"].tolist() == [95.0, 90.0, 60.0]  # telemetry 95 is weakest first


def test_one_low_day_is_not_confirmed_until_the_next_measured_day() -> None:
    history = scores([100.0] * 6 + [40.0])
    trajectory = alert_trajectory(history)
    assert confirmed(trajectory, AS_OF, 1)["a"] == 40.0
    assert confirmed(trajectory, AS_OF, 2)["a"] == 95.0
    one = alert_findings(history, history.tail(1), AS_OF, THRESHOLDS, confirm_days=1)
    two = alert_findings(history, history.tail(1), AS_OF, THRESHOLDS, confirm_days=2)
    assert one.loc[0, "health_score"] == 40.0
    assert one.loc[0, "predicted_issue_type"] == "battery"
    assert two.loc[0, "health_score"] == 95.0


def test_days_scored_below_the_confidence_threshold_stay_out_of_the_trajectory() -> None:
    history = scores([100.0] * 5 + [45.0, 100.0, 40.0], [0.9] * 6 + [0.3, 0.9])
    found = alert_findings(history, history.tail(1), AS_OF, THRESHOLDS, min_confidence=0.6)
    assert found.loc[0, "health_score"] == 45.0  # the 100 on a thin day does not count
    kept = alert_findings(history, history.tail(1), AS_OF, THRESHOLDS, min_confidence=0.0)
    assert kept.loc[0, "health_score"] == 95.0


def test_replay_clock_is_the_last_second_of_the_day() -> None:
    assert day_end(date(2025, 7, 3)) == datetime(2025, 7, 3, 23, 59, 59)
