"""Per-device health forecasts: robust trend lines and threshold crossings, vectorised.

Each device's last ``window_days`` daily scores form one row of a matrix. The slope is
the Theil-Sen estimate (median of pairwise slopes), the level the median of the
detrended values, the spread the scaled MAD of the residuals. Crossing times and their
range come from the prediction band evaluated on a grid, for all devices at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from app.core.config import Settings

MAD_TO_SD = 1.4826
KEY_COLUMNS = ("device_id", "day", "health")


@dataclass(frozen=True)
class ForecastConfig:
    """How much history the trend uses and how far and how confidently it projects."""

    window_days: int = 14
    horizon_days: int = 7
    max_days: int = 60
    min_points: int = 5  # a week-ahead line needs at least five measured days
    z: float = 1.2816  # two-sided 80 % prediction band
    grid_step: float = 0.25
    min_sd: float = 0.5  # health points: a noiseless history still gets a band
    recent_days: int = 7


@dataclass(frozen=True)
class Trend:
    """Fitted line per device, arrays aligned with ``devices``; x is days from as-of."""

    devices: np.ndarray
    level: np.ndarray
    slope: np.ndarray
    sd: np.ndarray
    n: np.ndarray
    x_mean: np.ndarray
    sxx: np.ndarray


def thresholds_from(settings: Settings) -> dict[str, float]:
    """Named health thresholds from settings: the alert gate and the three severities."""
    return {
        "alert": settings.ml_alert_threshold,
        "medium": settings.medium_alert_threshold,
        "high": settings.high_alert_threshold,
        "critical": settings.critical_health_threshold,
    }


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's warnings for devices whose window is (nearly) empty."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def day_matrices(
    daily: pd.DataFrame, columns: list[str], as_of: date, window: int
) -> dict[str, pd.DataFrame]:
    """Per column, a devices x day-offset matrix for the window ending at ``as_of``.

    Rows are the devices with a health score in the window; NaN marks a missing day.
    """
    offset = (pd.to_datetime(daily["day"]).dt.normalize() - pd.Timestamp(as_of)).dt.days
    keep = ((offset <= 0) & (offset > -window)).to_numpy()
    frame = pd.DataFrame(
        {c: pd.to_numeric(daily[c], errors="coerce").to_numpy(float)[keep] for c in columns}
    )
    frame["device_id"] = daily["device_id"].to_numpy()[keep]
    frame["offset"] = offset.to_numpy()[keep]
    means = frame.groupby(["device_id", "offset"]).mean()
    devices = means["health"].dropna().index.unique("device_id")
    days = list(range(-window + 1, 1))
    full = pd.MultiIndex.from_product([columns, days])
    wide = pd.DataFrame(means.unstack("offset")).reindex(index=devices, columns=full)
    return {c: pd.DataFrame(wide[c]) for c in columns}


def fit_trend(matrix: pd.DataFrame, config: ForecastConfig) -> Trend:
    """Theil-Sen slope, median level at offset 0 and robust residual spread per row."""
    y = matrix.to_numpy(dtype=float)
    x = matrix.columns.to_numpy(dtype=float)
    i, j = np.triu_indices(len(x), 1)
    with _quiet():
        n = np.sum(~np.isnan(y), axis=1)
        enough = n >= config.min_points
        slope = np.where(enough, np.nanmedian((y[:, j] - y[:, i]) / (x[j] - x[i]), axis=1), 0.0)
        level = np.where(
            enough, np.nanmedian(y - slope[:, None] * x, axis=1), _last_observed(matrix)[0]
        )
        resid = np.abs(y - (level[:, None] + slope[:, None] * x))
        sd = np.where(
            enough, np.maximum(MAD_TO_SD * np.nanmedian(resid, axis=1), config.min_sd), np.nan
        )
        seen = np.where(np.isnan(y), np.nan, x)
        x_mean = np.nanmean(seen, axis=1)
        sxx = np.nansum((seen - x_mean[:, None]) ** 2, axis=1)
    return Trend(matrix.index.to_numpy(), level, slope, sd, n, x_mean, sxx)


def band(trend: Trend, h: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point forecast and prediction band at offsets ``h`` (devices x len(h))."""
    mid = trend.level[:, None] + trend.slope[:, None] * h[None, :]
    with _quiet():
        spread = np.where(trend.sxx > 0, trend.sxx, np.inf)[:, None]
        leverage = 1.0 + 1.0 / trend.n[:, None] + (h[None, :] - trend.x_mean[:, None]) ** 2 / spread
    half = z * trend.sd[:, None] * np.sqrt(leverage)
    return mid, mid - half, mid + half


