"""The health forecast shown with a device: its scores projected by their wear rates.

Each component's degradation level goes on at its estimated rate per calendar day,
its uncertainty widening with the uncertainty of that rate; the overall score follows
by the same rule as today's. The first day the projection falls below a threshold is
the days-to-threshold the dashboard shows; the predicted failure (date and range) is
that of the component closest to failing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.ml.config import COMPONENTS, MLConfig
from app.ml.models.scoring import SHOWN_SD, overall, score_of
from app.ml.models.state import Z80, Floats

MAX_DAYS = 60
SERIES_DAYS = 14


def projected(latest: pd.DataFrame, config: MLConfig, days: int = MAX_DAYS) -> dict[str, Floats]:
    """Per device (rows) and day ahead 1..days (columns): overall score, low and high."""
    h = np.arange(1, days + 1, dtype=float)[None, :, None]
    level = np.stack([latest[f"{c}_level"].to_numpy(float) for c in COMPONENTS], axis=-1)
    sd = np.stack([latest[f"{c}_sd"].to_numpy(float) for c in COMPONENTS], axis=-1)
    slope = np.stack([latest[f"{c}_slope"].to_numpy(float) for c in COMPONENTS], axis=-1)
    slope_sd = np.stack([latest[f"{c}_slope_sd"].to_numpy(float) for c in COMPONENTS], axis=-1)
    mid = level[:, None, :] + h * slope[:, None, :]
    spread = np.sqrt(sd[:, None, :] ** 2 + (h * slope_sd[:, None, :]) ** 2)
    thresholds = config.thresholds
    return {
        "mid": overall(score_of(mid - SHOWN_SD * sd[:, None, :], thresholds), config.weights),
        "low": overall(score_of(mid + Z80 * spread, thresholds), config.weights),
        "high": overall(score_of(mid - Z80 * spread, thresholds), config.weights),
    }


def days_below(series: Floats, now: Floats, threshold: float) -> Floats:
    """Days until each row's projection falls below ``threshold`` (0 now, NaN not within)."""
    below = series < threshold
    first = np.where(below.any(axis=1), np.argmax(below, axis=1) + 1.0, np.nan)
    result: Floats = np.where(now < threshold, 0.0, first)
    return result
