"""Predictive alerts with their lifecycle (open -> acknowledged -> resolved).

Revision ID: 0003_alerts
Revises: 0002_ml_registry
Create Date: 2025-07-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_alerts"
down_revision: str | Sequence[str] | None = "0002_ml_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_WHERE = sa.text("status IN ('open', 'acknowledged')")
CHECKS = {
    "severity": "severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')",
    "issue_type": "predicted_issue_type IN ('motor', 'battery', 'gps', 'telemetry')",
    "status": "status IN ('open', 'acknowledged', 'resolved')",
    "outcome": (
        "outcome IS NULL OR outcome IN ('confirmed_fault', 'false_alarm', 'maintenance_done')"
    ),
}


def upgrade() -> None:
    """Create ml_alerts with one active alert per device and issue type."""
    op.create_table(
        "ml_alerts",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("predicted_issue_type", sa.String(length=16), nullable=False),
        sa.Column("predicted_timeframe", sa.String(length=64), nullable=False),
        sa.Column("recommended_actions", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("health_score", sa.Float(), nullable=False),
        sa.Column("health_trend_context", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_notes", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("resolution_notes", sa.Text(), nullable=True),
        *(
            sa.CheckConstraint(sql, name=op.f(f"ck_ml_alerts_{name}"))
            for name, sql in CHECKS.items()
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_ml_alerts")),
    )
    op.create_index(
        "ix_ml_alerts_one_active",
        "ml_alerts",
        ["device_id", "predicted_issue_type"],
        unique=True,
        sqlite_where=ACTIVE_WHERE,
        postgresql_where=ACTIVE_WHERE,
    )
    op.create_index("ix_ml_alerts_status_created", "ml_alerts", ["status", "created_at"])
    op.create_index("ix_ml_alerts_device_created", "ml_alerts", ["device_id", "created_at"])


def downgrade() -> None:
    """Drop ml_alerts."""
    op.drop_index("ix_ml_alerts_device_created", table_name="ml_alerts")
    op.drop_index("ix_ml_alerts_status_created", table_name="ml_alerts")
    op.drop_index("ix_ml_alerts_one_active", table_name="ml_alerts")
    op.drop_table("ml_alerts")
