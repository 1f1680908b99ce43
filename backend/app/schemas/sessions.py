"""Response bodies for devices, sessions and the session timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field


def as_utc(value: datetime) -> datetime:
    """Mark a naive timestamp (the store keeps UTC) as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
SessionSort = Literal[
    "start_ts",
    "device_id",
    "duration_s",
    "drilling_s",
    "samples",
    "lost_samples",
    "missing_gps",
    "battery_min",
    "avg_current",
]
SortOrder = Literal["asc", "desc"]


class SessionRead(BaseModel):
    """One session: a run of a device's samples without a gap over SESSION_MAX_GAP_SECONDS."""

    session_id: str = Field(description="device_id-<epoch seconds of start>; stable")
    device_id: str
    start_ts: UtcDatetime
    end_ts: UtcDatetime
    duration_s: float = Field(description="end_ts - start_ts in seconds")
    samples: int
    expected_samples: int = Field(description="samples + lost_samples")
    lost_samples: int = Field(description="seq steps inside the session that never arrived")
    off_samples: int = Field(description="current <= 0.5 A")
    standby_samples: int = Field(description="0.5 A < current <= 2.0 A")
    spin_samples: int = Field(description="2.0 A < current <= 4.5 A")
    drill_samples: int = Field(description="current > 4.5 A")
    drilling_s: int = Field(description="DRILL samples x 30 s")
    tagged: bool = Field(description="a smart tag (ble_id) was seen")
    ble_ids: list[str]
    centroid_lat: float | None
    centroid_lon: float | None
    last_lat: float | None
    last_lon: float | None
    missing_gps: int = Field(description="samples without a GPS fix")
    battery_start: int
    battery_end: int
    battery_min: int
    low_battery_samples: int = Field(description="samples with battery below 20 %")
    low_battery: bool = Field(description="battery fell below 20 %")
    avg_current: float
    max_current: float
    std_current: float | None


class SessionPage(BaseModel):
    """One page of sessions, newest first."""

    sessions: list[SessionRead]
    total: int
    limit: int
    offset: int


class TimelineEntry(BaseModel):
    """Sessions of one device that started on one UTC day."""

    day: date
    device_id: str
    sessions: int
    drilling_hours: float
    session_hours: float
    tagged_sessions: int


class Timeline(BaseModel):
    """One page of the per-day, per-device timeline, oldest day first."""

    entries: list[TimelineEntry]
    total: int
    limit: int
    offset: int


class DeviceSummary(BaseModel):
    """A device's activity over all its sessions."""

    device_id: str
    first_seen: UtcDatetime
    last_seen: UtcDatetime
    sessions: int
    samples: int
    drilling_hours: float
    last_battery: int = Field(description="battery % at the end of the latest session")
    last_lat: float | None = Field(description="latest GPS fix")
    last_lon: float | None


class DeviceList(BaseModel):
    """One page of devices, by device_id."""

    devices: list[DeviceSummary]
    total: int
    limit: int
    offset: int
