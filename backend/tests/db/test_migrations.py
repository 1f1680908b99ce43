"""Alembic migrations: fresh databases reach head, models and migrations agree."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

import app.db.models  # noqa: F401  (registers the account tables)
from app.core.config import BACKEND_DIR, Settings, load_settings
from app.db.base import Base
from app.db.session import HEAD_REVISION, alembic_config, build_engine, migrate, stored_revision

ACCOUNT_TABLES = {"users", "api_keys", "audit_log"}
USER_COLUMNS = {"id", "username", "role", "password_hash", "active", "created_at", "token_version"}
KEY_COLUMNS = {
    "id", "name", "role", "prefix", "secret_hash",
    "created_at", "last_used_at", "revoked", "revoked_at",
}  # fmt: skip


def _sqlite_engine(tmp_path: Path) -> Engine:
    return build_engine(load_settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}"))


def _columns(engine: Engine, table: str) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns(table)}


def test_upgrade_head_on_a_fresh_sqlite_file_creates_the_tables(env: Path, tmp_path: Path) -> None:
    engine = _sqlite_engine(tmp_path)
    migrate(engine)
    assert (tmp_path / "fresh.db").is_file()
    assert ACCOUNT_TABLES | {"alembic_version"} <= set(inspect(engine).get_table_names())
    assert _columns(engine, "users") == USER_COLUMNS
    assert _columns(engine, "api_keys") == KEY_COLUMNS
    with engine.connect() as conn:
        history = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert len(history) == 1
    engine.dispose()


def test_migrate_twice_and_from_another_directory_is_a_no_op(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = build_engine(settings)
    migrate(engine)
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
    engine.dispose()


def test_head_revision_is_the_newest_migration_script() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD_REVISION]


ALEMBIC_LOADED = """
import sys
from app.core.config import load_settings
from app.db.session import build_engine, migrate
migrate(build_engine(load_settings(database_url=sys.argv[1])))
print("alembic" in sys.modules)
"""


def test_a_store_one_behind_is_upgraded_and_one_at_head_needs_no_alembic(
    settings: Settings,
) -> None:
    engine = build_engine(settings)
    assert stored_revision(engine) is None
    migrate(engine, "0005_security_audit")
    assert stored_revision(engine) == "0005_security_audit"
    engine.dispose()

    def alembic_loaded() -> str:
        command = [sys.executable, "-c", ALEMBIC_LOADED, settings.database_url]
        done = subprocess.run(command, cwd=BACKEND_DIR, capture_output=True, text=True, timeout=120)
        return done.stdout

    assert alembic_loaded().strip() == "True"  # it upgraded the store
    assert stored_revision(engine) == HEAD_REVISION
    assert alembic_loaded().strip() == "False"
    engine.dispose()


def test_models_match_the_migrations(settings: Settings) -> None:
    engine = build_engine(settings)
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    ours = [d for d in diffs if ACCOUNT_TABLES & set(str(d).split("'"))]
    assert ours == []
    engine.dispose()


def test_downgrade_to_base_drops_the_account_tables(settings: Settings) -> None:
    engine = build_engine(settings)
    migrate(engine)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert not ACCOUNT_TABLES & set(inspect(engine).get_table_names())
    engine.dispose()


def test_postgresql_urls_use_the_psycopg_driver(env: Path) -> None:
    for url in ("postgresql://u:p@db.example:5432/dw", "postgresql+psycopg://u:p@db.example/dw"):
        engine = build_engine(load_settings(database_url=url))
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.url.database == "dw"


def test_alembic_command_line_upgrades_database_url(env: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [Path(sys.executable).parent / "alembic", "upgrade", "head"],
        cwd=BACKEND_DIR,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=600,  # a hang, not a slow machine
        check=False,
    )
    assert result.returncode == 0, result.stderr
    engine = build_engine(load_settings(database_url=url))
    assert set(inspect(engine).get_table_names()) >= ACCOUNT_TABLES
    engine.dispose()


def test_upgrade_to_0005_keeps_users_and_never_reuses_their_ids(settings: Settings) -> None:
    engine = build_engine(settings)
    migrate(engine, "0004_alert_evidence")
    insert = text(
        "INSERT INTO users (username, role, password_hash, active, created_at) "
        "VALUES (:name, 'viewer', 'x', :active, CURRENT_TIMESTAMP)"
    )
    with engine.begin() as conn:
        for name in ("ana", "bob"):
            conn.execute(insert, {"name": name, "active": True})
        bob = conn.execute(text("SELECT id FROM users WHERE username = 'bob'")).scalar()
    migrate(engine)
    with engine.begin() as conn:
        kept = conn.execute(text("SELECT username, token_version FROM users ORDER BY id"))
        assert kept.all() == [("ana", 0), ("bob", 0)]
        conn.execute(text("DELETE FROM users WHERE username = 'bob'"))
        conn.execute(insert, {"name": "carl", "active": True})
        carl = conn.execute(text("SELECT id FROM users WHERE username = 'carl'")).scalar()
    assert carl > bob  # the deleted user's id (the highest) is not handed out again
    engine.dispose()
