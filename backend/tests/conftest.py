"""Shared fixtures: isolated settings per test, the field sample, an API client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.core.config import BACKEND_DIR, REPO_DIR, Settings, get_settings
from app.db.session import normalise_url
from tests.sql_templates import Template, copy_into, template
from tests.support import ADMIN_PASSWORD, SECRET_KEY, env_values, use_env

__all__ = ["ADMIN_PASSWORD", "SECRET_KEY"]

SHARED_DATA = REPO_DIR.parent / "shared" / "data"
SAMPLE_CSV = SHARED_DATA / "raw_drilling_sessions.csv"
NASA_DIR = SHARED_DATA / "nasa_battery"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """One xdist group per test file (its module fixtures are built once), except that the
    browser tests form one group: they share one served fleet and run in file order.

    That group, the longest, goes first: started last, it would run alone at the end."""
    for item in items:
        group = "e2e" if _is_browser_test(item) else str(item.path.relative_to(BACKEND_DIR))
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: not _is_browser_test(item))  # stable: file order kept


def _is_browser_test(item: pytest.Item) -> bool:
    return item.path.relative_to(BACKEND_DIR).parts[:2] == ("tests", "e2e")


def shared_file(path: Path) -> Path:
    """A file of ../shared/data, read by path; missing fails under CI, else skips."""
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data missing at {path}")
        pytest.skip(f"shared data not found at {path}")
    return path


@pytest.fixture
def sample_csv() -> Path:
    """The original field sample, read by path; missing fails under CI, else skips."""
    return shared_file(SAMPLE_CSV)


def _fresh_postgres_database(server_url: str) -> Iterator[str]:
    url = make_url(normalise_url(server_url))
    name = f"dw_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty SQL database per test: a SQLite file, or a new PostgreSQL database.

    With TEST_DATABASE_URL set, each test gets its own database on that server
    (the role needs CREATEDB; scripts/start_postgres.sh sets that up), dropped after.
    """
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'drillwatch.db'}"
        return
    yield from _fresh_postgres_database(server_url)


def _template_settings(folder: Path) -> Settings:
    """The test settings, as a test's ``env`` sets them, with every path under ``folder``."""
    values = {key.lower(): value for key, value in env_values(folder).items()}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """A SQL store migrated once per session (SQLite, or PostgreSQL when set)."""
    folder = tmp_path_factory.mktemp("schema-template")
    server = os.environ.get("TEST_DATABASE_URL")
    with template(folder, _template_settings(folder), admin=False, server_url=server) as made:
        yield made


@pytest.fixture(scope="session")
def admin_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """A SQL store as the first start leaves it: migrated, user ``admin`` created."""
    folder = tmp_path_factory.mktemp("admin-template")
    server = os.environ.get("TEST_DATABASE_URL")
    with template(folder, _template_settings(folder), admin=True, server_url=server) as made:
        yield made


def migrated(settings: Settings, source: Template) -> Settings:
    """``settings`` whose (still empty) SQL store is now a copy of ``source``."""
    copy_into(source, settings.database_url, os.environ.get("TEST_DATABASE_URL"))
    return settings


@pytest.fixture
def migrated_settings(settings: Settings, schema_template: Template) -> Settings:
    """``settings`` on a migrated SQL store (a copy of the session's template)."""
    return migrated(settings, schema_template)


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point every path setting at a fresh temporary folder; yields that folder.

    A developer's ``backend/.env`` is ignored so that it cannot change test settings.
    """
    use_env(monkeypatch, tmp_path, database_url)
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def settings(env: Path) -> Settings:
    """Settings bound to the temporary folder, directories created."""
    current = get_settings()
    current.ensure_directories()
    return current


@pytest.fixture
def client(settings: Settings, admin_template: Template) -> Iterator[TestClient]:
    """The app with its lifespan run on ``settings``; its SQL store starts as a copy of
    what a first start leaves (migrated, ``admin`` created), made once per session."""
    from app.main import create_app  # late: importing the app pulls in every route

    migrated(settings, admin_template)
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def admin_token(client: TestClient) -> str:
    """A bearer token for the first-start ``admin`` user."""
    response = client.post(
        "/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def admin_headers(admin_token: str) -> dict[str, str]:
    """Authorization header for ``admin``."""
    return {"Authorization": f"Bearer {admin_token}"}
