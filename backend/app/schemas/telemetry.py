"""Request and response bodies for telemetry ingestion and its history."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from app.schemas.sessions import UtcDatetime
from app.storage.telemetry_rules import ID_MAX_CHARS, ID_PATTERN, SEQ_MAX


class TelemetryRecord(BaseModel):
    """One sample as a JSON object (documents the JSON body of POST /telemetry)."""

    timestamp: datetime = Field(examples=["2025-07-01T09:20:15Z"])
    device_id: str = Field(pattern=ID_PATTERN, max_length=ID_MAX_CHARS, examples=["b4e1d9c2"])
    seq: int = Field(ge=0, le=SEQ_MAX, examples=[410])
    current_amp: float = Field(ge=0, le=100, examples=[7.3])
    gps_lat: float | None = Field(default=None, ge=-90, le=90, examples=[52.393297])
    gps_lon: float | None = Field(default=None, ge=-180, le=180, examples=[13.265675])
    battery_level: int = Field(ge=0, le=100, examples=[67])
    ble_id: str | None = Field(
        default=None, pattern=ID_PATTERN, max_length=ID_MAX_CHARS, examples=["F4:12:FA:6C:9D:21"]
    )


class IngestReportRead(BaseModel):
    """What one ingest did: rows accepted, duplicates dropped, rows quarantined."""

    model_config = ConfigDict(from_attributes=True)

    ingest_id: int | None
    source: str
    accepted: int
    duplicates: int
    quarantined: int
    devices: list[str] = Field(description="Devices that received new rows")
    sha256: str | None
    skipped: bool = Field(description="True when the file was already ingested")
    error: str | None = None
    seconds: float


class QuarantineRead(BaseModel):
    """A rejected row: where it came from, its raw text and why it was rejected."""

    ingest_id: int
    source: str
    line: int | None = Field(
        description="CSV: line in the file, header = 1. JSON: position in the array, from 1."
    )
    raw: str | None
    reason: str
    quarantined_at: UtcDatetime


class QuarantinePage(BaseModel):
    """One page of quarantined rows and how many match in total."""

    items: list[QuarantineRead]
    total: int


class IngestRead(BaseModel):
    """One committed ingest."""

    ingest_id: int
    source: str
    sha256: str | None
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    accepted: int
    duplicates: int
    quarantined: int


class IngestHistory(BaseModel):
    """One page of the ingest history, newest first, and its total."""

    items: list[IngestRead]
    total: int


# a purge never takes everything: a device, a from or a to is named (and not null)
NARROWED: list[JsonValue] = [
    {"required": [name], "properties": {name: {"type": "string"}}}
    for name in ("device_id", "from", "to")
]


class PurgeRequest(BaseModel):
    """Which stored telemetry to purge: a device and/or a time range (``from`` <= ts < ``to``)."""

    model_config = ConfigDict(
        populate_by_name=True, extra="forbid", json_schema_extra={"anyOf": NARROWED}
    )

    device_id: str | None = Field(default=None, min_length=1, max_length=256)
    start: datetime | None = Field(
        default=None, alias="from", description="Inclusive; without offset it is UTC"
    )
    end: datetime | None = Field(default=None, alias="to", description="Exclusive")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _text_only(cls, value: object) -> object:
        """An ISO 8601 text (or null), never a number read as seconds since 1970."""
        if isinstance(value, int | float):
            raise ValueError("expected an ISO 8601 datetime, not a number")
        return value

    requarantine: bool = Field(
        default=False, description="Keep the rows in the quarantine instead of dropping them"
    )
    dry_run: bool = Field(default=False, description="Only count what would be purged")


class DevicePurge(BaseModel):
    """Rows of one device that a purge removed (or would remove)."""

    device_id: str
    rows: int
    first_ts: UtcDatetime
    last_ts: UtcDatetime


class PurgeReportRead(BaseModel):
    """What a purge did, or would do on a dry run."""

    model_config = ConfigDict(from_attributes=True)

    device_id: str | None
    start: UtcDatetime | None = Field(serialization_alias="from")
    end: UtcDatetime | None = Field(serialization_alias="to")
    requarantine: bool
    dry_run: bool
    rows: int
    devices: list[DevicePurge]
    sessions_before: int
    sessions_after: int
