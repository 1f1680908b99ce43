"""Evidence accumulated over days: a degradation level and its trend, with their uncertainty.

Per device and indicator, a local linear trend Kalman filter (level and slope, in
units of the indicator's failure limit) takes each day's deviation weighted by its
noise: a day measured on three samples barely moves it, a run of full days does.
Wear advances with use, so the state moves forward on days the machine worked and
stands still while it is idle (only the knowledge of it ages). Innovations are
clipped (Huber), so one absurd day cannot raise an alarm on its own, and no early
day skips the accumulation. A slow model cannot follow a part that fails within days,
so a two-sided CUSUM watches the standardised innovations: when two days in a row
(three for indicators that swing with the job and the weather) disagree with the
estimate in the same direction, the part changed faster than the model allows, and
the estimate's uncertainty is widened by that disagreement so it catches up. A trend
fitted over months reacts slowly to a part that started wearing last week, so the
filter also remembers where the part last looked unworn (within ``healthy_level``)
and how many working days ago: the pace since that onset, on wear the evidence
supports, is a second forecast, and the sooner of both is reported.
The filter runs over whole device x indicator arrays, one day at a time:
the loop is over days, never over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

Floats = NDArray[np.float64]
Z80 = 1.2816  # two-sided 80 % band


@dataclass(frozen=True)
class FilterParams:
    """Process and prior noise, in units of the failure limit per active day."""

    level_step: float = 0.03  # how far the level may move in one working day
    slope_step: float = 0.003  # how fast the rate of wear may change
    idle_step: float = 0.005  # how much knowledge ages per idle day
    prior_level: float = 0.15  # uncertainty before any evidence
    prior_slope: float = 0.015
    huber: float = 2.5  # innovations beyond this many standard deviations are clipped
    cusum_slack: float = 0.5  # standardised innovation a day may show without counting
    # accumulated excess that means "changed faster than modelled": two days in a row at
    # least (a day adds at most cusum_day_cap - cusum_slack) ...
    cusum_alarm: float = 4.0
    # ... three for indicators that swing with the job and the weather (a harder site, a
    # cold morning): two-day swings of a healthy machine were their main false alarms
    cusum_alarm_swinging: float = 6.0
    cusum_day_cap: float = 3.0  # one day adds at most this much: never an alarm on its own
    healthy_level: float = 0.2  # at or below this the part counts as unworn (onset clock)
    onset_min_days: float = 2.0  # wear since onset is averaged over at least this many days
    onset_sd: float = 2.0  # wear since onset counts beyond this many standard deviations


@dataclass
class FilterState:
    """Level, slope and their covariance; every array has the same shape."""

    level: Floats
    slope: Floats
    p_ll: Floats
    p_ls: Floats
    p_ss: Floats
    up: Floats  # CUSUM of innovations above the estimate
    down: Floats  # ... and below it
    excess: Floats  # mean innovation of the current CUSUM run, to widen by
    base: Floats  # the level when it was last within the healthy band
    since: Floats  # working days since then
    alarm: Floats  # the CUSUM that means a change, per element

    @classmethod
    def prior(
        cls,
        shape: tuple[int, ...],
        params: FilterParams,
        swinging: NDArray[np.bool_] | None = None,
    ) -> FilterState:
        """No evidence yet: at the reference, with the prior uncertainty. ``swinging``
        (broadcast over ``shape``) marks the indicators that swing with the job."""
        zeros = np.zeros(shape)
        marked = np.broadcast_to(False if swinging is None else swinging, shape)
        alarm = np.where(marked, params.cusum_alarm_swinging, params.cusum_alarm)
        return cls(
            zeros.copy(),
            zeros.copy(),
            np.full(shape, params.prior_level**2),
            zeros.copy(),
            np.full(shape, params.prior_slope**2),
            zeros.copy(),
            zeros.copy(),
            zeros.copy(),
            zeros.copy(),
            zeros.copy(),
            alarm,
        )

    def predict(self, worked: Floats, params: FilterParams) -> None:
        """Advance one day: by ``worked`` (1 on a working day, 0 when idle) units of use."""
        dt = worked
        self.level = self.level + dt * self.slope
        self.p_ll = self.p_ll + 2 * dt * self.p_ls + dt * dt * self.p_ss
        self.p_ls = self.p_ls + dt * self.p_ss
        self.p_ll = self.p_ll + dt * params.level_step**2 + (1 - dt) * params.idle_step**2
        self.p_ss = self.p_ss + dt * params.slope_step**2
        self.since = self.since + dt
        self._bound(params)

    def _bound(self, params: FilterParams) -> None:
        """Never less sure than before any evidence: an indicator left unmeasured for
        months goes back to the prior, it does not grow an imagined risk."""
        self.p_ll = np.minimum(self.p_ll, params.prior_level**2)
        self.p_ss = np.minimum(self.p_ss, params.prior_slope**2)
        bound = np.sqrt(self.p_ll * self.p_ss)
        self.p_ls = np.clip(self.p_ls, -bound, bound)

    def update(self, y: Floats, r: Floats, params: FilterParams) -> None:
        """Take in observations ``y`` with variances ``r`` (NaN = none that day)."""
        seen = np.isfinite(y) & np.isfinite(r)
        s = self.p_ll + np.where(seen, r, 1.0)
        raw = np.where(seen, y - self.level, 0.0)
        self._watch(raw / np.sqrt(s), raw, seen, params)
        s = self.p_ll + np.where(seen, r, 1.0)
        bound = params.huber * np.sqrt(s)
        innovation = np.clip(raw, -bound, bound)
        k_l = np.where(seen, self.p_ll / s, 0.0)
        k_s = np.where(seen, self.p_ls / s, 0.0)
        p_ll, p_ls = self.p_ll, self.p_ls
        self.level = self.level + k_l * innovation
        self.slope = self.slope + k_s * innovation
        self.p_ll = (1 - k_l) * p_ll
        self.p_ls = (1 - k_l) * p_ls
        self.p_ss = self.p_ss - k_s * p_ls
        healthy = self.level <= params.healthy_level
        self.base = np.where(healthy, self.level, self.base)
        self.since = np.where(healthy, 0.0, self.since)

    def _watch(self, z: Floats, raw: Floats, seen: NDArray[np.bool_], params: FilterParams) -> None:
        """CUSUM of standardised innovations; on an alarm, widen the uncertainty."""
        step = np.clip(z, -params.cusum_day_cap, params.cusum_day_cap)
        up = np.where(seen, np.maximum(self.up + step - params.cusum_slack, 0.0), self.up)
        down = np.where(seen, np.maximum(self.down - step - params.cusum_slack, 0.0), self.down)
        running = seen & ((up > 0) | (down > 0))
        self.excess = np.where(
            running, 0.5 * self.excess + 0.5 * raw, np.where(seen, 0.0, self.excess)
        )
        alarm = (up > self.alarm) | (down > self.alarm)
        widen = self.excess**2
        self.p_ll = np.where(alarm, self.p_ll + widen, self.p_ll)
        self.p_ss = np.where(alarm, self.p_ss + widen / 100.0, self.p_ss)
        self.up = np.where(alarm, 0.0, up)
        self.down = np.where(alarm, 0.0, down)

    def copy(self) -> FilterState:
        """An independent copy."""
        return FilterState(*(value.copy() for value in vars(self).values()))


def horizon_variance(state: FilterState, h: Floats, params: FilterParams) -> Floats:
    """Variance of the level ``h`` working days ahead."""
    result: Floats = (
        state.p_ll
        + 2 * h * state.p_ls
        + h * h * state.p_ss
        + h * params.level_step**2
        + h**3 / 3 * params.slope_step**2
    )
    return np.maximum(result, 1e-12)


def probability_failed(state: FilterState, h: Floats, params: FilterParams) -> Floats:
    """P(level >= 1, the failure limit) ``h`` working days ahead (0 = now)."""
    mean = state.level + h * state.slope
    sd = np.sqrt(horizon_variance(state, h, params))
    result: Floats = ndtr((mean - 1.0) / sd)
    return result


def onset_rate(state: FilterState, params: FilterParams) -> Floats:
    """Mean wear per working day since the part last looked unworn (0 when it does):
    only the wear the evidence supports (the level less ``onset_sd`` standard deviations)."""
    supported = state.level - params.onset_sd * np.sqrt(np.maximum(state.p_ll, 0.0))
    worn = np.maximum(supported - state.base, 0.0)
    rate: Floats = np.where(
        state.since > 0, worn / np.maximum(state.since, params.onset_min_days), 0.0
    )
    return rate


def probability_failed_onset(state: FilterState, h: Floats, params: FilterParams) -> Floats:
    """P(level >= 1) ``h`` working days ahead if wear goes on at its pace since onset."""
    span = np.maximum(state.since, params.onset_min_days)
    mean = state.level + h * onset_rate(state, params)
    sd = np.sqrt(np.maximum(state.p_ll, 1e-12)) * (1.0 + h / span)
    result: Floats = np.where(state.since > 0, ndtr((mean - 1.0) / sd), 0.0)
    return result


def days_to_failure(state: FilterState) -> tuple[Floats, Floats, Floats]:
    """Working days until the level reaches 1: expected, earliest and latest (80 % band).

    0 when already there; inf when the trend does not lead there.
    """
    sd_l = np.sqrt(np.maximum(state.p_ll, 0.0))
    sd_s = np.sqrt(np.maximum(state.p_ss, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(state.slope > 0, (1.0 - state.level) / state.slope, np.inf)
        fast = state.slope + Z80 * sd_s
        earliest = np.where(fast > 0, (1.0 - state.level - Z80 * sd_l) / fast, np.inf)
        slow = state.slope - Z80 * sd_s
        latest = np.where(slow > 0, (1.0 - state.level + Z80 * sd_l) / slow, np.inf)
    already = state.level >= 1.0
    expected = np.where(already, 0.0, np.maximum(expected, 0.0))
    earliest = np.where(already, 0.0, np.clip(earliest, 0.0, expected))
    latest = np.where(already, np.maximum(latest, 0.0), np.maximum(latest, expected))
    return expected, earliest, latest
