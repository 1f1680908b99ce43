"""Checks on feature requests and frames: input validation, completeness, quality report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import numpy as np
import pandas as pd

from app.core.errors import BadInput

KEY = ["device_id", "day"]
# The measurements a working device-day should have; their presence is its completeness.
CORE_FEATURES = ["amp_median", "amp_cv", "drain_per_hour", "fixless_share", "lost_share"]
TEXT = ("device_id",)
FLAGS = ("active",)
STAMPS = ("day", "last_ts", "last_seen")
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
    """A copy with the evidence frame's dtypes: text id, datetimes, bool flags, float64."""
    frame = frame.copy()
    if frame.empty:
        return frame
    for name in STAMPS:
        if name in frame:
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[us]")
    frame["device_id"] = frame["device_id"].astype("str")
    frame["active"] = frame["active"].astype(bool)
    numeric = [c for c in frame.columns if c not in (*TEXT, *FLAGS, *STAMPS)]
    frame[numeric] = frame[numeric].astype("float64")
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
    """Per-device quality (completeness of its working days, less lost samples)."""
    if frame.empty:
        return FeatureQualityReport(0, 0, 0, 0.0, 1.0, 0.0)
    active = frame[frame["active"]]
    cells = active[CORE_FEATURES].to_numpy(dtype=float)
    complete = np.isfinite(cells).mean(axis=1) if cells.size else np.zeros(len(active))
    received = 1.0 - active["lost_share"].fillna(0.0).to_numpy(float)
    quality = pd.Series(complete * received, index=active.index)
    per_device = quality.groupby(active["device_id"]).mean()
    per_device = per_device.reindex(frame["device_id"].unique(), fill_value=0.0)
    missing = float(1.0 - complete.mean()) if len(complete) else 1.0
    return FeatureQualityReport(
        devices=len(per_device),
        rows=len(frame),
        active_rows=len(active),
        extraction_success_rate=float((per_device >= MIN_QUALITY).mean()),
        missing_data_share=missing,
        feature_quality=float(per_device.mean()),
        per_device={str(k): round(float(v), 4) for k, v in per_device.items()},
    )
