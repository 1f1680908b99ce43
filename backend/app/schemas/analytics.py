"""Response bodies for fleet insights, anomalies and battery trends."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.sessions import UtcDatetime

AnomalySort = Literal[
    "start_ts",
    "kind",
    "device_id",
    "duration_s",
    "samples",
    "lost_samples",
    "missing_gps",
    "battery_min",
]


class OperatingState(StrEnum):
    """Per-sample state from the current draw."""

    OFF = "OFF"
    STANDBY = "STANDBY"
    SPIN = "SPIN"
    DRILL = "DRILL"


class AnomalyKind(StrEnum):
    """Kinds of session anomaly."""

    short_session = "short_session"
    lost_samples = "lost_samples"
    missing_gps = "missing_gps"
    low_battery = "low_battery"
    id_collision = "id_collision"


class BatteryPeriod(StrEnum):
    """Smallest bucket of a battery trend."""

    hour = "hour"
    day = "day"
    week = "week"


class StateShare(BaseModel):
    """Samples and time spent in one operating state."""

    state: OperatingState
    samples: int
    share_pct: float
    hours: float = Field(description="samples x 30 s")


class AnomalyCounts(BaseModel):
    """How many sessions (and samples) show each anomaly."""

    short_sessions: int = Field(description="sessions shorter than 5 minutes")
    lost_sample_sessions: int
    lost_samples: int
    missing_gps_sessions: int
    missing_gps_samples: int
    low_battery_sessions: int = Field(description="sessions whose battery fell below 20 %")
    low_battery_samples: int


class AnomalyPageCounts(AnomalyCounts):
    """The session counts, and the sessions a second pod reported into (found per request)."""

    id_collision_sessions: int = Field(
        description="sessions overlapping an episode of a second pod under the device's id"
    )


class SessionLocation(BaseModel):
    """Where a session took place (centroid of its GPS fixes)."""

    session_id: str
    device_id: str
    start_ts: UtcDatetime
    lat: float
    lon: float
    drilling_hours: float


class Locations(BaseModel):
    """Session locations, evenly thinned in time to at most the requested count."""

    total: int = Field(description="sessions with a location before thinning")
    points: list[SessionLocation]


class Insights(BaseModel):
    """Fleet KPIs for the selected devices and date range."""

    start: UtcDatetime | None
    end: UtcDatetime | None
    devices: int
    sessions: int
    drilling_hours: float
    session_hours: float
    average_session_minutes: float
    tagged_sessions: int
    tagged_pct: float
    states: list[StateShare]
    low_battery_events: int = Field(description="sessions whose battery fell below 20 %")
    anomalies: AnomalyCounts
    locations: Locations


class IdCollision(BaseModel):
    """Evidence of a second pod reporting under the session's device_id (its largest episode)."""

    start_ts: UtcDatetime = Field(description="first sample of the second pod")
    end_ts: UtcDatetime = Field(description="last sample of the second pod")
    intruder_rows: int = Field(description="samples the second pod sent in the episode")
    intruder_seq_from: int
    intruder_seq_to: int
    own_seq_from: int = Field(description="own pod's counter over its run around the episode")
    own_seq_to: int
    distance_m: float | None = Field(description="between the pods' median positions")
    intruder_battery: float | None = Field(description="second pod's median battery %")
    own_battery: float | None = Field(description="own pod's median battery %")


class AnomalyItem(BaseModel):
    """One anomalous session, once per kind it shows."""

    kind: AnomalyKind
    session_id: str
    device_id: str
    start_ts: UtcDatetime
    end_ts: UtcDatetime
    duration_s: float
    samples: int
    lost_samples: int
    missing_gps: int
    battery_min: int
    collision: IdCollision | None = Field(
        default=None, description="kind id_collision only: the episode's evidence"
    )


class AnomalyPage(BaseModel):
    """Anomaly counts and one page of anomalous sessions, newest first."""

    counts: AnomalyPageCounts
    items: list[AnomalyItem]
    total: int
    limit: int
    offset: int


class BatteryPoint(BaseModel):
    """Battery level of one device over one bucket."""

    device_id: str
    bucket_start: UtcDatetime
    avg_battery: float
    min_battery: int
    max_battery: int
    samples: int


class BatteryTrends(BaseModel):
    """Battery per device and bucket, widened so the answer stays under max_points."""

    period: BatteryPeriod
    bucket_seconds: int | None = Field(description="bucket width; null: one bucket per device")
    devices: int
    truncated: bool = Field(description="more devices matched than max_points")
    points: list[BatteryPoint]
