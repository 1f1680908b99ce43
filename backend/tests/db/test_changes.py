"""Committed SQL writes are noticed; commits of sessions that only read are not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import Settings
from app.core.roles import Role
from app.db.changes import on_committed_writes
from app.db.models import User
from app.db.session import build_engine, build_session_factory


@pytest.fixture
def factory(migrated_settings: Settings) -> sessionmaker[Session]:
    engine = build_engine(migrated_settings)
    return build_session_factory(engine)


def commits(factory: sessionmaker[Session], work: Callable[[Session], object]) -> int:
    """How many times the callback ran for one transaction doing ``work``."""
    calls: list[int] = []
    on_committed_writes(factory, lambda: calls.append(1))
    try:
        with factory.begin() as session:
            work(session)
    except RuntimeError:
        pass
    return len(calls)


def add_user(session: Session) -> None:
    session.add(User(username="vera", role=Role.viewer, password_hash="x"))


def test_a_commit_that_added_a_row_is_noticed(factory: sessionmaker[Session]) -> None:
    assert commits(factory, add_user) == 1


def test_a_commit_that_only_read_is_not(factory: sessionmaker[Session]) -> None:
    assert commits(factory, lambda s: s.scalars(select(User)).all()) == 0


def test_a_bulk_update_statement_is_noticed(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        add_user(session)
    assert commits(factory, lambda s: s.execute(update(User).values(role=Role.admin))) == 1


def test_a_rolled_back_write_is_not(factory: sessionmaker[Session]) -> None:
    def fail_after_write(session: Session) -> None:
        add_user(session)
        session.flush()
        raise RuntimeError("roll back")

    assert commits(factory, fail_after_write) == 0
