"""Bodies of the fleet views: last positions, daily activity, and each device's shown status."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.ml import Status
from app.schemas.sessions import UtcDatetime

Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]


class DevicePosition(BaseModel):
    """A device's last known GPS position (null when it never had a fix)."""

    device_id: str
    lat: float | None
    lon: float | None
    position_at: UtcDatetime | None = Field(description="end of the latest session with a fix")
    last_seen: UtcDatetime


class DevicePositions(BaseModel):
    """GET /api/v1/fleet/positions: every device, by device_id."""

    positions: list[DevicePosition]


class DailyActivity(BaseModel):
    """One UTC day: sessions, drilling hours of each top device (in ``devices`` order), the rest."""

    day: date
    sessions: int
    drilling_hours: float
    hours: list[float] = Field(description="drilling hours per device of ``devices``")
    other_hours: float = Field(description="drilling hours of every other device")


class DailyActivityPage(BaseModel):
    """GET /api/v1/sessions/daily: per-day totals with the busiest devices as their own series."""

    devices: list[str] = Field(description="the busiest devices, most drilling hours first")
    other_devices: int = Field(description="devices summed into other_hours")
    days: list[DailyActivity]


class ActiveAlert(BaseModel):
    """A device's most urgent unresolved alert, and who is on it."""

    alert_id: str
    severity: Severity
    kind: Literal["degradation", "offline"]
    status: Literal["open", "acknowledged"]
    predicted_issue_type: str
    predicted_failure_at: UtcDatetime | None
    acknowledged_by: str | None
    acknowledged_at: UtcDatetime | None


class DeviceStatus(BaseModel):
    """What a device needs: the worse of its model status and its unresolved alerts."""

    device_id: str
    status: Status | None = Field(description="shown status; null: not scored and no alert")
    model_status: Status | None = Field(description="the health model's own status")
    health_score: float | None
    reason: str | None = Field(description="top factor or finding, in words")
    predicted_failure_at: UtcDatetime | None
    last_seen: UtcDatetime | None
    lat: float | None
    lon: float | None
    alert: ActiveAlert | None
    open_alerts: int = Field(description="unresolved (open or acknowledged) alerts")


class FleetStatus(BaseModel):
    """GET /api/v1/fleet/status: every device's shown status, worst first."""

    ml_available: bool = Field(description="false: ML disabled or not scored yet")
    ml_message: str | None
    as_of: UtcDatetime | None = Field(description="latest telemetry the scores use")
    devices: list[DeviceStatus]
