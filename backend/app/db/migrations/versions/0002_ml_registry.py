"""Model registry: versions with a single active flag, and the switch history.

Revision ID: 0002_ml_registry
Revises: 0001_auth
Create Date: 2025-07-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_ml_registry"
down_revision: str | Sequence[str] | None = "0001_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_ACTIVE_WHERE = sa.text("is_active")


def upgrade() -> None:
    """Create ml_models (at most one active row) and ml_deployments."""
    op.create_table(
        "ml_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml_models")),
        sa.UniqueConstraint("version", name=op.f("uq_ml_models_version")),
    )
    op.create_index(
        "ix_ml_models_one_active",
        "ml_models",
        ["is_active"],
        unique=True,
        sqlite_where=ONE_ACTIVE_WHERE,
        postgresql_where=ONE_ACTIVE_WHERE,
    )
    op.create_table(
        "ml_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("previous_version", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("switched_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('deploy', 'rollback')", name=op.f("ck_ml_deployments_action")
        ),
        sa.ForeignKeyConstraint(
            ["version"],
            ["ml_models.version"],
            name=op.f("fk_ml_deployments_version_ml_models"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ml_deployments")),
    )
    op.create_index(op.f("ix_ml_deployments_version"), "ml_deployments", ["version"], unique=False)


def downgrade() -> None:
    """Drop ml_deployments and ml_models."""
    op.drop_index(op.f("ix_ml_deployments_version"), table_name="ml_deployments")
    op.drop_table("ml_deployments")
    op.drop_index("ix_ml_models_one_active", table_name="ml_models")
    op.drop_table("ml_models")
