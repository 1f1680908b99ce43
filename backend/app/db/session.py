"""Engine, sessions and migrations for the SQL store (SQLite file or PostgreSQL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from app.core.capacity import Capacity
from app.core.config import BACKEND_DIR, Settings

if TYPE_CHECKING:
    from alembic.config import Config

ALEMBIC_INI = BACKEND_DIR / "alembic.ini"
MIGRATIONS_DIR = BACKEND_DIR / "app" / "db" / "migrations"
# Serialises concurrent start-ups (server and CLI) migrating the same PostgreSQL database.
MIGRATION_LOCK_KEY = 0x44726C57  # "DrlW"
# The newest migration (tests/db/test_migrations.py checks it against the scripts): a store
# already there needs no Alembic at all, which saves a command or a start-up about 0.4 s.
HEAD_REVISION = "0006_notifications"


def normalise_url(url: str) -> str:
    """Use the psycopg (v3) driver for plain ``postgresql://`` URLs."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the CLI read while the server writes, and vice versa.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def pool_arguments(settings: Settings, url: URL) -> dict[str, int]:
    """Pool size and overflow from SERVER_MAX_CONCURRENCY (none for in-memory SQLite)."""
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return {}  # one connection per thread, SQLAlchemy's own choice
    capacity = Capacity.from_settings(settings)
    return {"pool_size": capacity.pool_size, "max_overflow": capacity.max_overflow}


def build_engine(settings: Settings) -> Engine:
    """An engine for DATABASE_URL: SQLite file by default, PostgreSQL via psycopg."""
    url = make_url(normalise_url(settings.database_url))
    pool = pool_arguments(settings, url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": settings.sqlite_busy_timeout},
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config() -> Config:
    """Alembic configuration that works whatever the current directory is."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def stored_revision(engine: Engine) -> str | None:
    """The revision the store is at; None before its first migration."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the latest) in one transaction."""
    if revision == "head" and stored_revision(engine) == HEAD_REVISION:
        return  # what Alembic would find too, without loading it and every script
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            connection.execute(lock, {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
