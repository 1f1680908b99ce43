"""SQL model for predictive maintenance alerts and their lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

SEVERITY_CHECK = "severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')"
ISSUE_CHECK = "predicted_issue_type IN ('motor', 'battery', 'gps', 'telemetry')"
STATUS_CHECK = "status IN ('open', 'acknowledged', 'resolved')"
OUTCOME_CHECK = (
    "outcome IS NULL OR outcome IN ('confirmed_fault', 'false_alarm', 'maintenance_done')"
)
KIND_CHECK = "kind IN ('degradation', 'offline')"
# One active (open or acknowledged) alert per device and issue: new findings update it.
ACTIVE_WHERE = text("status IN ('open', 'acknowledged')")


class Alert(Base):
    """A predicted issue on one device, from open through acknowledged to resolved."""

    __tablename__ = "ml_alerts"
    __table_args__ = (
        CheckConstraint(SEVERITY_CHECK, name="severity"),
        CheckConstraint(ISSUE_CHECK, name="issue_type"),
        CheckConstraint(STATUS_CHECK, name="status"),
        CheckConstraint(OUTCOME_CHECK, name="outcome"),
        CheckConstraint(KIND_CHECK, name="kind"),
        Index(
            "ix_ml_alerts_one_active",
            "device_id",
            "predicted_issue_type",
            unique=True,
            sqlite_where=ACTIVE_WHERE,
            postgresql_where=ACTIVE_WHERE,
        ),
        Index("ix_ml_alerts_status_created", "status", "created_at"),
        Index("ix_ml_alerts_device_created", "device_id", "created_at"),
    )

    alert_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(8))
    predicted_issue_type: Mapped[str] = mapped_column(String(16))
    predicted_timeframe: Mapped[str] = mapped_column(String(64))
    recommended_actions: Mapped[list[str]] = mapped_column(JSON)
    confidence: Mapped[float] = mapped_column(Float)
    health_score: Mapped[float] = mapped_column(Float)
    health_trend_context: Mapped[dict[str, Any]] = mapped_column(JSON)
    model_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_notes: Mapped[str | None] = mapped_column(Text, default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(64), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    resolution_notes: Mapped[str | None] = mapped_column(Text, default=None)
    # when the evidence behind the alert was measured, and when the part is predicted to fail
    evidence_at: Mapped[datetime | None] = mapped_column(default=None)
    predicted_failure_at: Mapped[datetime | None] = mapped_column(default=None)
    predicted_earliest_at: Mapped[datetime | None] = mapped_column(default=None)
    predicted_latest_at: Mapped[datetime | None] = mapped_column(default=None)
    kind: Mapped[str] = mapped_column(
        String(16), default="degradation", server_default="degradation"
    )
