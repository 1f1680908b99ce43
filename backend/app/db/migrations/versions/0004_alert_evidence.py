"""Alerts carry the time of their evidence, a predicted failure date with its range, and a kind.

Revision ID: 0004_alert_evidence
Revises: 0003_alerts
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_alert_evidence"
down_revision: str | Sequence[str] | None = "0003_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMES = ("evidence_at", "predicted_failure_at", "predicted_earliest_at", "predicted_latest_at")
KIND_CHECK = "kind IN ('degradation', 'offline')"


def upgrade() -> None:
    """Add evidence and prediction times and the alert kind to ml_alerts."""
    with op.batch_alter_table("ml_alerts") as batch:
        for name in TIMES:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="degradation")
        )
        batch.create_check_constraint(op.f("ck_ml_alerts_kind"), KIND_CHECK)


def downgrade() -> None:
    """Drop the evidence and prediction columns."""
    with op.batch_alter_table("ml_alerts") as batch:
        batch.drop_constraint(op.f("ck_ml_alerts_kind"), type_="check")
        batch.drop_column("kind")
        for name in reversed(TIMES):
            batch.drop_column(name)
