"""SQL stores migrated once per test session and copied into each test's own database.

Migrating (and hashing the first admin's password) per test costs more than most tests
themselves; a copy of a migrated template is the same database without that cost. SQLite
templates are files copied per test; PostgreSQL ones are databases that each test's
database is created from (``CREATE DATABASE ... TEMPLATE``).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.core.config import Settings
from app.db.session import build_engine, build_session_factory, migrate, normalise_url
from app.services.auth import ensure_admin


@dataclass(frozen=True)
class Template:
    """A migrated database (with the first-start admin when ``admin``), by URL."""

    url: str
    admin: bool


def _admin_engine(server_url: str) -> Engine:
    return create_engine(
        make_url(normalise_url(server_url)), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )


def _fill(url: str, settings: Settings, admin: bool) -> None:
    """Migrate the database at ``url`` as the app does; add the admin a first start creates."""
    engine = build_engine(settings.model_copy(update={"database_url": url}))
    try:
        migrate(engine)
        if admin:
            ensure_admin(build_session_factory(engine), settings)
    finally:
        engine.dispose()


@contextmanager
def template(
    folder: Path, settings: Settings, *, admin: bool, server_url: str | None
) -> Iterator[Template]:
    """A template: a SQLite file under ``folder``, or a database on ``server_url``."""
    if server_url is None:
        url = f"sqlite:///{folder / ('admin.db' if admin else 'schema.db')}"
        _fill(url, settings, admin)
        yield Template(url, admin)
        return
    name = f"dw_template_{uuid.uuid4().hex[:16]}"
    server = _admin_engine(server_url)
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(server_url)).set(database=name)
    try:
        _fill(url.render_as_string(hide_password=False), settings, admin)
        yield Template(url.render_as_string(hide_password=False), admin)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def copy_into(source: Template, url: str, server_url: str | None) -> None:
    """Make the (empty, unused) database at ``url`` a copy of ``source``."""
    target = make_url(normalise_url(url))
    if server_url is None:
        database = target.database
        assert database, url
        shutil.copyfile(str(make_url(source.url).database), database)
        return
    origin = make_url(source.url).database
    server = _admin_engine(server_url)
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{target.database}"'))
            conn.execute(text(f'CREATE DATABASE "{target.database}" TEMPLATE "{origin}"'))
    finally:
        server.dispose()
