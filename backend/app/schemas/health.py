"""The public health check's body."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

CheckResult = Literal["ok", "busy", "unavailable"]


class HealthRead(BaseModel):
    """Overall status, version and the state of each store."""

    status: Literal["ok", "degraded"]
    version: str
    telemetry_store: CheckResult
    database: CheckResult
