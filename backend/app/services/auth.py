"""Who is calling, and account management: users, passwords and API keys.

Services never commit; the caller's session (request or CLI) does.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.core.config import ConfigError, Settings
from app.core.errors import BadInput, Conflict, NotFound, Unauthorized
from app.core.roles import Principal, Role
from app.core.security import (
    API_KEY_SCHEME,
    KEY_NAME_PATTERN,
    USERNAME_PATTERN,
    api_key_prefix,
    create_access_token,
    decode_access_token,
    dummy_password_hash,
    generate_api_key,
    hash_api_key,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from app.db.base import utcnow
from app.db.models import USER_ROLES, ApiKey, User

log = logging.getLogger("drillwatch.auth")

ADMIN_USERNAME = "admin"
# Writing last_used_at on every pod request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def identify(
    db: Session, settings: Settings, *, token: str | None, api_key: str | None
) -> tuple[Principal, datetime | None]:
    """The principal behind an API key or bearer token, and when the credential expires."""
    if api_key or (token and token.startswith(f"{API_KEY_SCHEME}_")):
        # an API key may come as a bearer token too (Prometheus' authorization setting)
        return _key_principal(db, api_key or token or ""), None
    if token:
        return _token_principal(db, settings, token)
    raise Unauthorized("not authenticated: send a bearer token or an X-API-Key header")


def _token_principal(db: Session, settings: Settings, token: str) -> tuple[Principal, datetime]:
    claims = decode_access_token(settings, token)
    user = db.get(User, claims.user_id)
    if user is None or not user.active:
        raise Unauthorized("user unknown or disabled")
    if user.token_version != claims.version:
        raise Unauthorized("access token revoked (password, role or status changed); log in again")
    principal = Principal(name=user.username, role=user.role, kind="user", id=user.id)
    return principal, claims.expires_at


def _key_principal(db: Session, api_key: str) -> Principal:
    prefix = api_key_prefix(api_key)
    record = db.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    if record is None or not hmac.compare_digest(record.secret_hash, hash_api_key(api_key)):
        raise Unauthorized("invalid API key")
    if record.revoked:
        raise Unauthorized("API key revoked")
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
        record.last_used_at = now
    return Principal(name=f"key:{record.name}", role=record.role, kind="api_key", id=record.id)


@dataclass(frozen=True)
class IssuedToken:
    """An access token, its lifetime in seconds and the user it was issued to."""

    access_token: str
    expires_in: int
    role: Role
    user_id: int


def login(db: Session, settings: Settings, username: str, password: str) -> IssuedToken:
    """Check a username and password; issue an access token."""
    user = db.scalar(select(User).where(User.username == username))
    rounds = settings.password_hash_rounds
    stored = user.password_hash if user is not None else dummy_password_hash(rounds)
    if not verify_password(password, stored) or user is None or not user.active:
        raise Unauthorized("incorrect username or password")
    if needs_rehash(user.password_hash, rounds):  # an old format, or another cost
        user.password_hash = hash_password(password, rounds)
        db.flush()
    token, lifetime = create_access_token(settings, user.id, user.token_version)
    return IssuedToken(access_token=token, expires_in=lifetime, role=user.role, user_id=user.id)


def ensure_admin(session_factory: sessionmaker[Session], settings: Settings) -> None:
    """On first start, create user ``admin`` with ADMIN_PASSWORD or a printed one."""
    with session_factory() as db:
        if db.scalar(select(func.count()).select_from(User).where(User.role == Role.admin)):
            return
        if settings.admin_password is not None:
            password, generated = settings.admin_password.get_secret_value(), False
        else:
            password, generated = secrets.token_urlsafe(12), True
        try:
            create_user(
                db,
                username=ADMIN_USERNAME,
                role=Role.admin,
                password=password,
                rounds=settings.password_hash_rounds,
            )
            db.commit()
        except BadInput as exc:
            raise ConfigError(f"Invalid ADMIN_PASSWORD: {exc.message}") from None
        except (Conflict, IntegrityError):
            log.warning("no admin account, and user %r exists with another role", ADMIN_USERNAME)
            return
    log.info("created user %r (role admin)", ADMIN_USERNAME)
    if generated:
        # stdout only, once: the password must never reach a log file.
        print(
            f"DrillWatch created user '{ADMIN_USERNAME}' with password: {password}\n"
            "This is shown once. Change it: drillwatch users set-password admin",
            file=sys.stdout,
            flush=True,
        )


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise BadInput(f"password: {problem}", field="password")


def create_user(db: Session, *, username: str, role: Role, password: str, rounds: int) -> User:
    """Add a user; the name must be free and the password acceptable (hashed at cost
    ``rounds``)."""
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise BadInput(
            "username: expected 1-64 letters, digits or _.@- (starting with a letter or digit)",
            field="username",
        )
    if role not in USER_ROLES:
        raise BadInput(f"role: expected one of {', '.join(USER_ROLES)}", field="role")
    _check_password(password)
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists", field="username")
    user = User(
        username=username, role=role, password_hash=hash_password(password, rounds), active=True
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError:  # a concurrent request created the same name first
        raise Conflict(f"user {username!r} already exists", field="username") from None
    return user


def list_users(db: Session) -> list[User]:
    """All users by name."""
    return list(db.scalars(select(User).order_by(User.username)))


def get_user(db: Session, user_id: int) -> User:
    """The user with ``user_id``."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}", field="user_id")
    return user


