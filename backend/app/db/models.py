"""SQL models for accounts: users (password login) and API keys (pods, scripts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.roles import Role
from app.db.base import Base, utcnow

USER_ROLES = (Role.viewer, Role.operator, Role.admin)


def _role_type() -> Enum:
    return Enum(
        Role,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda roles: [role.value for role in roles],
        validate_strings=True,
    )


def _in(column: str, roles: tuple[Role, ...]) -> str:
    return f"{column} IN ({', '.join(repr(role.value) for role in roles)})"


class User(Base):
    """A person who logs in with a password; roles viewer < operator < admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(_in("role", USER_ROLES), name="role"),
        # ids are never reused, so a token bound to a deleted user's id stays dead
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_role_type())
    password_hash: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # bumped when the password, role or active flag changes: older tokens are refused
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiKey(Base):
    """A key for pods and scripts; only a hash of its secret is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(_in("role", tuple(Role)), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(_role_type())
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
