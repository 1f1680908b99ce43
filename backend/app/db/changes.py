"""Notice committed writes of the SQL sessions a factory makes (for the data version)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

WROTE = "drillwatch_wrote"


def on_committed_writes(factory: sessionmaker[Session], callback: Callable[[], None]) -> None:
    """Call ``callback`` after each commit, by a session of ``factory``, that changed rows.

    Flushed objects and ORM-enabled INSERT/UPDATE/DELETE statements count; a commit of a
    session that only read (every authenticated request) does not.
    """

    def flushed(session: Session, _context: Any) -> None:
        session.info[WROTE] = True

    def executed(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[WROTE] = True

    def committed(session: Session) -> None:
        if session.info.pop(WROTE, False):
            callback()

    def rolled_back(session: Session) -> None:
        session.info.pop(WROTE, None)

    event.listen(factory, "after_flush", flushed)
    event.listen(factory, "do_orm_execute", executed)
    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_rollback", rolled_back)
