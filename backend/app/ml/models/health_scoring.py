"""Health scores: the fitted model (indicator noise) and the service that scores with it.

``HealthModel`` is the fitted bundle MLModelManager stores: for every indicator, its
noise (and the fleet's normal rate for fleet-rate indicators) learned from the fleet's
history, plus the parameters of the filter that accumulates evidence over days. Scoring
an evidence frame runs the filter (``assessment``) and turns its states into scores,
confidence and a status (``scoring``); ``explain`` ranks each device's indicators.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from typing import Any, Self

import numpy as np
import pandas as pd

from app.core.config import Settings, get_settings
from app.core.errors import BadInput, Conflict, Unavailable
from app.ml.config import WEIGHTED, MLConfig
from app.ml.models.assessment import Assessment, assess, indicator_table
from app.ml.models.explanations import centres_of, explain_devices
from app.ml.models.indicators import NAMES
from app.ml.models.noise import Noise, fit_all
from app.ml.models.scoring import score_frame
from app.ml.models.state import FilterParams

log = logging.getLogger("drillwatch.ml.processing")
MIN_TRAINING_DAYS = 3  # device-days with data needed before a model can be fitted


class HealthModel:
    """Fitted indicator noise and the evidence filter (a plain, picklable object)."""

    def __init__(self, params: FilterParams | None = None, n_jobs: int | None = None) -> None:
        self.params = params or FilterParams()
        self.n_jobs = n_jobs  # indicators fitted at once (ML_SKLEARN_JOBS)
        self.noise_: dict[str, Noise] = {}

    @property
    def fitted(self) -> bool:
        """True once ``fit`` has run."""
        return bool(self.noise_)

    @property
    def feature_names(self) -> list[str]:
        """The indicators the model reads."""
        return list(NAMES)

    def fit(self, frame: pd.DataFrame) -> Self:
        """Learn every indicator's noise from the fleet's measured device-days."""
        rows = frame[frame["active"].astype(bool)] if len(frame) else frame
        if len(rows) < MIN_TRAINING_DAYS:
            raise BadInput(
                "not enough telemetry to fit the health model: ingest at least "
                f"{MIN_TRAINING_DAYS} device-days",
                field="features",
            )
        self.noise_ = fit_all(rows, self.n_jobs)
        self.fitted_features_ = self.feature_names
        self.training_rows_ = len(rows)
        self.training_devices_ = int(rows["device_id"].nunique())
        self.training_range_ = (rows["day"].min(), rows["day"].max())
        return self

    def check(self) -> None:
        """Refuse to score unfitted, or with a model fitted on another indicator set."""
        if not self.fitted:
            raise Unavailable("the health model is not fitted yet; train a model first")
        if getattr(self, "fitted_features_", None) != self.feature_names:
            raise Conflict(
                "the health model was fitted on other indicators than this release computes; "
                "train a new model (drillwatch train --deploy or POST /api/ml/train)"
            )

    def assess(
        self, frame: pd.DataFrame, config: MLConfig, keep_from: date | None = None
    ) -> Assessment:
        """Filter states over the frame's history, kept from ``keep_from`` on."""
        self.check()
        return assess(frame, self.noise_, self.params, config.alerts.horizon_days, keep_from)

    def score(
        self, frame: pd.DataFrame, config: MLConfig, keep_from: date | None = None
    ) -> pd.DataFrame:
        """Per device and kept day: scores, confidence, status, failure odds and timing."""
        started = time.perf_counter()
        scored = score_frame(self.assess(frame, config, keep_from), frame, config)
        log.info(
            "health_scoring rows=%d processing_time=%.4f",
            len(scored),
            time.perf_counter() - started,
        )
        return scored

    def describe(self) -> dict[str, Any]:
        """The fitted noise per indicator, for model metadata."""
        return {name: asdict(noise) for name, noise in self.noise_.items()}


class HealthScoringService:
    """Scores evidence frames with a fitted ``HealthModel`` and the configured rules."""

    def __init__(
        self,
        settings: Settings | None = None,
        model: HealthModel | None = None,
        config: MLConfig | None = None,
    ) -> None:
        self.settings = settings if settings is not None else get_settings()
        self.config = config or MLConfig.from_settings(self.settings)
        self.model = model

    def fit(self, frame: pd.DataFrame) -> HealthModel:
        """Fit a new model on an evidence frame of fleet history and use it."""
        self.model = HealthModel(n_jobs=self.config.sklearn_jobs).fit(frame)
        return self.model

    def _model(self) -> HealthModel:
        if self.model is None:
            raise Unavailable("no health model is loaded; train or deploy a model first")
        return self.model

    def assess(self, frame: pd.DataFrame, keep_from: date | None = None) -> Assessment:
        """Filter states of an evidence frame."""
        return self._model().assess(frame, self.config, keep_from)

    def score(self, frame: pd.DataFrame, keep_from: date | None = None) -> pd.DataFrame:
        """Scores for the kept days of an evidence frame."""
        return self._model().score(frame, self.config, keep_from)

    def explain(self, result: Assessment, latest: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
        """Per device, its top factors from the final filter states."""
        centres = centres_of(self._model().noise_)
        return explain_devices(indicator_table(result), latest, centres)

    def calculate_health_score(self, device_id: str, features: Mapping[str, Any]) -> float:
        """Overall health 0..100 from the three weighted component scores (the guide's test)."""
        weights = self.config.weights
        missing = [name for name in WEIGHTED if name not in features]
        if missing:
            raise BadInput(
                f"component scores missing for device {device_id}: {', '.join(missing)}",
                field=missing[0],
            )
        values = {name: _component_value(features[name], name) for name in WEIGHTED}
        return round(sum(weights[n] * values[n] for n in WEIGHTED), 2)


def _component_value(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadInput(f"{name} must be a number between 0 and 100", field=name) from None
    if not np.isfinite(number) or not 0.0 <= number <= 100.0:
        raise BadInput(f"{name} must be between 0 and 100, got {number:g}", field=name)
    return number
