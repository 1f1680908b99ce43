"""How noisy each indicator is: fitted on the fleet's history, robust to its faulty minority.

A day's deviation varies for two reasons: the day itself (material, weather, the
jobs done) and the few samples it was measured on. The fitted model is

    var(deviation | n samples) = between ** 2 + within ** 2 / n

estimated from the differences between a device's consecutive measured days (so slow
wear and a device's own offset do not count as noise) with median absolute deviations
over bins of ``n`` (so the faulty minority's jumps do not inflate it). Fleet-rate
indicators also learn the fleet's normal rate (their centre). Floors keep a rate that
is almost always 0 from looking noiseless.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from app.ml.models.indicators import INDICATORS, Indicator

MAD_TO_SD = 1.4826
BINS = 6
MIN_ROWS = 30  # fewer measured days than this: keep the prior noise
MIN_BETWEEN = 0.04  # of the failure limit: a day never tells the level better than this
MIN_RATE = 0.01  # binomial floor for rates that are nearly always 0


@dataclass(frozen=True)
class Noise:
    """Fitted noise of one indicator, in its own unit."""

    centre: float
    between: float
    within: float
    rows: int

    def variance(self, n: np.ndarray) -> np.ndarray:
        """Variance of a day's deviation measured on ``n`` samples (inf without samples)."""
        with np.errstate(divide="ignore"):
            result: np.ndarray = np.where(
                n > 0, self.between**2 + self.within**2 / np.maximum(n, 1e-9), np.inf
            )
        return result


def prior(indicator: Indicator) -> Noise:
    """Noise assumed before any fit: a tenth of the limit per day, a third per sample."""
    return Noise(0.0, 0.1 * indicator.limit, 0.35 * indicator.limit * np.sqrt(20.0), 0)


def _floors(indicator: Indicator, centre: float) -> tuple[float, float]:
    between = MIN_BETWEEN * indicator.limit
    if indicator.reference in ("fleet", "place"):
        p = max(abs(centre), MIN_RATE)
        return between, float(np.sqrt(p * (1 - min(p, 0.5))))
    return between, 0.05 * indicator.limit


def fit_noise(indicator: Indicator, device: pd.Series, y: pd.Series, n: pd.Series) -> Noise:
    """Centre, between-day and within-day noise of one indicator's measured days."""
    values, counts = y.to_numpy(float), n.to_numpy(float)
    keep = np.isfinite(values) & (counts > 0)
    if keep.sum() < MIN_ROWS:
        return prior(indicator)
    centre = float(np.median(values[keep])) if indicator.reference == "fleet" else 0.0
    ids = device.to_numpy()[keep]
    values, counts = values[keep], counts[keep]
    same = ids[1:] == ids[:-1]
    half_diff = (values[1:] - values[:-1])[same] / np.sqrt(2.0)
    inv_n = ((1.0 / counts[1:] + 1.0 / counts[:-1]) / 2.0)[same]
    floor_between, floor_within = _floors(indicator, centre)
    if len(half_diff) < MIN_ROWS:
        return Noise(
            centre, *_floored(prior(indicator), floor_between, floor_within), int(keep.sum())
        )
    between2, within2 = _binned_fit(half_diff, inv_n)
    return Noise(
        centre,
        float(max(np.sqrt(between2), floor_between)),
        float(max(np.sqrt(within2), floor_within)),
        int(keep.sum()),
    )


def _floored(noise: Noise, between: float, within: float) -> tuple[float, float]:
    return max(noise.between, between), max(noise.within, within)


def _binned_fit(diffs: np.ndarray, inv_n: np.ndarray) -> tuple[float, float]:
    """Robust variance per bin of 1/n, then a line through (1/n, variance)."""
    edges = np.unique(np.quantile(inv_n, np.linspace(0, 1, BINS + 1)))
    which = np.clip(np.searchsorted(edges, inv_n, side="right") - 1, 0, max(len(edges) - 2, 0))
    xs, variances, weights = [], [], []
    for b in np.unique(which):
        part = diffs[which == b]
        if len(part) < 5:
            continue
        xs.append(float(np.mean(inv_n[which == b])))
        variances.append(float((MAD_TO_SD * np.median(np.abs(part))) ** 2))
        weights.append(len(part))
    return _line(np.array(xs), np.array(variances), np.array(weights, dtype=float))


def _line(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Non-negative weighted least squares of y = a + b x."""
    if len(x) == 0:
        return 0.0, 0.0
    if len(x) == 1 or np.ptp(x) == 0:
        return float(np.average(y, weights=w)), 0.0
    design = np.column_stack([np.ones_like(x), x]) * np.sqrt(w)[:, None]
    target = y * np.sqrt(w)
    (a, b), *_ = np.linalg.lstsq(design, target, rcond=None)
    if a < 0:
        return 0.0, float(max(np.sum(w * x * y) / np.sum(w * x * x), 0.0))
    if b < 0:
        return float(np.average(y, weights=w)), 0.0
    return float(a), float(b)


def _plain_days(observed: pd.DataFrame, name: str) -> pd.Series:
    """The indicator's deviations, leaving out days whose context adds uncertainty
    (a site new to the device): they are not what the noise of a measurement is."""
    values: pd.Series = observed[f"y_{name}"]
    extra = f"v_{name}"
    return values.where(observed[extra] == 0) if extra in observed else values


def fit_all(observed: pd.DataFrame, n_jobs: int | None = None) -> dict[str, Noise]:
    """Noise of every indicator from device-days (in device, day order) with
    ``y_<name>`` / ``n_<name>`` columns; ``n_jobs`` indicators are fitted at once."""
    device = observed["device_id"]
    fits = Parallel(n_jobs=n_jobs, prefer="threads")(
        delayed(fit_noise)(i, device, _plain_days(observed, i.name), observed[f"n_{i.name}"])
        for i in INDICATORS
    )
    return {i.name: noise for i, noise in zip(INDICATORS, fits, strict=True)}