def find_user(db: Session, username: str) -> User:
    """The user called ``username``."""
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}", field="username")
    return user


def update_user(
    db: Session,
    user: User,
    *,
    role: Role | None = None,
    active: bool | None = None,
    password: str | None = None,
    rounds: int,
) -> User:
    """Change a user's role, active flag or password (hashed at cost ``rounds``); the last
    active admin stays.

    Any change revokes the user's tokens issued before it.
    """
    if role is not None and role not in USER_ROLES:
        raise BadInput(f"role: expected one of {', '.join(USER_ROLES)}", field="role")
    if (role not in (None, Role.admin)) or active is False:
        _keep_an_admin(db, user)
    changed = False
    if password is not None:
        _check_password(password)
        user.password_hash = hash_password(password, rounds)
        changed = True
    if role is not None and role != user.role:
        user.role, changed = role, True
    if active is not None and active != user.active:
        user.active, changed = active, True
    if changed:
        user.token_version += 1
    db.flush()
    return user


def delete_user(db: Session, user: User) -> None:
    """Remove a user (not the last active admin)."""
    _keep_an_admin(db, user)
    db.delete(user)
    db.flush()


def _keep_an_admin(db: Session, user: User) -> None:
    if user.role is not Role.admin or not user.active:
        return
    _lock_active_admins(db)
    others = db.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.admin, User.active.is_(True), User.id != user.id)
    )
    if not others:
        raise Conflict(f"{user.username!r} is the last active admin; keep at least one")


def _lock_active_admins(db: Session) -> None:
    """Serialise removals of admins, so two admins cannot each remove "the other" at once.

    PostgreSQL: row locks on the active admins, taken in id order; a concurrent removal
    waits, then counts what this one left. SQLite: a no-op UPDATE takes the write lock,
    which the concurrent one waits for before it counts.
    """
    active = (User.role == Role.admin, User.active.is_(True))
    db.execute(select(User.id).where(*active).order_by(User.id).with_for_update())
    same = update(User).where(*active).values(token_version=User.token_version)
    db.execute(same.execution_options(synchronize_session=False))


def create_api_key(db: Session, *, name: str, role: Role) -> tuple[ApiKey, str]:
    """A new API key record and the key itself, which is not stored and shown once."""
    if not re.fullmatch(KEY_NAME_PATTERN, name):
        raise BadInput("name: expected 1-64 letters, digits, spaces or _.@:/-", field="name")
    new = generate_api_key()
    record = ApiKey(name=name, role=role, prefix=new.prefix, secret_hash=new.secret_hash)
    db.add(record)
    db.flush()
    return record, new.key


def list_api_keys(db: Session) -> list[ApiKey]:
    """All API keys, newest first (revoked ones included)."""
    return list(db.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def revoke_api_key(db: Session, key_id: int) -> ApiKey:
    """Revoke a key; requests using it get 401 from now on."""
    record = db.get(ApiKey, key_id)
    if record is None:
        raise NotFound(f"no API key with id {key_id}", field="key_id")
    if not record.revoked:
        record.revoked = True
        record.revoked_at = utcnow()
        db.flush()
    return record