def _first_below(values: np.ndarray, grid: np.ndarray, threshold: float) -> np.ndarray:
    """First grid offset at which each row is below ``threshold`` (inf when never)."""
    below = values < threshold
    return np.where(below.any(axis=1), grid[np.argmax(below, axis=1)], np.inf)


def crossings(
    trend: Trend, now: np.ndarray, thresholds: Mapping[str, float], config: ForecastConfig
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per threshold, days until health falls below it: point, earliest, latest (inf = none).

    The point comes from the trend line, the range from where the prediction band's
    lower and upper edges cross; 0 when the latest score is already below.
    """
    grid = np.arange(0.0, config.max_days + config.grid_step / 2, config.grid_step)
    _, lower, upper = band(trend, grid, config.z)
    result = {}
    for name, threshold in thresholds.items():
        with _quiet():
            point = np.where(trend.slope < 0, (threshold - trend.level) / trend.slope, np.inf)
        point = np.where(point > config.max_days, np.inf, np.maximum(point, 0.0))
        none = np.isinf(point)
        earliest = np.where(none, np.inf, np.fmin(_first_below(lower, grid, threshold), point))
        latest = np.where(none, np.inf, np.maximum(_first_below(upper, grid, threshold), point))
        already = now < threshold
        result[name] = (
            np.where(already, 0.0, point),
            np.where(already, 0.0, earliest),
            np.where(already, 0.0, latest),
        )
    return result


def label(point: float, earliest: float, latest: float) -> str | None:
    """A timeframe such as "now", "3-5 days", "within 2 days", "12+ days" or None."""
    if not np.isfinite(point):
        return None
    if latest == 0:
        return "now"
    lo = int(np.floor(earliest))
    if not np.isfinite(latest):
        return f"{lo}+ days"
    hi = max(int(np.ceil(latest)), 1)
    if lo == 0:
        return "within 1 day" if hi == 1 else f"within {hi} days"
    return f"{lo} day{'s' if lo > 1 else ''}" if hi <= lo else f"{lo}-{hi} days"


def _components(daily: pd.DataFrame, components: list[str] | None) -> list[str]:
    if components is not None:
        return components
    return [
        c for c in daily.columns if c not in KEY_COLUMNS and pd.api.types.is_numeric_dtype(daily[c])
    ]


def _last_observed(matrix: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Latest value per row and its day offset (NaN when the row is empty)."""
    y = matrix.to_numpy(dtype=float)
    seen = ~np.isnan(y)
    idx = y.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)
    any_seen = seen.any(axis=1)
    value = np.where(any_seen, y[np.arange(len(y)), idx], np.nan)
    offset = np.where(any_seen, matrix.columns.to_numpy()[idx], np.nan)
    return value, offset


def _baseline(matrix: pd.DataFrame, recent: int) -> np.ndarray:
    """Median of the window before the recent days (the whole window when that is empty)."""
    y = matrix.to_numpy(dtype=float)
    older = y[:, matrix.columns.to_numpy(dtype=float) <= -recent]
    with _quiet():
        base = np.nanmedian(older, axis=1) if older.shape[1] else np.full(len(y), np.nan)
        result: np.ndarray = np.where(np.isnan(base), np.nanmedian(y, axis=1), base)
    return result


