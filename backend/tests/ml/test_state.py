"""The evidence filter: how days of evidence move a degradation level and its certainty."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from app.ml.models.state import (
    FilterParams,
    FilterState,
    days_to_failure,
    horizon_variance,
    probability_failed,
)

PARAMS = FilterParams()


def run(
    ys: list[float], rs: list[float], worked: list[float] | None = None, swinging: bool = False
) -> FilterState:
    """Feed one device and one indicator the given days; the state after the last."""
    state = FilterState.prior((1, 1), PARAMS, swinging=np.array([swinging]))
    worked = worked or [1.0] * len(ys)
    for y, r, w in zip(ys, rs, worked, strict=True):
        state.predict(np.array([[w]]), PARAMS)
        state.update(np.array([[y]]), np.array([[r]]), PARAMS)
    return state


def test_a_thin_day_barely_moves_the_level() -> None:
    thin = run([0.0] * 10 + [1.5], [0.01] * 10 + [4.0])
    full = run([0.0] * 10 + [1.5], [0.01] * 11)
    assert thin.level[0, 0] < 0.05
    assert thin.level[0, 0] < full.level[0, 0] / 3


def test_one_absurd_day_cannot_reach_the_failure_limit() -> None:
    state = run([0.0] * 20 + [50.0], [0.01] * 21)
    assert state.level[0, 0] < 0.5
    assert probability_failed(state, np.zeros((1, 1)), PARAMS)[0, 0] < 0.01


def test_two_days_of_disagreement_are_a_change_unless_the_indicator_swings_with_the_job() -> None:
    ys, rs = [0.0] * 20 + [1.2] * 2, [0.01] * 22
    rate, swinging = run(ys, rs), run(ys, rs, swinging=True)
    assert rate.level[0, 0] > 0.9  # the CUSUM widened the uncertainty and it caught up
    assert swinging.level[0, 0] < 0.3  # a harder job, a cold morning: not yet
    assert probability_failed(swinging, np.full((1, 1), 14.0), PARAMS)[0, 0] < 0.05


def test_days_of_consistent_evidence_are_followed_quickly() -> None:
    state = run([0.0] * 20 + [1.2] * 3, [0.01] * 23)
    assert state.level[0, 0] > 0.9  # the CUSUM widened the uncertainty and it caught up
    assert probability_failed(state, np.zeros((1, 1)), PARAMS)[0, 0] > 0.5


def test_slow_wear_is_tracked_as_a_trend() -> None:
    days = np.arange(60)
    state = run(list(days * 0.01), [0.002] * 60)
    assert abs(state.level[0, 0] - 0.59) < 0.08
    assert abs(state.slope[0, 0] - 0.01) < 0.004
    expected, earliest, latest = days_to_failure(state)
    assert earliest[0, 0] <= expected[0, 0] <= latest[0, 0]
    assert 25 < expected[0, 0] < 65  # about 41 working days left at 0.01 a day


def test_idle_days_do_not_advance_wear_but_widen_the_uncertainty() -> None:
    worked = run([0.0] * 10 + [0.2] * 10, [0.01] * 20)
    idle = FilterState(*(v.copy() for v in vars(worked).values()))
    for _ in range(5):
        idle.predict(np.zeros((1, 1)), PARAMS)
    assert idle.level[0, 0] == worked.level[0, 0]
    assert idle.p_ll[0, 0] > worked.p_ll[0, 0]


def test_an_unmeasured_indicator_falls_back_to_the_prior_not_beyond() -> None:
    state = FilterState.prior((1, 1), PARAMS)
    for _ in range(500):
        state.predict(np.ones((1, 1)), PARAMS)
    assert state.p_ll[0, 0] <= PARAMS.prior_level**2 + 1e-12
    assert state.p_ss[0, 0] <= PARAMS.prior_slope**2 + 1e-12


def test_probability_failed_is_the_normal_tail_of_the_projection() -> None:
    state = run([0.0] * 5 + [0.6] * 10, [0.01] * 15)
    h = np.full((1, 1), 7.0)
    mean = state.level + 7.0 * state.slope
    sd = np.sqrt(horizon_variance(state, h, PARAMS))
    expected = 1.0 - norm.cdf((1.0 - mean) / sd)
    assert np.allclose(probability_failed(state, h, PARAMS), expected)
    assert (
        probability_failed(state, h, PARAMS)[0, 0]
        >= probability_failed(state, np.zeros((1, 1)), PARAMS)[0, 0]
    )


def test_a_state_past_the_limit_has_failed_now() -> None:
    state = run([0.0] * 5 + [1.5] * 10, [0.01] * 15)
    expected, earliest, _ = days_to_failure(state)
    assert expected[0, 0] == 0.0
    assert earliest[0, 0] == 0.0
