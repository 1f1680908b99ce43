"""From a device-day evidence frame to degradation states, component scores and urgency.

``assess`` lays the frame out as device x day x indicator arrays, runs the filter of
``state`` day by day and keeps, per device-day and component, the degradation level
of its worst indicator with its uncertainty, the probability that the part fails
within the alert horizon (and now), and the predicted days to failure. Only the days
from ``keep_from`` on are kept, so a live run holds a window and a replay everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from app.ml.config import COMPONENTS
from app.ml.models.indicators import INDICATORS, NAMES
from app.ml.models.noise import Noise
from app.ml.models.references import REFERENCE_DAYS
from app.ml.models.state import (
    FilterParams,
    FilterState,
    Floats,
    days_to_failure,
    onset_rate,
    probability_failed,
    probability_failed_onset,
)

USAGE_DAYS = 28  # trailing days the usage rate (working days per calendar day) is taken over
MIN_USAGE = 1.0 / USAGE_DAYS
GROUPS = np.array([COMPONENTS.index(i.component) for i in INDICATORS])
# judged against the device's own commissioning value: they swing with the job and weather
OWN = np.array([i.reference == "own" for i in INDICATORS])
# a rate cannot be better than none: far below the fleet's or the place's normal is noise
FLOOR = -0.25
LIMITS = np.array([i.limit for i in INDICATORS])
# per component and day: level, sd, slope, p_fail (horizon), p_now, p_gone (by now, had it
# kept working through its silence), expected/earliest/latest days to failure
OUTPUTS = (
    "level",
    "sd",
    "slope",
    "slope_sd",
    "p_fail",
    "p_now",
    "p_gone",
    "days",
    "days_early",
    "days_late",
)


@dataclass
class Layout:
    """Where each device-day row sits in the device x day arrays."""

    devices: np.ndarray
    days: pd.DatetimeIndex
    rows: np.ndarray  # (device index, day index) per frame row
    active: Floats  # (D, T) 1 on working days
    usage: Floats  # (D, T) working days per calendar day, trailing
    idle_work: Floats  # (D, T) working days the device would have had since it went silent


@dataclass
class Assessment:
    """Per device-day and component outputs, plus each device's final indicator states."""

    layout: Layout
    kept_days: pd.DatetimeIndex
    components: dict[str, Floats]  # name -> (D, T_kept, C)
    idle_work: Floats  # (D, T_kept) working days missed in the current silence
    final: FilterState  # (D, I) after the last day
    final_usage: Floats  # (D,)


def layout(frame: pd.DataFrame) -> Layout:
    """Index a device-day grid frame (one row per device and calendar day)."""
    devices, dev_idx = np.unique(frame["device_id"].to_numpy(str), return_inverse=True)
    day_values = pd.to_datetime(frame["day"]).to_numpy("datetime64[D]")
    first = day_values.min()
    day_idx = (day_values - first).astype(np.int64)
    days = pd.date_range(pd.Timestamp(first), periods=int(day_idx.max()) + 1, freq="D")
    active = np.zeros((len(devices), len(days)))
    active[dev_idx, day_idx] = frame["active"].to_numpy(bool)
    exists = np.zeros_like(active)
    exists[dev_idx, day_idx] = 1.0
    usage = _usage(active, exists)
    rows = np.column_stack([dev_idx, day_idx])
    return Layout(devices, days, rows, active, usage, _idle_work(active, usage))


def _idle_work(active: Floats, usage: Floats) -> Floats:
    """Days silent since the last working day, times the usage rate it had then."""
    index = np.where(active > 0, np.arange(active.shape[1])[None, :], -1)
    last = np.maximum.accumulate(index, axis=1)
    silent = np.arange(active.shape[1])[None, :] - last
    rows = np.arange(active.shape[0])[:, None]
    rate = usage[rows, np.maximum(last, 0)]
    result: Floats = np.where(last >= 0, silent * rate, 0.0)
    return result


