"""Tokens bound to a per-user version, user ids never reused, and the audit log.

Revision ID: 0005_security_audit
Revises: 0004_alert_evidence
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_security_audit"
down_revision: str | Sequence[str] | None = "0004_alert_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add users.token_version (SQLite: AUTOINCREMENT ids) and create audit_log."""
    # SQLite: rebuild users with AUTOINCREMENT, so a deleted user's id (and any token bound
    # to it) is never handed to a new user. PostgreSQL sequences never reuse ids.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "users",
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch:
        batch.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"])
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor", "at"])


def downgrade() -> None:
    """Drop audit_log and users.token_version."""
    op.drop_table("audit_log")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
