"""Health scores: components from fitted fleet models, overall, confidence and status.

``HealthModel`` is the fitted bundle MLModelManager stores: one ``ComponentModel`` per
component plus the rules that turn component scores into an overall score (weighted
by CURRENT_STABILITY_WEIGHT, BATTERY_PERFORMANCE_WEIGHT, GPS_RELIABILITY_WEIGHT), a
confidence with its interval, and a status. Scoring is vectorised over the frame.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import pandas as pd

from app.core.config import Settings, get_settings
from app.core.errors import BadInput, Conflict, Unavailable
from app.ml.models.components import (
    FULL_DAY_SAMPLES,
    ComponentModel,
    Floats,
    inputs,
    sample_evidence,
)
from app.ml.models.explanations import explain
from app.ml.models.feature_specs import COMPONENT_FEATURES
from app.ml.models.scoring_rules import (
    FULL_BASELINE_DAYS,
    confidence,
    debug_columns,
    overall,
    status_of,
    thresholds_of,
    training_rows,
    weights_of,
)

log = logging.getLogger("drillwatch.ml.processing")


class HealthModel:
    """Fitted component models and the rules that combine them (a plain, picklable object)."""

    def __init__(
        self,
        *,
        weights: Mapping[str, float] | None = None,
        thresholds: tuple[float, float, float] = (30.0, 50.0, 70.0),
        tolerance: float = 3.5,
        half_excess: float = 4.0,
        n_bootstrap: int = 20,
        n_jobs: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.weights = dict(
            weights
            or {"current_stability": 0.4, "battery_performance": 0.4, "gps_reliability": 0.2}
        )
        self.thresholds = thresholds
        self.tolerance = tolerance
        self.half_excess = half_excess
        self.n_bootstrap = n_bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.components_: dict[str, ComponentModel] = {}

    @classmethod
    def from_settings(cls, settings: Settings, **params: Any) -> HealthModel:
        """A model using the configured weights, thresholds and ML_SKLEARN_JOBS."""
        return cls(
            weights=weights_of(settings),
            thresholds=thresholds_of(settings),
            n_jobs=settings.ml_sklearn_jobs,
            **params,
        )

    @property
    def fitted(self) -> bool:
        """True once ``fit`` has run."""
        return bool(self.components_)

    @property
    def feature_names(self) -> list[str]:
        """The deviation features the model reads."""
        return [spec.name for specs in COMPONENT_FEATURES.values() for spec in specs]

    def fit(self, frame: pd.DataFrame) -> Self:
        """Learn each component's normal range from the fleet's measured device-days."""
        rows = training_rows(frame)
        if rows.empty:
            raise BadInput(
                "no device-day with enough history to fit the health model", field="features"
            )
        self.components_ = {
            name: ComponentModel(
                floors=tuple(s.floor for s in specs),
                weights=tuple(s.weight for s in specs),
                tolerance=self.tolerance,
                half_excess=self.half_excess,
                n_bootstrap=self.n_bootstrap,
                n_jobs=self.n_jobs,
                random_state=self.random_state,
            ).fit(inputs(rows, specs))
            for name, specs in COMPONENT_FEATURES.items()
        }
        self.fitted_features_ = self.feature_names
        self.training_rows_ = len(rows)
        self.training_devices_ = int(rows["device_id"].nunique())
        self.training_range_ = (rows["day"].min(), rows["day"].max())
        return self

    def score(
        self,
        frame: pd.DataFrame,
        *,
        include_debug: bool = False,
        weights: Mapping[str, float] | None = None,
        thresholds: tuple[float, float, float] | None = None,
    ) -> pd.DataFrame:
        """Per device-day: component scores, overall with interval, confidence, status."""
        if not self.fitted:
            raise Unavailable("the health model is not fitted yet; train a model first")
        self._check_features()
        started = time.perf_counter()
        out = frame[["device_id", "day"]].reset_index(drop=True).copy()
        replicas: dict[str, Floats] = {}
        weight = sample_evidence(frame)
        for name, specs in COMPONENT_FEATURES.items():
            matrix = inputs(frame, specs)
            out[name], replicas[name] = self.components_[name].health(matrix, weight)
            if include_debug:
                debug_columns(
                    out, name, specs, self.components_[name].excess(matrix, weight), replicas[name]
                )
        overall(out, replicas, weights or self.weights)
        confidence(out, frame.reset_index(drop=True))
        out["status"] = status_of(out, thresholds or self.thresholds)
        log.info(
            "health_scoring rows=%d processing_time=%.4f", len(out), time.perf_counter() - started
        )
        return out

    def _check_features(self) -> None:
        """Refuse to score with a model fitted on another feature set (an older release)."""
        fitted = getattr(self, "fitted_features_", None)
        if fitted != self.feature_names:
            raise Conflict(
                "the health model was fitted on other features than this release computes; "
                "train a new model (drillwatch train --deploy or POST /api/ml/train)"
            )


class HealthScoringService:
    """Scores device features with a fitted ``HealthModel`` and the configured weights."""

    def __init__(self, settings: Settings | None = None, model: HealthModel | None = None):
        self.settings = settings if settings is not None else get_settings()
        self.model = model

    def fit(self, frame: pd.DataFrame) -> HealthModel:
        """Fit a new model on a daily feature frame of fleet history and use it."""
        self.model = HealthModel.from_settings(self.settings).fit(frame)
        return self.model

    def score(self, frame: pd.DataFrame, include_debug: bool = False) -> pd.DataFrame:
        """Scores for every row of a daily feature frame."""
        if self.model is None:
            raise Unavailable("no health model is loaded; train or deploy a model first")
        return self.model.score(
            frame,
            include_debug=include_debug,
            weights=weights_of(self.settings),
            thresholds=thresholds_of(self.settings),
        )

    def explain(
        self, frame: pd.DataFrame, scored: pd.DataFrame, top: int = 3
    ) -> list[dict[str, list[dict[str, Any]]]]:
        """Per scored row: ranked explanatory factors and telemetry findings."""
        if self.model is None:
            raise Unavailable("no health model is loaded; train or deploy a model first")
        return explain(self.model.components_, frame, scored, top)

    def calculate_health_score(self, device_id: str, features: Mapping[str, Any]) -> float:
        """Overall health 0..100 from component scores, or from raw features via the model."""
        weights = weights_of(self.settings)
        if all(name in features for name in weights):
            values = {name: _component_value(features[name], name) for name in weights}
            return round(sum(weights[n] * values[n] for n in weights), 2)
        scored = self.score(raw_feature_row(device_id, features))
        value = float(scored["health_score"].iloc[0])
        if np.isnan(value):
            raise BadInput(f"no usable features for device {device_id}", field="features")
        return round(value, 2)


# Assumed for a single hand-made feature row: a measured day with an established baseline.
ROW_DEFAULTS = {
    "active": True,
    "baseline_days": FULL_BASELINE_DAYS,
    "measured_samples": FULL_DAY_SAMPLES,
    "completeness": 1.0,
    "feature_quality": 1.0,
    "lost_rate": 0.0,
    "silence_surprise": 0.0,
    "silent_days": 0.0,
}


def raw_feature_row(device_id: str, features: Mapping[str, Any]) -> pd.DataFrame:
    """A one-row feature frame from a dict of raw features, missing ones as NaN."""
    names = [s.name for specs in COMPONENT_FEATURES.values() for s in specs]
    row: dict[str, Any] = dict.fromkeys(names, np.nan)
    row.update(ROW_DEFAULTS)
    row.update({k: v for k, v in features.items() if k != "day"})
    row["device_id"] = device_id
    row["day"] = pd.Timestamp(features.get("day") or pd.Timestamp.now("UTC").date())
    frame = pd.DataFrame([row])
    numeric = [c for c in frame.columns if c not in ("device_id", "day", "active")]
    try:
        frame[numeric] = frame[numeric].astype("float64")
    except (TypeError, ValueError):
        raise BadInput("feature values must be numbers", field="features") from None
    return frame


def _component_value(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadInput(f"{name} must be a number between 0 and 100", field=name) from None
    if not 0.0 <= number <= 100.0:
        raise BadInput(f"{name} must be between 0 and 100, got {number:g}", field=name)
    return number
