"""Request and response bodies for login, users and API keys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.roles import Role
from app.core.security import (
    KEY_NAME_PATTERN,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    USERNAME_PATTERN,
)
from app.schemas.sessions import UtcDatetime

UserRole = Literal["viewer", "operator", "admin"]


class TokenResponse(BaseModel):
    """A bearer token from the OAuth2 password flow."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Lifetime in seconds")
    role: Role


class PrincipalRead(BaseModel):
    """Who the caller is."""

    name: str
    role: Role
    kind: Literal["user", "api_key"]


class UserCreate(BaseModel):
    """A new user."""

    username: str = Field(pattern=USERNAME_PATTERN)
    role: UserRole = "viewer"
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)


class UserUpdate(BaseModel):
    """Fields of a user to change; omitted ones stay as they are."""

    role: UserRole | None = None
    active: bool | None = None
    password: str | None = Field(
        default=None, min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH
    )


class UserRead(BaseModel):
    """A user as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    active: bool
    created_at: UtcDatetime


class ApiKeyCreate(BaseModel):
    """A new API key; ``pod`` keys may only send telemetry."""

    name: str = Field(pattern=KEY_NAME_PATTERN)
    role: Role = Role.pod


class ApiKeyRead(BaseModel):
    """An API key as listed: its prefix identifies it; the secret is never shown again."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: Role
    prefix: str
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None
    revoked: bool
    revoked_at: UtcDatetime | None


class ApiKeyCreated(ApiKeyRead):
    """A key just created: ``key`` is shown this once."""

    key: str
