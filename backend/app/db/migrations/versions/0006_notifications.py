"""Notifications: channels, routing rules, device groups, silences, per-alert notification
state, lifecycle events, the delivery outbox, alert assignment and comments.

Alerts that exist before this revision are recorded as already seen, so upgrading does
not notify about history.

Revision ID: 0006_notifications
Revises: 0005_security_audit
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006_notifications"
down_revision: str | Sequence[str] | None = "0005_security_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the notification tables; mark existing alerts as seen."""
    op.create_table(
        "notify_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('webhook', 'email')", name=op.f("ck_notify_channels_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_channels")),
        sa.UniqueConstraint("name", name=op.f("uq_notify_channels_name")),
    )
    op.create_table(
        "notify_device_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("device_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_device_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_notify_device_groups_name")),
    )
    op.create_table(
        "notify_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("event", sa.String(length=24), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "event IN ('new', 'severity_raised', 'escalated', 'reminder', 'acknowledged', "
            "'resolved')",
            name=op.f("ck_notify_events_event"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'queued', 'silenced', 'inhibited', 'unrouted')",
            name=op.f("ck_notify_events_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_events")),
    )
    with op.batch_alter_table("notify_events", schema=None) as batch_op:
        batch_op.create_index("ix_notify_events_alert", ["alert_id"], unique=False)
        batch_op.create_index("ix_notify_events_state_device", ["state", "device_id"], unique=False)

    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("channel_name", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'parked')", name=op.f("ck_notify_outbox_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
    )
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_notify_outbox_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "notify_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("severities", sa.JSON(), nullable=False),
        sa.Column("issue_types", sa.JSON(), nullable=False),
        sa.Column("device_ids", sa.JSON(), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("quiet_from", sa.String(length=5), nullable=True),
        sa.Column("quiet_until", sa.String(length=5), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("channel_ids", sa.JSON(), nullable=False),
        sa.Column("escalation_channel_ids", sa.JSON(), nullable=False),
        sa.Column("continue_matching", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_notify_rules_name")),
    )
    op.create_table(
        "notify_silences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=128), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "scope IN ('all', 'device', 'group')", name=op.f("ck_notify_silences_scope")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_silences")),
    )
    with op.batch_alter_table("notify_silences", schema=None) as batch_op:
        batch_op.create_index("ix_notify_silences_ends_at", ["ends_at"], unique=False)

    op.create_table(
        "alert_assignments",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_by", sa.String(length=128), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["ml_alerts.alert_id"],
            name=op.f("fk_alert_assignments_alert_id_ml_alerts"),
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert_assignments")),
    )
    with op.batch_alter_table("alert_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_assignments_assignee"), ["assignee"], unique=False
        )

    op.create_table(
        "alert_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["ml_alerts.alert_id"], name=op.f("fk_alert_comments_alert_id_ml_alerts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_comments")),
    )
    with op.batch_alter_table("alert_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_comments_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "notify_alert_state",
        sa.Column("alert_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_ids", sa.JSON(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held", sa.String(length=16), nullable=True),
        sa.Column("held_by", sa.String(length=64), nullable=True),
        sa.Column("held_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "held IS NULL OR held IN ('silenced', 'inhibited')",
            name=op.f("ck_notify_alert_state_held"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["ml_alerts.alert_id"],
            name=op.f("fk_notify_alert_state_alert_id_ml_alerts"),
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_notify_alert_state")),
    )
    with op.batch_alter_table("notify_alert_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notify_alert_state_device_id"), ["device_id"], unique=False
        )
    _seen_existing_alerts()


def _seen_existing_alerts() -> None:
    """One state row per existing alert: its current severity and status count as told."""
    alerts = sa.table(
        "ml_alerts",
        sa.column("alert_id", sa.String()),
        sa.column("device_id", sa.String()),
        sa.column("severity", sa.String()),
        sa.column("status", sa.String()),
    )
    state = sa.table(
        "notify_alert_state",
        sa.column("alert_id", sa.String()),
        sa.column("device_id", sa.String()),
        sa.column("severity", sa.String()),
        sa.column("status", sa.String()),
        sa.column("seen_at", sa.DateTime(timezone=True)),
        sa.column("channel_ids", sa.JSON()),
        sa.column("escalation_level", sa.Integer()),
    )
    now = sa.literal(datetime.now(UTC), sa.DateTime(timezone=True))
    source = sa.select(
        alerts.c.alert_id,
        alerts.c.device_id,
        alerts.c.severity,
        alerts.c.status,
        now,
        sa.literal([], sa.JSON()),
        sa.literal(0, sa.Integer()),
    )
    op.execute(state.insert().from_select([c.name for c in state.c], source))


def downgrade() -> None:
    """Drop the notification tables."""
    with op.batch_alter_table("notify_alert_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_alert_state_device_id"))

    op.drop_table("notify_alert_state")
    with op.batch_alter_table("alert_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_comments_alert_id"))

    op.drop_table("alert_comments")
    with op.batch_alter_table("alert_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_assignments_assignee"))

    op.drop_table("alert_assignments")
    with op.batch_alter_table("notify_silences", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_silences_ends_at")

    op.drop_table("notify_silences")
    op.drop_table("notify_rules")
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_outbox_due")

    op.drop_table("notify_outbox")
    with op.batch_alter_table("notify_events", schema=None) as batch_op:
        batch_op.drop_index("ix_notify_events_state_device")
        batch_op.drop_index("ix_notify_events_alert")

    op.drop_table("notify_events")
    op.drop_table("notify_device_groups")
    op.drop_table("notify_channels")
