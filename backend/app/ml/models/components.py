"""Per-component models of "normal", fitted on fleet history.

Each component (current stability, battery performance, GPS reliability, telemetry
quality) reads the deviation features listed in ``feature_specs``.
``ComponentModel`` learns each feature's fleet centre and robust spread, and scores
how far a device-day sits beyond the normal range: 100 within it, halving with every
``half_excess`` (log-compressed) spreads of excess. A day measured on few samples has
its deviations shrunk, so one short session cannot sink a score. Bootstrap refits of
the centre and spread give the model's uncertainty.
"""

from __future__ import annotations

import warnings
from typing import Any, Self

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from app.ml.models.feature_specs import FeatureSpec

Floats = NDArray[np.float64]
MIN_BASELINE_DAYS = 3  # fewer active days before d: no own baseline yet (insufficient_data)
FULL_DAY_SAMPLES = 60  # a day with fewer samples gives noisier features
NORMAL_IQR = 1.349  # interquartile range of a standard normal
NORMAL_Q90 = 1.2816  # its 90th percentile


def inputs(frame: pd.DataFrame, specs: tuple[FeatureSpec, ...]) -> Floats:
    """Feature matrix of one component; own-baseline features need baseline days."""
    established = (frame["baseline_days"] >= MIN_BASELINE_DAYS).to_numpy()
    columns = []
    for spec in specs:
        values = frame[spec.name].to_numpy(dtype=np.float64, na_value=np.nan)
        columns.append(np.where(established | (not spec.own_baseline), values, np.nan))
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def sample_evidence(frame: pd.DataFrame) -> Floats:
    """0..1 per row: a day measured on few samples counts for less (sqrt of the share).

    Samples are counted as sent (received + lost), so a failing radio is not discounted.
    """
    received = frame["measured_samples"].to_numpy(dtype=np.float64, na_value=0.0)
    lost = np.clip(frame["lost_rate"].to_numpy(dtype=np.float64, na_value=0.0), 0.0, 0.99)
    samples = received / (1.0 - lost)
    result: Floats = np.sqrt(np.clip(samples / FULL_DAY_SAMPLES, 0.0, 1.0))
    return result


def _centre_and_spread(features: Floats, floors: Floats) -> tuple[Floats, Floats]:
    """Median and robust spread per column (IQR or upper tail, at least the floor)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: centre 0, floor
        q25, q50, q75, q90 = np.nanquantile(features, [0.25, 0.5, 0.75, 0.9], axis=0)
    spread = np.fmax((q75 - q25) / NORMAL_IQR, (q90 - q50) / NORMAL_Q90)
    return np.nan_to_num(q50), np.fmax(np.nan_to_num(spread), floors)


class ComponentModel(BaseEstimator):  # type: ignore[misc]
    """Robust fleet model of normal for one component's deviation features.

    Parameters
    ----------
    floors : sequence of float
        Smallest spread per feature (a rate that is almost always 0 has no spread).
    weights : sequence of float or None
        Weight of each feature's excess; None weighs all equally.
    tolerance : float
        Spreads above the fleet centre still counted as normal.
    half_excess : float
        Summed excess (in spreads) that halves the score.
    n_bootstrap : int
        Bootstrap refits used for the model's uncertainty.
    n_jobs : int or None
        Parallel bootstrap refits (ML_SKLEARN_JOBS).
    random_state : int
        Seed of the bootstrap, so a fit is reproducible.
    """

    def __init__(
        self,
        floors: tuple[float, ...] = (),
        weights: tuple[float, ...] | None = None,
        tolerance: float = 3.5,
        half_excess: float = 4.0,
        n_bootstrap: int = 20,
        n_jobs: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.floors = floors
        self.weights = weights
        self.tolerance = tolerance
        self.half_excess = half_excess
        self.n_bootstrap = n_bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, features: Any, y: Any = None) -> Self:
        """Learn centre and spread per feature, plus bootstrap replicas of both."""
        data = np.asarray(features, dtype=np.float64)
        floors = np.asarray(self.floors, dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != len(floors) or data.shape[0] == 0:
            raise ValueError(f"expected rows of {len(floors)} features, got {data.shape}")
        self.n_features_in_ = data.shape[1]
        self.center_, self.scale_ = _centre_and_spread(data, floors)
        rng = check_random_state(self.random_state)
        picks = [rng.randint(0, len(data), len(data)) for _ in range(self.n_bootstrap)]
        replicas = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_centre_and_spread)(data[rows], floors) for rows in picks
        )
        self.boot_center_ = np.array([c for c, _ in replicas]).reshape(-1, data.shape[1])
        self.boot_scale_ = np.array([s for _, s in replicas]).reshape(-1, data.shape[1])
        self.weights_ = (
            np.ones(data.shape[1])
            if self.weights is None
            else np.asarray(self.weights, dtype=np.float64)
        )
        return self

    def excess(self, features: Any, evidence: Floats | None = None) -> Floats:
        """Spreads beyond the normal range per feature (0 when normal or missing).

        ``evidence`` (0..1 per row) shrinks deviations measured on little data.
        """
        check_is_fitted(self, "center_")
        data = _as_matrix(features, evidence)
        return _excess(data, self.center_, self.scale_, self.tolerance, evidence)

    def health(self, features: Any, evidence: Floats | None = None) -> tuple[Floats, Floats]:
        """Score 0..100 per row (NaN when every input is missing) and its bootstrap replicas."""
        data = _as_matrix(features, evidence)
        missing = np.asarray(np.isnan(data).all(axis=1), dtype=bool)
        score = np.where(missing, np.nan, self._to_score(self.excess(data, evidence)))
        boot = self._to_score(
            _excess(
                data[None],
                self.boot_center_[:, None],
                self.boot_scale_[:, None],
                self.tolerance,
                evidence,
            )
        )
        return score, np.where(missing[None], np.nan, boot)

    def _to_score(self, excess: Floats) -> Floats:
        total = (excess * self.weights_).sum(axis=-1)
        result: Floats = 100.0 * np.exp2(-total / self.half_excess)
        return result


def _as_matrix(features: Any, evidence: Floats | None) -> Floats:
    data = np.asarray(features, dtype=np.float64)
    if evidence is not None and len(evidence) != len(data):
        raise ValueError("evidence needs one value per row")
    return data


def _excess(
    data: Floats, center: Floats, scale: Floats, tolerance: float, evidence: Floats | None
) -> Floats:
    z = (data - center) / scale
    if evidence is not None:
        z = z * evidence[:, None]
    # log2 so one extreme feature cannot saturate the score on its own
    result: Floats = np.log2(1.0 + np.nan_to_num(np.fmax(z - tolerance, 0.0), nan=0.0))
    return result