def _usage(active: Floats, exists: Floats) -> Floats:
    """Share of the trailing USAGE_DAYS the device worked (over the days it existed)."""
    worked = np.cumsum(active, axis=1)
    known = np.cumsum(exists, axis=1)
    lag = USAGE_DAYS
    worked_window = worked - np.pad(worked, ((0, 0), (lag, 0)))[:, : worked.shape[1]]
    known_window = known - np.pad(known, ((0, 0), (lag, 0)))[:, : known.shape[1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (worked_window + 0.5) / (known_window + 1.0)
    result: Floats = np.clip(np.nan_to_num(rate, nan=MIN_USAGE), MIN_USAGE, 1.0)
    return result


def observation_arrays(
    frame: pd.DataFrame, grid: Layout, noise: dict[str, Noise]
) -> tuple[np.ndarray, np.ndarray]:
    """(D, T, I) observations and variances in units of each indicator's limit."""
    shape = (len(grid.devices), len(grid.days), len(INDICATORS))
    y = np.full(shape, np.nan, dtype=np.float32)
    r = np.full(shape, np.inf, dtype=np.float32)
    d, t = grid.rows[:, 0], grid.rows[:, 1]
    for k, indicator in enumerate(INDICATORS):
        fitted = noise[indicator.name]
        values = (frame[f"y_{indicator.name}"].to_numpy(float) - fitted.centre) / indicator.limit
        if indicator.reference != "own":
            values = np.maximum(values, FLOOR)
        counts = frame[f"n_{indicator.name}"].to_numpy(float)
        variance = fitted.variance(counts)
        if indicator.reference == "own":  # the frozen reference is itself uncertain
            variance = variance + fitted.between**2 / REFERENCE_DAYS
        extra = f"v_{indicator.name}"
        if extra in frame:  # context the day was measured in adds its own uncertainty
            variance = variance + frame[extra].to_numpy(float)
        ok = np.isfinite(values) & np.isfinite(variance)
        y[d[ok], t[ok], k] = values[ok]
        r[d[ok], t[ok], k] = variance[ok] / indicator.limit**2
    return y, r


def _component_max(values: Floats, order: np.ndarray) -> Floats:
    """(D, C) maximum over each component's indicators."""
    out = np.full((values.shape[0], len(COMPONENTS)), -np.inf)
    for c in range(len(COMPONENTS)):
        out[:, c] = values[:, c == GROUPS].max(axis=1)
    return out


def _probability(state: FilterState, h: Floats, params: FilterParams) -> Floats:
    """P(failed ``h`` working days ahead): by the trend, or by the pace since onset."""
    trend = probability_failed(state, h, params)
    result: Floats = np.maximum(trend, probability_failed_onset(state, h, params))
    return result


def _days(state: FilterState, params: FilterParams) -> tuple[Floats, Floats, Floats]:
    """Working days to failure (expected, earliest, latest): the sooner of both paces."""
    days, early, late = days_to_failure(state)
    rate = onset_rate(state, params)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(rate > 0, np.maximum(1.0 - state.level, 0.0) / rate, np.inf)
    sooner = pace < days
    return np.where(sooner, pace, days), np.minimum(early, pace), np.where(sooner, pace, late)


def summarise(
    state: FilterState,
    usage: Floats,
    idle_work: Floats,
    horizon_days: float,
    params: FilterParams,
) -> dict[str, Floats]:
    """Per device and component: the worst indicator's state, failure odds and timing."""
    ones = np.ones_like(state.level)
    horizon = (horizon_days * usage)[:, None] * ones
    p_fail = _probability(state, horizon, params)
    p_now = probability_failed(state, 0.0 * ones, params)
    # failed during the silence, had it kept working (at most one alert horizon of work)
    gone_h = np.minimum(idle_work, horizon_days * usage)[:, None] * ones
    p_gone = _probability(state, gone_h, params)
    days, early, late = (d / usage[:, None] for d in _days(state, params))
    worst = np.zeros((state.level.shape[0], len(COMPONENTS)), dtype=np.int64)
    for c in range(len(COMPONENTS)):
        members = np.flatnonzero(c == GROUPS)
        worst[:, c] = members[np.argmax(state.level[:, members], axis=1)]
    rows = np.arange(state.level.shape[0])[:, None]

    def pick(values: Floats) -> Floats:
        result: Floats = values[rows, worst]
        return result

    return {
        "level": pick(state.level),
        "sd": np.sqrt(pick(state.p_ll)),
        "slope": pick(state.slope) * usage[:, None],  # per calendar day
        "slope_sd": np.sqrt(np.maximum(pick(state.p_ss), 0.0)) * usage[:, None],
        "p_fail": _component_max(p_fail, GROUPS),
        "p_now": _component_max(p_now, GROUPS),
        "p_gone": _component_max(p_gone, GROUPS),
        "days": pick(days),
        "days_early": pick(early),
        "days_late": pick(late),
    }


def assess(
    frame: pd.DataFrame,
    noise: dict[str, Noise],
    params: FilterParams,
    horizon_days: float,
    keep_from: date | None = None,
) -> Assessment:
    """Run the filter over the whole frame; keep component outputs from ``keep_from`` on."""
    grid = layout(frame)
    y, r = observation_arrays(frame, grid, noise)
    n_dev, n_days = grid.active.shape
    start = 0 if keep_from is None else int((pd.Timestamp(keep_from) - grid.days[0]).days)
    start = min(max(start, 0), n_days - 1)
    kept = {name: np.full((n_dev, n_days - start, len(COMPONENTS)), np.nan) for name in OUTPUTS}
    state = FilterState.prior((n_dev, len(INDICATORS)), params, swinging=OWN)
    for t in range(n_days):
        state.predict(grid.active[:, t][:, None], params)
        state.update(y[:, t, :].astype(np.float64), r[:, t, :].astype(np.float64), params)
        if t >= start:
            summary = summarise(state, grid.usage[:, t], grid.idle_work[:, t], horizon_days, params)
            for name, values in summary.items():
                kept[name][:, t - start, :] = values
    return Assessment(
        grid, grid.days[start:], kept, grid.idle_work[:, start:], state, grid.usage[:, -1]
    )


def indicator_table(result: Assessment) -> pd.DataFrame:
    """Each device's final state per indicator (for explanations): level, sd, slope."""
    state = result.final
    n_dev = len(result.layout.devices)
    return pd.DataFrame(
        {
            "device_id": np.repeat(result.layout.devices, len(NAMES)),
            "indicator": np.tile(np.array(NAMES, dtype=object), n_dev),
            "level": state.level.ravel(),
            "sd": np.sqrt(state.p_ll).ravel(),
            "slope": (state.slope * result.final_usage[:, None]).ravel(),
        }
    )
