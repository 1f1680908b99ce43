"""Roles and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.core.errors import Forbidden


class Role(StrEnum):
    """Roles in increasing order of power; ``pod`` may only send telemetry."""

    pod = "pod"
    viewer = "viewer"
    operator = "operator"
    admin = "admin"

    @property
    def rank(self) -> int:
        """Position in viewer < operator < admin (pod ranks below viewer)."""
        return list(Role).index(self)


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a user (JWT) or an API key."""

    name: str
    role: Role
    kind: str  # "user" or "api_key"
    id: int | None = None  # the user's or the key's id

    @property
    def identity(self) -> str:
        """A stable key for this principal (rate limits): kind and id, else the name."""
        return f"{self.kind}:{self.id if self.id is not None else self.name}"

    def has(self, role: Role) -> bool:
        """True when this principal may act as ``role``.

        Users rank viewer < operator < admin. Pod keys hold only ``pod`` (sending
        telemetry), which operators and admins may also do.
        """
        if role is Role.pod:
            return self.role in (Role.pod, Role.operator, Role.admin)
        if self.role is Role.pod:
            return False
        return self.role.rank >= role.rank

    def require(self, role: Role) -> None:
        """Refuse (403) unless this principal may act as ``role``."""
        if not self.has(role):
            needed = "permission to send telemetry" if role is Role.pod else f"role {role}"
            raise Forbidden(f"{self.name} has role {self.role}; this needs {needed}")
