"""The SQL store in a backup: SQLite's online backup API, or ``pg_dump``/``pg_restore``.

Both read one consistent snapshot while the server keeps writing: SQLite copies the
pages of one read transaction, ``pg_dump`` reads the snapshot the row counts were
taken in (``--snapshot``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from app.backup.manifest import BackupRefused
from app.core.config import Settings
from app.db.session import build_engine, migrate, normalise_url

SQLITE_FILE = "drillwatch.db"
PG_FILE = "drillwatch.pgdump"


def store_kind(settings: Settings) -> str:
    """``sqlite`` or ``postgresql``: the kind of DATABASE_URL."""
    return "sqlite" if settings.sqlite_path is not None else "postgresql"


def table_counts(conn: Connection) -> dict[str, int]:
    """Row count of every table."""
    names = sorted(inspect(conn).get_table_names())
    return {n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in names}


def dump_sql(settings: Settings, folder: Path) -> dict[str, int]:
    """Write the SQL store into ``folder``; returns its row counts (same snapshot).

    A store not created yet (only ``drillwatch ingest`` ran) is created and migrated first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    engine = build_engine(settings)
    try:
        migrate(engine)  # a no-op on a store at the latest revision
    finally:
        engine.dispose()
    if settings.sqlite_path is not None:
        return _dump_sqlite(settings.sqlite_path, folder / SQLITE_FILE)
    return _dump_postgres(_url(settings), folder / PG_FILE)


def _dump_sqlite(source: Path, target: Path) -> dict[str, int]:
    _sqlite_copy(f"file:{source}?mode=ro", target)
    return sqlite_counts(target)


def _sqlite_copy(source_uri: str, target: Path) -> None:
    """Copy a SQLite database page by page in one read transaction (online backup API)."""
    with (
        closing(sqlite3.connect(source_uri, uri=True)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def sqlite_counts(path: Path) -> dict[str, int]:
    """Row counts of the SQLite file at ``path``."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return table_counts(conn)
    finally:
        engine.dispose()


def public_url(settings: Settings) -> str:
    """DATABASE_URL with its password masked."""
    return _url(settings).render_as_string(hide_password=True)


def _url(settings: Settings) -> URL:
    return make_url(normalise_url(settings.database_url))


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment holding it."""
    plain = url.set(drivername="postgresql", password=None)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupRefused(f"{name} not found; install the PostgreSQL client (postgresql-client)")
    return path


def _dump_postgres(url: URL, target: Path) -> dict[str, int]:
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    dsn, env = _libpq(url)
    try:
        with engine.connect() as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = table_counts(conn)
            command = [_tool("pg_dump"), "-Fc", f"--snapshot={snapshot}", "-f", str(target), dsn]
            _run(command, env)
            conn.rollback()
    finally:
        engine.dispose()
    return counts


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupRefused(f"{Path(command[0]).name} failed: {result.stderr.strip()[:500]}")


def load_sql(settings: Settings, folder: Path) -> dict[str, int]:
    """Replace the SQL store's contents with the backup's; returns the restored row counts.

    SQLite: the file is staged and moved into place (the caller has moved the old one
    aside). PostgreSQL: ``pg_restore --clean`` replaces our tables in one transaction.
    """
    if settings.sqlite_path is not None:
        staged = settings.sqlite_path.with_name(settings.sqlite_path.name + ".restore")
        staged.unlink(missing_ok=True)
        _sqlite_copy(f"file:{folder / SQLITE_FILE}?mode=ro", staged)
        os.replace(staged, settings.sqlite_path)
        return sqlite_counts(settings.sqlite_path)
    url = _url(settings)
    dsn, env = _libpq(url)
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([_tool("pg_restore"), *options, "-d", dsn, str(folder / PG_FILE)], env)
    return postgres_counts(url)


def postgres_counts(url: URL) -> dict[str, int]:
    """Row counts of the PostgreSQL database at ``url``."""
    engine: Engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return table_counts(conn)
    finally:
        engine.dispose()


def sql_holds_data(settings: Settings) -> bool:
    """Whether the SQL store already exists with DrillWatch's tables."""
    if settings.sqlite_path is not None:
        return settings.sqlite_path.exists()
    engine = create_engine(_url(settings))
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("users")
    finally:
        engine.dispose()