def forecast_health(
    daily: pd.DataFrame,
    thresholds: Mapping[str, float],
    config: ForecastConfig | None = None,
    as_of: date | None = None,
    components: list[str] | None = None,
) -> pd.DataFrame:
    """One row per device: trend, +horizon forecast and crossing of each named threshold.

    ``daily`` has device_id, day, health (0..100) and optional per-component columns;
    only days in the window ending at ``as_of`` (default: the latest day) are used.
    """
    config = config or ForecastConfig()
    as_of = as_of or pd.to_datetime(daily["day"]).max().date()
    columns = _components(daily, components)
    matrices = day_matrices(daily, ["health", *columns], as_of, config.window_days)
    matrix = matrices["health"]
    trend = fit_trend(matrix, config)
    now, last_offset = _last_observed(matrix)
    mid, lower, upper = band(trend, np.array([float(config.horizon_days)]), config.z)
    out: dict[str, Any] = {
        "device_id": trend.devices,
        "as_of": pd.Timestamp(as_of),
        "horizon_days": config.horizon_days,
        "n_points": trend.n,
        "days_since_data": 0.0 - last_offset,
        "health_now": now,
        "level": trend.level,
        "slope": trend.slope,
        "residual_sd": trend.sd,
        "baseline": _baseline(matrix, config.recent_days),
        "forecast_health": np.clip(mid[:, 0], 0, 100),
        "forecast_lower": np.clip(lower[:, 0], 0, 100),
        "forecast_upper": np.clip(upper[:, 0], 0, 100),
    }
    for name, (point, earliest, latest) in crossings(trend, now, thresholds, config).items():
        out[f"days_to_{name}"] = point
        out[f"timeframe_{name}"] = [label(*v) for v in zip(point, earliest, latest, strict=True)]
    for column in columns:
        sub = matrices[column]
        fit = fit_trend(sub, config)
        out[f"{column}_now"] = _last_observed(sub)[0]
        out[f"{column}_slope"] = fit.slope
        out[f"{column}_forecast"] = np.clip(fit.level + fit.slope * config.horizon_days, 0, 100)
    out["recent_scores"] = recent_scores(matrix, as_of, config.recent_days)
    return pd.DataFrame(out)


def recent_scores(matrix: pd.DataFrame, as_of: date, days: int) -> list[list[dict[str, Any]]]:
    """The last ``days`` observed daily scores per device as [{day, health}] lists."""
    tail = matrix.iloc[:, -days:]
    stamps = [
        (pd.Timestamp(as_of) + pd.Timedelta(days=int(o))).date().isoformat() for o in tail.columns
    ]
    values = np.round(tail.to_numpy(dtype=float), 2)
    return [
        [
            {"day": d, "health": float(v)}
            for d, v in zip(stamps, row, strict=True)
            if not np.isnan(v)
        ]
        for row in values
    ]


def forecast_series(
    daily: pd.DataFrame, config: ForecastConfig | None = None, as_of: date | None = None
) -> pd.DataFrame:
    """Long frame (device_id, day, forecast, lower, upper) for days 1..horizon, for charts."""
    config = config or ForecastConfig()
    as_of = as_of or pd.to_datetime(daily["day"]).max().date()
    trend = fit_trend(day_matrices(daily, ["health"], as_of, config.window_days)["health"], config)
    h = np.arange(1, config.horizon_days + 1, dtype=float)
    mid, lower, upper = (np.clip(a, 0, 100) for a in band(trend, h, config.z))
    days = pd.Timestamp(as_of) + pd.to_timedelta(h, unit="D")
    return pd.DataFrame(
        {
            "device_id": np.repeat(trend.devices, len(h)),
            "day": np.tile(days.date, len(trend.devices)),
            "forecast": mid.ravel(),
            "lower": lower.ravel(),
            "upper": upper.ravel(),
        }
    )
