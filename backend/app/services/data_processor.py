"""``DataProcessor``: the guide's entry point to sessions for scripts and the ML code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from app.core.config import Settings, get_settings
from app.services.sessions import Scope, resolve_scope
from app.storage import sessions as repo
from app.storage.duckdb import TelemetryStore


class DataProcessor:
    """Reads sessions from the telemetry store (naive timestamps are UTC)."""

    def __init__(
        self, store: TelemetryStore | None = None, settings: Settings | None = None
    ) -> None:
        self.settings = settings or get_settings()
        self.store = store or TelemetryStore.from_settings(self.settings)
        self._checked = False

    def get_sessions(
        self,
        device_ids: Sequence[str] | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every session in the scope as a dict, by device then start time."""
        self._ensure_current()
        with self.store.connect() as conn:
            flt = resolve_scope(conn, Scope(device_ids, start_date, end_date))
            return repo.all_sessions(conn, flt)

    def get_sessions_frame(
        self,
        device_ids: Sequence[str] | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
    ) -> pd.DataFrame:
        """Every session in the scope as a DataFrame, by device then start time."""
        self._ensure_current()
        with self.store.connect() as conn:
            flt = resolve_scope(conn, Scope(device_ids, start_date, end_date))
            return repo.sessions_frame(conn, flt)

    def _ensure_current(self) -> None:
        if self._checked:
            return
        self.store.initialise()
        with self.store.connect() as conn:
            repo.ensure_sessions_current(conn, self.settings.session_max_gap_seconds)
        self._checked = True
