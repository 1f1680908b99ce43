"""Callers recently authenticated: a credential seen again skips the user or key lookup.

An entry holds for AUTH_CACHE_SECONDS at most, never past the token's expiry, and only
while the records (users, API keys) are at the version they had when the entry was read:
a user disabled, a role changed or a key revoked through this server, or in the SQLite
file by any process, is refused at once. Only a change written to PostgreSQL by another
process (the CLI) takes up to AUTH_CACHE_SECONDS to be seen; 0 looks up every request.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from app.core.data_version import DataVersion, Source
from app.core.roles import Principal

RECORDS = frozenset({Source.records})
MAX_ENTRIES = 4096  # distinct credentials remembered; the oldest is forgotten first

Credential = tuple[str | None, str | None]  # (bearer token, API key)


@dataclass(frozen=True)
class Known:
    """A principal, the records version it was read at, and until when it holds."""

    principal: Principal
    version: Hashable
    until: float  # time.time() deadline


class PrincipalCache:
    """Principals of recently checked credentials, while nothing they rest on changed."""

    def __init__(self, seconds: float, version: DataVersion) -> None:
        self.seconds = seconds
        self.version = version
        self._known: dict[Credential, Known] = {}

    def snapshot(self) -> Hashable:
        """The records version to read a principal at (taken before the lookup)."""
        return self.version.current(RECORDS)

    def get(self, credential: Credential) -> Principal | None:
        """The cached principal of ``credential``, or None when it must be looked up."""
        known = self._known.get(credential)
        if known is None:
            return None
        if time.time() >= known.until or known.version != self.snapshot():
            self._known.pop(credential, None)
            return None
        return known.principal

    def put(
        self,
        credential: Credential,
        principal: Principal,
        read_at: Hashable,
        expires: datetime | None,
    ) -> None:
        """Remember ``principal`` as read at version ``read_at``."""
        if self.seconds <= 0:
            return
        until = time.time() + self.seconds
        if expires is not None:
            until = min(until, expires.timestamp())
        if len(self._known) >= MAX_ENTRIES:
            del self._known[next(iter(self._known))]
        self._known[credential] = Known(principal, read_at, until)
