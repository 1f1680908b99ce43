"""SQL models of the model registry: versions (with the active flag) and switch history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, utcnow

ACTIONS = ("deploy", "rollback")
# At most one row may carry the flag; the switch clears the old one first.
ONE_ACTIVE_WHERE = text("is_active")


class MLModelVersion(Base):
    """A registered artifact: name, digest of its bytes, its metadata, whether active."""

    __tablename__ = "ml_models"
    __table_args__ = (
        Index(
            "ix_ml_models_one_active",
            "is_active",
            unique=True,
            sqlite_where=ONE_ACTIVE_WHERE,
            postgresql_where=ONE_ACTIVE_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class MLDeployment(Base):
    """One switch of the active model, written in the same transaction as the flag."""

    __tablename__ = "ml_deployments"
    __table_args__ = (CheckConstraint("action IN ('deploy', 'rollback')", name="action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(ForeignKey("ml_models.version"), index=True)
    previous_version: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text, default="")
    switched_at: Mapped[datetime] = mapped_column(default=utcnow)
