"""`drillwatch users` and `drillwatch keys` against a real SQL store."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from app.commands.accounts import keys_app, users_app
from app.core.config import Settings
from app.core.security import verify_password
from app.db.models import ApiKey, User
from app.db.session import build_engine

runner = CliRunner()
PASSWORD = "cli-password-123"


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """An engine on the test database, to check what the commands stored."""
    engine = build_engine(settings)
    yield engine
    engine.dispose()


def _user(engine: Engine, name: str) -> User:
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.username == name)).one()
    return User(**row._mapping)


def test_users_create_with_password_option(engine: Engine) -> None:
    result = runner.invoke(
        users_app, ["create", "olga", "--role", "operator", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    user = _user(engine, "olga")
    assert (user.role, user.active) == ("operator", True)
    assert verify_password(PASSWORD, user.password_hash)
    listing = runner.invoke(users_app, ["list"])
    assert "olga" in listing.output
    assert "operator" in listing.output


def test_users_create_prompts_for_a_hidden_password(engine: Engine) -> None:
    result = runner.invoke(users_app, ["create", "vic"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    user = _user(engine, "vic")
    assert user.role == "viewer"
    assert verify_password(PASSWORD, user.password_hash)


def test_users_set_password_and_disable(engine: Engine) -> None:
    runner.invoke(users_app, ["create", "ana", "--password", PASSWORD])
    changed = runner.invoke(users_app, ["set-password", "ana", "--password", "new-password-456"])
    assert changed.exit_code == 0, changed.output
    assert verify_password("new-password-456", _user(engine, "ana").password_hash)
    assert runner.invoke(users_app, ["disable", "ana"]).exit_code == 0
    assert _user(engine, "ana").active is False


def test_users_errors_exit_1_with_a_message(engine: Engine) -> None:
    runner.invoke(users_app, ["create", "ana", "--password", PASSWORD])
    duplicate = runner.invoke(users_app, ["create", "ana", "--password", PASSWORD])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    missing = runner.invoke(users_app, ["disable", "nobody"])
    assert missing.exit_code == 1
    assert "no user named 'nobody'" in missing.output
    short = runner.invoke(users_app, ["create", "bob", "--password", "short"])
    assert short.exit_code == 1
    assert "password" in short.output


def test_keys_create_prints_the_key_once_and_stores_its_hash(engine: Engine) -> None:
    created = runner.invoke(keys_app, ["create", "pod-7a3f55e1"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"dw_[0-9a-f]{12}_[\w-]{40,}", key), created.stdout
    with engine.connect() as conn:
        stored = conn.execute(select(ApiKey.role, ApiKey.secret_hash, ApiKey.id)).one()
    assert stored.role == "pod"
    assert stored.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    listing = runner.invoke(keys_app, ["list"])
    assert "pod-7a3f55e1" in listing.output
    assert key.split("_", 2)[2] not in listing.output
    revoked = runner.invoke(keys_app, ["revoke", str(stored.id)])
    assert revoked.exit_code == 0, revoked.output
    with engine.connect() as conn:
        assert conn.execute(select(ApiKey.revoked)).scalar_one() is True
    assert runner.invoke(keys_app, ["revoke", "999"]).exit_code == 1
