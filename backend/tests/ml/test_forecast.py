"""Health forecasts: trend, crossings and timeframes, checked against hand-worked lines."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from app.core.config import Settings, load_settings
from app.ml.alerts.forecast import (
    ForecastConfig,
    forecast_health,
    forecast_series,
    label,
    thresholds_from,
)

AS_OF = date(2025, 6, 30)
THRESHOLDS = {"alert": 70.0, "medium": 70.0, "high": 50.0, "critical": 30.0}


def line(device: str, last: float, slope: float, days: int = 20, **columns: float) -> pd.DataFrame:
    """Daily scores ending at AS_OF with value ``last`` and ``slope`` points per day."""
    offsets = np.arange(-days + 1, 1)
    frame = pd.DataFrame(
        {
            "device_id": device,
            "day": [AS_OF + timedelta(days=int(o)) for o in offsets],
            "health": last + slope * offsets,
        }
    )
    for name, value in columns.items():
        frame[name] = value
    return frame


def row(frame: pd.DataFrame, device: str) -> pd.Series:
    return frame.set_index("device_id").loc[device]


def bounds(timeframe: str) -> tuple[int, int]:
    low, high = re.fullmatch(r"(\d+)-(\d+) days", timeframe).groups()  # type: ignore[union-attr]
    return int(low), int(high)


def test_linear_decline_crosses_each_threshold_when_worked_out_by_hand() -> None:
    # 87 today, -1.5/day: 70 in 17/1.5 = 11.33 days, 50 in 24.67, 30 in 38; +7 days: 76.5
    result = row(forecast_health(line("a", 87.0, -1.5), THRESHOLDS), "a")
    assert result["slope"] == pytest.approx(-1.5)
    assert result["health_now"] == pytest.approx(87.0)
    assert result["forecast_health"] == pytest.approx(76.5)
    assert result["days_to_medium"] == pytest.approx(17 / 1.5)
    assert result["days_to_high"] == pytest.approx(37 / 1.5)
    assert result["days_to_critical"] == pytest.approx(38.0)
    for level, expected in (("medium", 17 / 1.5), ("high", 37 / 1.5), ("critical", 38.0)):
        low, high = bounds(result[f"timeframe_{level}"])
        assert low <= expected <= high


def test_already_below_a_threshold_is_now_and_the_next_one_is_ahead() -> None:
    # 43 today, -3/day: below 70 and 50 already; 30 in 13/3 = 4.33 days
    result = row(forecast_health(line("a", 43.0, -3.0), THRESHOLDS), "a")
    assert result["timeframe_medium"] == "now"
    assert result["timeframe_high"] == "now"
    assert result["days_to_high"] == 0
    assert result["days_to_critical"] == pytest.approx(13 / 3)
    assert bounds(result["timeframe_critical"]) == (4, 5)
    assert result["forecast_health"] == pytest.approx(43.0 - 21.0)


def test_flat_or_improving_devices_have_no_crossing() -> None:
    daily = pd.concat([line("flat", 90.0, 0.0), line("up", 75.0, 0.5)])
    result = forecast_health(daily, THRESHOLDS).set_index("device_id")
    assert np.isinf(result["days_to_medium"]).all()
    assert result["timeframe_medium"].isna().all()
    assert result.loc["up", "forecast_health"] == pytest.approx(78.5)


def test_crossing_beyond_the_longest_horizon_is_not_forecast() -> None:
    # 95 today, -0.1/day reaches 70 only after 250 days (> max_days = 60)
    result = row(forecast_health(line("a", 95.0, -0.1), THRESHOLDS), "a")
    assert np.isinf(result["days_to_medium"])
    assert result["timeframe_medium"] is None


def test_outliers_do_not_bend_the_robust_slope() -> None:
    daily = line("a", 80.0, -2.0, days=14)
    daily.loc[[11, 13], "health"] = [10.0, 5.0]  # two broken readings
    result = row(forecast_health(daily, THRESHOLDS), "a")
    least_squares = np.polyfit(np.arange(14), daily["health"], 1)[0]
    assert result["slope"] == pytest.approx(-2.0, abs=0.15)
    assert abs(least_squares + 2.0) > 2.0  # the plain fit would have been fooled


def test_noisier_history_widens_the_timeframe() -> None:
    rng = np.random.default_rng(7)
    quiet, noisy = line("quiet", 80.0, -2.0), line("noisy", 80.0, -2.0)
    noisy["health"] += rng.normal(0.0, 4.0, len(noisy))
    result = forecast_health(pd.concat([quiet, noisy]), THRESHOLDS).set_index("device_id")
    low, high = bounds(result.loc["quiet", "timeframe_high"])
    assert low <= 15 <= high
    noisy_low, noisy_high = bounds(result.loc["noisy", "timeframe_high"])
    assert noisy_high - noisy_low > high - low


def test_timeframe_range_covers_the_true_crossing_for_most_noisy_devices() -> None:
    # 300 devices on the same line (80 today, -2/day: 50 in 15 days) plus noise sd 3
    rng = np.random.default_rng(11)
    frames = [line(f"d{i}", 80.0, -2.0, days=14) for i in range(300)]
    daily = pd.concat(frames, ignore_index=True)
    daily["health"] += rng.normal(0.0, 3.0, len(daily))
    result = forecast_health(daily, THRESHOLDS)
    ranges = np.array([bounds(t) for t in result["timeframe_high"]])
    covered = (ranges[:, 0] <= 15) & (ranges[:, 1] >= 15)
    assert result["days_to_high"].median() == pytest.approx(15.0, abs=0.5)
    assert covered.mean() >= 0.75


def test_only_the_window_before_as_of_is_used() -> None:
    # steep fall long ago, flat for the last 14 days, and a crash after as_of
    old = line("a", 100.0, -5.0, days=10)
    old["day"] = old["day"] - timedelta(days=20)
    recent = line("a", 60.0, 0.0, days=14)
    future = pd.DataFrame({"device_id": ["a"], "day": [AS_OF + timedelta(days=1)], "health": [1.0]})
    daily = pd.concat([old, recent, future])
    result = row(forecast_health(daily, THRESHOLDS, ForecastConfig(window_days=14), AS_OF), "a")
    assert result["slope"] == pytest.approx(0.0)
    assert result["health_now"] == pytest.approx(60.0)
    wider = row(forecast_health(daily, THRESHOLDS, ForecastConfig(window_days=30), AS_OF), "a")
    assert wider["slope"] < -0.5


def test_missing_days_still_give_the_exact_line() -> None:
    daily = line("a", 70.0, -2.0, days=14).iloc[::2]
    result = row(forecast_health(daily, THRESHOLDS, as_of=AS_OF), "a")
    assert result["n_points"] == 7
    assert result["slope"] == pytest.approx(-2.0)
    assert result["days_to_high"] == pytest.approx(10.0)


def test_too_few_points_give_a_flat_forecast_without_a_crossing() -> None:
    result = row(forecast_health(line("a", 75.0, -10.0, days=2), THRESHOLDS), "a")
    assert result["slope"] == 0
    assert np.isinf(result["days_to_high"])
    assert result["forecast_health"] == pytest.approx(75.0)  # the latest score, held


def test_components_get_their_own_trend() -> None:
    daily = line("a", 80.0, -1.0, days=14, battery_performance=90.0)
    daily["current_stability"] = 70.0 - 2.0 * np.arange(-13, 1)  # 96 down to 70
    result = row(forecast_health(daily, THRESHOLDS), "a")
    assert result["battery_performance_slope"] == pytest.approx(0.0)
    assert result["battery_performance_forecast"] == pytest.approx(90.0)
    assert result["current_stability_slope"] == pytest.approx(-2.0)
    assert result["current_stability_now"] == pytest.approx(70.0)
    assert result["current_stability_forecast"] == pytest.approx(56.0)


def test_trend_context_lists_recent_scores_and_the_older_baseline() -> None:
    result = row(forecast_health(line("a", 60.0, -1.0, days=14), THRESHOLDS), "a")
    recent = result["recent_scores"]
    assert [r["day"] for r in recent] == [str(AS_OF - timedelta(days=d)) for d in range(6, -1, -1)]
    assert [r["health"] for r in recent] == [66.0, 65.0, 64.0, 63.0, 62.0, 61.0, 60.0]
    assert result["baseline"] == pytest.approx(np.median(60.0 + np.arange(7, 14)))


def test_forecast_series_follows_the_line_inside_its_band() -> None:
    series = forecast_series(line("a", 50.0, -4.0), as_of=AS_OF)
    assert list(series["day"]) == [AS_OF + timedelta(days=h) for h in range(1, 8)]
    assert series["forecast"].tolist() == pytest.approx([46, 42, 38, 34, 30, 26, 22])
    assert (series["lower"] <= series["forecast"]).all()
    assert (series["forecast"] <= series["upper"]).all()
    assert (series["upper"] - series["lower"]).is_monotonic_increasing


@pytest.mark.parametrize(
    ("point", "earliest", "latest", "expected"),
    [
        (0.0, 0.0, 0.0, "now"),
        (4.3, 3.6, 5.2, "3-6 days"),
        (0.4, 0.0, 1.5, "within 2 days"),
        (0.4, 0.0, 0.75, "within 1 day"),
        (12.0, 9.5, np.inf, "9+ days"),
        (np.inf, np.inf, np.inf, None),
    ],
)
def test_timeframe_labels(
    point: float, earliest: float, latest: float, expected: str | None
) -> None:
    assert label(point, earliest, latest) == expected


def test_threshold_settings_move_the_crossings(settings: Settings) -> None:
    daily = line("a", 87.0, -1.5)
    default = row(forecast_health(daily, thresholds_from(settings)), "a")
    moved = load_settings(
        medium_alert_threshold=80, high_alert_threshold=60, critical_health_threshold=45,
        ml_alert_threshold=85,
    )  # fmt: skip
    shifted = row(forecast_health(daily, thresholds_from(moved)), "a")
    assert default["days_to_medium"] == pytest.approx(17 / 1.5)
    assert shifted["days_to_medium"] == pytest.approx(7 / 1.5)
    assert shifted["days_to_high"] == pytest.approx(27 / 1.5)
    assert shifted["days_to_critical"] == pytest.approx(42 / 1.5)
    assert shifted["days_to_alert"] == pytest.approx(2 / 1.5)


def test_a_thousand_devices_are_forecast_in_well_under_a_second() -> None:
    rng = np.random.default_rng(3)
    n, days = 1000, 30
    daily = pd.DataFrame(
        {
            "device_id": np.repeat([f"d{i:04d}" for i in range(n)], days),
            "day": np.tile(pd.date_range(end=AS_OF, periods=days), n),
        }
    )
    slopes = np.repeat(rng.uniform(-2.0, 0.0, n), days)
    daily["health"] = 95.0 + slopes * np.tile(np.arange(days), n) + rng.normal(0, 2, n * days)
    started = time.perf_counter()
    result = forecast_health(daily, THRESHOLDS)
    elapsed = time.perf_counter() - started
    assert len(result) == n
    assert elapsed < 1.0
