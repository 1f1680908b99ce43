"""Auth service: passwords, tokens, API keys, the first admin and account rules."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import bcrypt
import jwt
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import ConfigError, Settings, load_settings
from app.core.errors import BadInput, Conflict, Forbidden, Unauthorized
from app.core.roles import Principal, Role
from app.core.security import (
    PASSWORD_MAX_LENGTH,
    PREHASHED,
    create_access_token,
    decode_access_token,
    hash_password,
    persisted_secret,
    verify_password,
)
from app.db.models import ApiKey, User
from app.db.session import build_engine, build_session_factory
from app.services import auth
from tests.conftest import ADMIN_PASSWORD, SECRET_KEY
from tests.support import TEST_HASH_ROUNDS

PASSWORD = "correct horse battery"


@pytest.fixture
def factory(migrated_settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Session factory on a freshly migrated database (SQLite, or PostgreSQL when set)."""
    engine = build_engine(migrated_settings)
    yield build_session_factory(engine)
    engine.dispose()


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session; tests commit when they need to."""
    with factory() as session:
        yield session


def _authenticate(
    db: Session, settings: Settings, *, token: str | None, api_key: str | None, required: Role
) -> Principal:
    """What the request guard does: identify the caller, then require the role."""
    principal, _ = auth.identify(db, settings, token=token, api_key=api_key)
    principal.require(required)
    return principal


def _token(claims: dict[str, object], key: str = SECRET_KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _claims(sub: str, version: int = 0, *, age: timedelta = timedelta(0)) -> dict[str, object]:
    issued = datetime.now(UTC) - age
    return {"sub": sub, "ver": version, "iat": issued, "exp": issued + timedelta(minutes=30)}


def test_password_hash_is_salted_bcrypt_and_verifies() -> None:
    first, second = (
        hash_password(PASSWORD, TEST_HASH_ROUNDS),
        hash_password(PASSWORD, TEST_HASH_ROUNDS),
    )
    assert first.startswith(PREHASHED + "$2b$")
    assert first != second
    assert PASSWORD not in first
    assert verify_password(PASSWORD, first)
    assert not verify_password(PASSWORD + "!", first)
    assert not verify_password("x" * 100, first)
    assert not verify_password(PASSWORD, "not-a-hash")
    assert not verify_password(PASSWORD, PREHASHED + "not-a-hash")


def test_passwords_longer_than_bcrypt_input_count_in_full() -> None:
    """bcrypt alone reads 72 bytes; the pre-hash makes every character count."""
    long = "é" * 100  # 200 bytes in UTF-8
    stored = hash_password(long, TEST_HASH_ROUNDS)
    assert verify_password(long, stored)
    assert not verify_password(long[:-1] + "e", stored)
    assert not verify_password("é" * 36, stored)  # its first 72 bytes


def test_hashes_written_before_pre_hashing_still_verify() -> None:
    legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(TEST_HASH_ROUNDS)).decode()
    assert verify_password(PASSWORD, legacy)
    assert not verify_password(PASSWORD + "!", legacy)
    assert not verify_password(PASSWORD + "x" * 80, legacy)  # same first 72 bytes


def test_token_lifetime_follows_access_token_expire_minutes(env: object) -> None:
    settings = load_settings(access_token_expire_minutes=7)
    token, expires_in = create_access_token(settings, 42, 3)
    payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    assert expires_in == 7 * 60
    assert payload["exp"] - payload["iat"] == 7 * 60
    assert (payload["sub"], payload["ver"]) == ("42", 3)


def test_expired_forged_and_unsigned_tokens_are_refused(settings: Settings) -> None:
    expired = _token(_claims("1", age=timedelta(minutes=31)))
    forged = _token(_claims("1"), key="another-secret-key-" + "y" * 32)
    unsigned = _token(_claims("1"), key="", algorithm="none")
    by_name = _token(_claims("admin"))  # tokens of old releases named the user: refused
    unversioned = _token({k: v for k, v in _claims("1").items() if k != "ver"})
    for token in (expired, forged, unsigned, by_name, unversioned, "not.a.token"):
        with pytest.raises(Unauthorized):
            decode_access_token(settings, token)
    claims = decode_access_token(settings, _token(_claims("1", 4)))
    assert (claims.user_id, claims.version) == (1, 4)


def test_generated_secret_is_private_and_survives_a_restart(env: object) -> None:
    settings = load_settings(secret_key=None)
    token, _ = create_access_token(settings, 5, 0)
    path = settings.ml_data_path.parent / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    persisted_secret.cache_clear()  # what a restart does
    assert decode_access_token(load_settings(secret_key=None), token).user_id == 5
    assert jwt.decode(token, path.read_text().strip(), algorithms=["HS256"])["sub"] == "5"


def test_secret_key_setting_signs_tokens(env: object) -> None:
    other = "a-different-secret-key-" + "z" * 32
    token, _ = create_access_token(load_settings(secret_key=other), 5, 0)
    assert jwt.decode(token, other, algorithms=["HS256"])["sub"] == "5"
    with pytest.raises(Unauthorized):
        decode_access_token(load_settings(), token)


def test_first_admin_uses_admin_password(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    auth.ensure_admin(factory, settings)
    auth.ensure_admin(factory, settings)
    with factory() as db:
        admins = db.scalars(select(User).where(User.username == "admin")).all()
        assert [(a.role, a.active) for a in admins] == [(Role.admin, True)]
        assert auth.login(db, settings, "admin", ADMIN_PASSWORD).role is Role.admin


def test_first_admin_without_admin_password_is_printed_once(
    factory: sessionmaker[Session], env: object, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(admin_password=None)
    auth.ensure_admin(factory, settings)
    printed = capsys.readouterr().out
    password = printed.split("password: ")[1].split()[0]
    auth.ensure_admin(factory, settings)
    assert capsys.readouterr().out == ""
    with factory() as db:
        assert auth.login(db, settings, "admin", password).role is Role.admin


def test_too_short_admin_password_stops_start_up(
    factory: sessionmaker[Session], env: object
) -> None:
    with pytest.raises(ConfigError, match="ADMIN_PASSWORD"):
        auth.ensure_admin(factory, load_settings(admin_password="short"))


def test_login_refuses_wrong_password_unknown_and_disabled_users(
    db: Session, settings: Settings
) -> None:
    user = auth.create_user(
        db, username="ana", role=Role.viewer, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    assert auth.login(db, settings, "ana", PASSWORD).role is Role.viewer
    with pytest.raises(Unauthorized):
        auth.login(db, settings, "ana", "wrong password")
    with pytest.raises(Unauthorized):
        auth.login(db, settings, "nobody", PASSWORD)
    auth.update_user(db, user, active=False, rounds=TEST_HASH_ROUNDS)
    with pytest.raises(Unauthorized):
        auth.login(db, settings, "ana", PASSWORD)


def test_authenticate_walks_roles(db: Session, settings: Settings) -> None:
    auth.create_user(
        db, username="vic", role=Role.viewer, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    token = auth.login(db, settings, "vic", PASSWORD).access_token
    with pytest.raises(Unauthorized):
        _authenticate(db, settings, token=None, api_key=None, required=Role.viewer)
    principal = _authenticate(db, settings, token=token, api_key=None, required=Role.viewer)
    assert (principal.name, principal.role, principal.kind) == ("vic", Role.viewer, "user")
    for higher in (Role.operator, Role.admin, Role.pod):
        with pytest.raises(Forbidden):
            _authenticate(db, settings, token=token, api_key=None, required=higher)


def _works(db: Session, settings: Settings, token: str) -> bool:
    try:
        _authenticate(db, settings, token=token, api_key=None, required=Role.viewer)
    except Unauthorized:
        return False
    return True


@pytest.mark.parametrize(
    "change",
    [{"role": Role.viewer}, {"active": False}, {"password": "another long password"}],
    ids=["role", "disabled", "password"],
)
def test_a_change_to_the_user_revokes_tokens_issued_before_it(
    db: Session, settings: Settings, change: dict[str, object]
) -> None:
    boss = auth.create_user(
        db, username="boss", role=Role.operator, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    before = auth.login(db, settings, "boss", PASSWORD).access_token
    assert _works(db, settings, before)
    auth.update_user(db, boss, **change, rounds=TEST_HASH_ROUNDS)  # type: ignore[arg-type]
    assert not _works(db, settings, before)
    if change.get("active") is False:
        auth.update_user(
            db, boss, active=True, rounds=TEST_HASH_ROUNDS
        )  # enabling again does not revive old tokens
        assert not _works(db, settings, before)
    password = str(change.get("password", PASSWORD))
    assert _works(db, settings, auth.login(db, settings, "boss", password).access_token)


def test_an_unchanged_update_keeps_tokens(db: Session, settings: Settings) -> None:
    user = auth.create_user(
        db, username="ana", role=Role.viewer, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    token = auth.login(db, settings, "ana", PASSWORD).access_token
    auth.update_user(db, user, role=Role.viewer, active=True, rounds=TEST_HASH_ROUNDS)
    assert _works(db, settings, token)


def test_a_new_user_with_a_deleted_users_name_does_not_inherit_its_tokens(
    db: Session, settings: Settings
) -> None:
    auth.create_user(
        db, username="keep", role=Role.admin, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    old = auth.create_user(
        db, username="vic", role=Role.viewer, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    token = auth.login(db, settings, "vic", PASSWORD).access_token
    old_id = old.id
    auth.delete_user(db, old)
    db.commit()
    new = auth.create_user(
        db, username="vic", role=Role.admin, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    db.commit()
    assert new.id != old_id  # the deleted user held the highest id: still not reused
    assert not _works(db, settings, token)


def test_api_key_is_stored_only_as_its_sha256(db: Session) -> None:
    record, key = auth.create_api_key(db, name="pod-7a3f55e1", role=Role.pod)
    db.commit()
    scheme, prefix, secret = key.split("_", 2)
    assert (scheme, prefix, len(secret) >= 40) == ("dw", record.prefix, True)
    row = db.execute(text("SELECT * FROM api_keys")).one()
    assert hashlib.sha256(key.encode()).hexdigest() in row
    assert not any(secret in str(value) for value in row)


def test_pod_key_may_only_send_telemetry(db: Session, settings: Settings) -> None:
    _, key = auth.create_api_key(db, name="pod-1", role=Role.pod)
    principal = _authenticate(db, settings, token=None, api_key=key, required=Role.pod)
    assert (principal.role, principal.kind) == (Role.pod, "api_key")
    assert db.scalars(select(ApiKey.last_used_at)).one() is not None
    with pytest.raises(Forbidden):
        _authenticate(db, settings, token=None, api_key=key, required=Role.viewer)


def test_revoked_tampered_and_malformed_keys_are_refused(db: Session, settings: Settings) -> None:
    record, key = auth.create_api_key(db, name="script", role=Role.operator)
    assert _authenticate(db, settings, token=None, api_key=key, required=Role.operator)
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    for bad in (tampered, "dw_nope", "garbage", f"dw_{record.prefix}_"):
        with pytest.raises(Unauthorized):
            _authenticate(db, settings, token=None, api_key=bad, required=Role.viewer)
    auth.revoke_api_key(db, record.id)
    with pytest.raises(Unauthorized, match="revoked"):
        _authenticate(db, settings, token=None, api_key=key, required=Role.viewer)


@pytest.mark.parametrize(
    ("username", "role", "password", "field"),
    [
        ("bad name", Role.viewer, PASSWORD, "username"),
        ("", Role.viewer, PASSWORD, "username"),
        ("ana", Role.pod, PASSWORD, "role"),
        ("ana", Role.viewer, "short", "password"),
        ("ana", Role.viewer, "x" * (PASSWORD_MAX_LENGTH + 1), "password"),
    ],
)
def test_create_user_rejects_bad_input_naming_the_field(
    db: Session, username: str, role: Role, password: str, field: str
) -> None:
    with pytest.raises(BadInput) as caught:
        auth.create_user(
            db, username=username, role=role, password=password, rounds=TEST_HASH_ROUNDS
        )
    assert caught.value.field == field


def test_a_user_stored_with_a_plain_bcrypt_hash_still_logs_in(
    db: Session, settings: Settings
) -> None:
    user = auth.create_user(
        db, username="ana", role=Role.viewer, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    user.password_hash = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt()).decode()
    db.commit()
    assert auth.login(db, settings, "ana", PASSWORD).user_id == user.id
    assert user.password_hash.startswith(f"{PREHASHED}$2b$0{TEST_HASH_ROUNDS}$")  # upgraded
    with pytest.raises(Unauthorized):
        auth.login(db, settings, "ana", PASSWORD + "!")


@pytest.mark.parametrize("rounds", [5, 6])
def test_password_hash_rounds_is_the_bcrypt_cost_and_a_login_moves_a_hash_to_it(
    factory: sessionmaker[Session], settings: Settings, rounds: int
) -> None:
    def stored() -> str:
        with factory() as db:
            return db.scalars(select(User.password_hash).where(User.username == "ana")).one()

    with factory.begin() as db:
        auth.create_user(db, username="ana", role=Role.viewer, password=PASSWORD, rounds=rounds)
    assert stored().startswith(f"{PREHASHED}$2b$0{rounds}$")
    later = settings.model_copy(update={"password_hash_rounds": TEST_HASH_ROUNDS})
    with factory.begin() as db, pytest.raises(Unauthorized):
        auth.login(db, later, "ana", "wrong password")
    assert stored().startswith(f"{PREHASHED}$2b$0{rounds}$")  # a failed login changes nothing
    with factory.begin() as db:
        auth.login(db, later, "ana", PASSWORD)
    assert stored().startswith(f"{PREHASHED}$2b$0{TEST_HASH_ROUNDS}$")
    assert verify_password(PASSWORD, stored())


def test_duplicate_username_conflicts(db: Session) -> None:
    auth.create_user(
        db, username="ana", role=Role.viewer, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    with pytest.raises(Conflict):
        auth.create_user(
            db, username="ana", role=Role.admin, password=PASSWORD, rounds=TEST_HASH_ROUNDS
        )


def test_last_active_admin_cannot_be_removed(db: Session) -> None:
    first = auth.create_user(
        db, username="root", role=Role.admin, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    for change in ({"active": False}, {"role": Role.operator}):
        with pytest.raises(Conflict):
            auth.update_user(db, first, **change, rounds=TEST_HASH_ROUNDS)
    with pytest.raises(Conflict):
        auth.delete_user(db, first)
    auth.create_user(
        db, username="second", role=Role.admin, password=PASSWORD, rounds=TEST_HASH_ROUNDS
    )
    auth.update_user(db, first, active=False, rounds=TEST_HASH_ROUNDS)
    assert [u.username for u in auth.list_users(db) if u.active] == ["second"]
