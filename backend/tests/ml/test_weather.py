"""Weather is a property of the day and the region: battery drain is judged without it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.ml.models.indicators import CONTEXT_MIN_DEVICES, CONTEXT_SHRINK, drain_without_weather
from app.ml.models.references import DRAIN_FLOOR

PODS = 8
REFERENCE = 4.0  # % per operating hour when commissioned
HOURS = 2.0


def fleet_day(cold_pods: int, factor: float, lat: float = 52.5) -> pd.DataFrame:
    """One day of PODS pods in one region, the first ``cold_pods`` draining ``factor`` x."""
    drop = np.full(PODS, REFERENCE * HOURS)
    drop[:cold_pods] *= factor
    return pd.DataFrame(
        {
            "device_id": [f"p{i}" for i in range(PODS)],
            "day": pd.Timestamp("2025-01-10"),
            "drop_pct": drop,
            "drop_hours": HOURS,
            "drain_reference": REFERENCE,
            "lat": lat,
            "lon": 13.4,
        }
    )


def test_a_cold_day_that_drains_every_pod_faster_is_taken_out() -> None:
    frame = fleet_day(PODS, 1.3)
    corrected = drain_without_weather(frame)
    # the region's median log ratio (floored like every drain ratio), shrunk by its pod count
    ratio = (REFERENCE * 1.3 + DRAIN_FLOOR) / (REFERENCE + DRAIN_FLOOR)
    effect = np.log(ratio) * PODS / (PODS + CONTEXT_SHRINK)
    expected = REFERENCE * HOURS * 1.3 * np.exp(-effect)
    assert corrected.to_numpy() == pytest.approx(np.full(PODS, expected))
    assert (corrected < frame["drop_pct"]).all()


def test_one_pod_draining_faster_keeps_its_drain() -> None:
    frame = fleet_day(1, 1.5)
    corrected = drain_without_weather(frame)
    assert corrected.to_numpy() == pytest.approx(frame["drop_pct"].to_numpy())


def test_too_few_pods_in_the_region_and_the_fleet_leave_the_drain_alone() -> None:
    frame = fleet_day(PODS, 1.3).head(CONTEXT_MIN_DEVICES - 1)
    corrected = drain_without_weather(frame)
    assert corrected.to_numpy() == pytest.approx(frame["drop_pct"].to_numpy())
