"""The health model on real data: NASA battery ageing and the field sample, day by day.

Both files are read by path from ../shared/data (missing: fail under CI=true, else skip).
The NASA cells age to end of life with a healthy motor and GPS; the field sample's three
pods are healthy, and one of them has a second pod reporting under its id twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from scipy.stats import spearmanr

from app.ml.preprocessing.feature_engineering import MLFeatureService
from app.ml.runs.backtest import BacktestConfig, BacktestResult, run_backtest
from app.services.ingestion import ingest_file
from tests.conftest import NASA_DIR, SAMPLE_CSV, shared_file
from tests.ml.service_helpers import isolated, store_of

LEAD_DAYS = 7  # a battery alert at least this long before the first end-of-life discharge
MIN_RHO = 0.85


@dataclass(frozen=True)
class Nasa:
    result: BacktestResult
    truth: pd.DataFrame
    end_of_life: dict[str, pd.Timestamp]


@pytest.fixture(scope="module")
def nasa(tmp_path_factory: pytest.TempPathFactory) -> Nasa:
    csv = shared_file(NASA_DIR / "telemetry.csv")
    cycles = pd.read_csv(shared_file(NASA_DIR / "cycles.csv"), parse_dates=["discharge_start_time"])
    truth = pd.read_csv(shared_file(NASA_DIR / "truth_daily.csv"))
    first_eol = cycles[cycles["eol_1p4ah"]].groupby("device_id")["discharge_start_time"].min()
    settings = isolated(tmp_path_factory.mktemp("nasa"))
    result = run_backtest(csv, None, settings, BacktestConfig())
    return Nasa(result, truth, first_eol.to_dict())


def test_nasa_battery_score_falls_with_state_of_health(nasa: Nasa) -> None:
    both = nasa.result.health.merge(nasa.truth, on=["device_id", "date"])
    for device, rows in both.groupby("device_id"):
        rho = spearmanr(rows["battery_performance"], rows["battery_soh"]).statistic
        assert rho >= MIN_RHO, f"{device}: Spearman {rho:.3f}"


def test_nasa_battery_alert_comes_a_week_before_end_of_life(nasa: Nasa) -> None:
    alerts = nasa.result.alerts
    battery = alerts[alerts["predicted_issue_type"] == "battery"]
    for device, eol in nasa.end_of_life.items():
        raised = pd.to_datetime(battery.loc[battery["device_id"] == device, "created_at"])
        assert len(raised), f"{device}: no battery alert"
        first = raised.min().tz_localize(None) if raised.min().tzinfo else raised.min()
        assert eol - first >= pd.Timedelta(days=LEAD_DAYS), f"{device}: {first} vs {eol}"


def test_nasa_motor_and_gps_stay_healthy(nasa: Nasa) -> None:
    health = nasa.result.health
    assert health["current_stability"].min() >= 90
    assert health["gps_reliability"].min() >= 90
    assert set(nasa.result.alerts["predicted_issue_type"]) == {"battery"}


@pytest.fixture(scope="module")
def field(tmp_path_factory: pytest.TempPathFactory) -> tuple[BacktestResult, pd.DataFrame]:
    csv = shared_file(SAMPLE_CSV)
    tmp = tmp_path_factory.mktemp("field")
    result = run_backtest(csv, None, isolated(tmp), BacktestConfig())
    settings = isolated(tmp / "store")
    store = store_of(settings)
    ingest_file(store, csv, settings)
    service = MLFeatureService(store, settings)
    with store.connect() as conn:
        episodes = service.collisions(conn, pd.Timestamp("2025-08-01").to_pydatetime(), 60)
    return result, episodes


def test_field_sample_raises_no_alert(field: tuple[BacktestResult, pd.DataFrame]) -> None:
    result, _ = field
    assert result.devices == 3
    assert result.alerts.empty


def test_field_sample_collisions_are_both_reported(
    field: tuple[BacktestResult, pd.DataFrame],
) -> None:
    _, episodes = field
    assert list(episodes["device_id"]) == ["9f8c2a7d", "9f8c2a7d"]
    starts = pd.to_datetime(episodes["start_ts"]).dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert starts == ["2025-07-21 23:26", "2025-07-26 13:32"]
    km = (episodes["distance_m"] / 1000).round().tolist()
    assert km == [33.0, 21.0]  # the pods were about 33 and 21 km apart


def test_field_sample_collisions_leave_the_battery_alone(
    field: tuple[BacktestResult, pd.DataFrame],
) -> None:
    result, _ = field
    health = result.health[result.health["device_id"] == "9f8c2a7d"]
    assert health["battery_performance"].min() >= 90
