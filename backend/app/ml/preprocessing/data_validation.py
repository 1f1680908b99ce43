"""Checks on feature requests and frames: input validation, completeness, quality report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import numpy as np
import pandas as pd

from app.core.errors import BadInput

KEY = ["device_id", "day"]
# The measurements a device-day should have; their presence is its completeness.
CORE_FEATURES = [
    "amp_mean",
    "amp_cv",
    "spike_rate",
    "drain_per_hour",
    "battery_max",
    "fix_rate",
    "gps_jitter_m",
    "lost_rate",
]
ACTIVITY = ["samples", "sessions", "op_hours", "drill_samples"]
# Describe the day itself, so they are never carried over from an earlier day.
OWN_DAY = [
    *ACTIVITY,
    "active",
    "baseline_days",
    "span_days",
    "weekday_usage",
    "usage_rate",
    "silent_days",
    "silence_surprise",
]
MIN_QUALITY = 0.5


def as_of_timestamp(value: datetime | date | None) -> datetime | None:
    """A naive UTC timestamp; a bare date means the end of that day."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime.combine(value, time.max)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def checked_device_ids(device_ids: Sequence[str] | None) -> list[str] | None:
    """Sorted distinct ids; BadInput naming ``device_ids`` for empty or non-text ids."""
    if device_ids is None:
        return None
    if isinstance(device_ids, str) or any(
        not isinstance(d, str) or not d.strip() for d in device_ids
    ):
        raise BadInput("device ids must be non-empty strings", field="device_ids")
    return sorted(set(device_ids))


def checked_days(days: int | None, window: int) -> int:
    """Days of output requested (default FEATURE_WINDOW_SIZE); BadInput when below 1."""
    if days is None:
        return window
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise BadInput(f"days must be a whole number >= 1, got {days!r}", field="days")
    return days


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with the feature frame's dtypes: text id, microsecond day, bool, float64."""
    frame = frame.copy()
    frame["day"] = pd.to_datetime(frame["day"]).astype("datetime64[us]")
    frame["device_id"] = frame["device_id"].astype("str")
    frame["active"] = frame["active"].astype(bool)
    numeric = [c for c in frame.columns if c not in (*KEY, "active")]
    frame[numeric] = frame[numeric].astype("float64")
    return frame


def finalise(frame: pd.DataFrame, window: int) -> pd.DataFrame:
    """Uniform dtypes; silent days carry the last measured features and their quality."""
    frame = normalised(frame)
    frame[ACTIVITY] = frame[ACTIVITY].fillna(0.0)
    active = frame["active"]
    frame["measured_samples"] = frame["samples"].where(active)
    frame["completeness"] = frame[CORE_FEATURES].notna().mean(axis=1).where(active)
    received = 1.0 - frame["lost_rate"].fillna(0.0)
    frame["feature_quality"] = frame["completeness"] * received
    carried = [c for c in frame.columns if c not in (*KEY, *OWN_DAY)]
    frame.loc[~active, carried] = np.nan
    frame[carried] = frame.groupby("device_id", sort=False)[carried].ffill(limit=window)
    quality = ["measured_samples", "completeness", "feature_quality"]
    frame[quality] = frame[quality].fillna(0.0)
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class FeatureQualityReport:
    """How usable a feature frame is, per device and overall."""

    devices: int
    rows: int
    active_rows: int
    extraction_success_rate: float
    missing_data_share: float
    feature_quality: float
    per_device: dict[str, float] = field(default_factory=dict)

    def log_fields(self) -> str:
        """``key=value`` pairs for the processing log."""
        return (
            f"feature_quality={self.feature_quality:.3f} "
            f"extraction_success_rate={self.extraction_success_rate:.3f} "
            f"missing_data_share={self.missing_data_share:.3f} devices={self.devices} "
            f"rows={self.rows}"
        )


def quality_report(frame: pd.DataFrame) -> FeatureQualityReport:
    """Per-device quality (mean over its active days), success rate and missing share."""
    if frame.empty:
        return FeatureQualityReport(0, 0, 0, 0.0, 1.0, 0.0)
    active = frame[frame["active"]]
    per_device = active.groupby("device_id")["feature_quality"].mean()
    per_device = per_device.reindex(frame["device_id"].unique(), fill_value=0.0)
    cells = active[CORE_FEATURES].to_numpy(dtype=float)
    missing = float(np.isnan(cells).mean()) if cells.size else 1.0
    return FeatureQualityReport(
        devices=len(per_device),
        rows=len(frame),
        active_rows=len(active),
        extraction_success_rate=float((per_device >= MIN_QUALITY).mean()),
        missing_data_share=missing,
        feature_quality=float(per_device.mean()),
        per_device={str(k): round(float(v), 4) for k, v in per_device.items()},
    )
