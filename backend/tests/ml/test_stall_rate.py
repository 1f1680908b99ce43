"""Stall rate: the share of in-session samples after a drilling one where the current collapsed."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from app.core.config import Settings
from app.ml.models.feature_specs import COMPONENT_FEATURES
from app.ml.preprocessing.feature_engineering import MLFeatureService
from tests.ml.feature_helpers import insert_rows, new_store, session_rows

DRILL, STALL = 4.5, 0.5


def hand_made_rows() -> list[tuple[object, ...]]:
    """Two stalls and standby pauses on day 1, a stall across midnight, a low after a gap."""
    morning = datetime(2025, 7, 1, 8, 0)
    night = datetime(2025, 7, 1, 23, 58, 45)
    rows = [
        *session_rows("stally", morning, [6.0, 6.2, 0.2, 6.1, 6.4, 0.4, 1.8, 6.0, 1.7, 0.1]),
        # drilling at 23:59:45, collapsed at 00:00:15: the stall belongs to 2 July
        *session_rows("stally", night, [6.0, 6.0, 6.0, 0.3, 6.0, 6.0], seq0=20),
        # 10 minutes after the last drilling sample: a new session, not a stall
        *session_rows("stally", datetime(2025, 7, 2, 0, 11), [0.2, 6.0, 2.0], seq0=40),
        *session_rows("steady", morning, [6.0, 2.0, 6.5, 6.3, 1.9, 6.1, 6.0, 2.1]),
        *session_rows("idle", morning, [2.0, 1.8, 0.2, 1.9]),
    ]
    return rows


def pandas_stall_rate(rows: list[tuple[object, ...]], gap_s: int) -> pd.Series:
    """The same measure computed independently with pandas."""
    names = ["ts", "device_id", "seq", "amp", "lat", "lon", "batt"]
    frame = pd.DataFrame(rows, columns=names).sort_values(["device_id", "ts", "seq"])
    by_device = frame.groupby("device_id")
    dt = by_device["ts"].diff().dt.total_seconds()
    after_drill = (dt <= gap_s) & (by_device["amp"].shift() > DRILL)
    frame["stalled"] = (frame["amp"] <= STALL).astype(float)
    frame["day"] = frame["ts"].dt.floor("D")
    return frame[after_drill].groupby(["device_id", "day"])["stalled"].mean()


def test_stall_rate_matches_pandas_on_a_hand_made_frame(settings: Settings) -> None:
    store = new_store(settings.duckdb_path)
    rows = hand_made_rows()
    insert_rows(store, rows)
    frame = MLFeatureService(store, settings).daily_features(as_of=date(2025, 7, 2), days=2)
    got = frame[frame["active"]].set_index(["device_id", "day"])["stall_rate"]
    expected = pandas_stall_rate(rows, settings.session_max_gap_seconds)
    assert expected.loc[("stally", pd.Timestamp("2025-07-01"))] == 2 / 7  # by hand
    assert expected.loc[("stally", pd.Timestamp("2025-07-02"))] == 1 / 3
    assert expected.loc[("steady", pd.Timestamp("2025-07-01"))] == 0.0
    np.testing.assert_allclose(got.loc[expected.index], expected)
    assert np.isnan(got.loc[("idle", pd.Timestamp("2025-07-01"))])  # never drilled


def test_stall_rate_is_part_of_current_stability_with_a_noise_floor() -> None:
    specs = {spec.name: spec for spec in COMPONENT_FEATURES["current_stability"]}
    assert not specs["stall_rate"].own_baseline
    # a single stall among 40 drilling transitions stays inside the normal range
    assert specs["stall_rate"].floor * 3.5 > 1 / 40
