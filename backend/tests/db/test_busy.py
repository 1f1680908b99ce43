"""A busy SQL store is told apart from a bug: pool exhaustion and a held lock become 503."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app.core.config import Settings
from app.core.errors import Overloaded
from app.db.busy import RETRY_AFTER_SECONDS, busy_as_unavailable, busy_error
from app.db.session import build_engine


def test_an_exhausted_pool_is_busy(tmp_path: Path) -> None:
    engine = create_engine(
        f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, max_overflow=0, pool_timeout=0.1
    )
    with engine.connect(), pytest.raises(Overloaded) as raised, busy_as_unavailable():
        engine.connect()  # the only connection is lent out
    assert raised.value.status == 503
    assert raised.value.retry_after == RETRY_AFTER_SECONDS
    assert "pool exhausted" in raised.value.message


def test_a_held_sqlite_lock_is_busy_and_other_errors_are_not(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    with (
        pytest.raises(Overloaded, match="stayed locked"),
        busy_as_unavailable(),
        engine.begin() as db,
    ):
        db.execute(text("INSERT INTO t VALUES (1)"))
    holder.execute("ROLLBACK")
    with pytest.raises(OperationalError) as raised, busy_as_unavailable(), engine.begin() as db:
        db.execute(text("SELECT * FROM no_such_table"))  # a bug stays a bug (a 500)
    assert busy_error(raised.value) is None


@pytest.mark.parametrize("seconds", [0.25, 42.0])
def test_sqlite_busy_timeout_is_how_long_a_write_waits_for_the_lock(
    tmp_path: Path, seconds: float
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'sql.db'}",
        sqlite_busy_timeout=seconds,
    )
    engine = build_engine(settings)
    with engine.connect() as db:
        assert db.execute(text("PRAGMA busy_timeout")).scalar_one() == seconds * 1000
    engine.dispose()
