"""Fixtures shared by the ML tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.db.models_alerts import Alert
from app.db.session import build_engine, build_session_factory


@pytest.fixture
def factory(migrated_settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database (SQLite file, or PostgreSQL when set), no alerts."""
    engine = build_engine(migrated_settings)
    with engine.begin() as connection:
        connection.execute(delete(Alert))
    yield build_session_factory(engine)
    engine.dispose()
