"""Passwords (bcrypt), access tokens (JWT, HS256), API keys and the signing secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import bcrypt
import jwt

from app.core.config import ConfigError, Settings
from app.core.errors import Unauthorized
from app.db.base import utcnow

ALGORITHM = "HS256"
BCRYPT_MAX_BYTES = 72  # bcrypt ignores (v5: rejects) anything longer
# Hashes of this form bcrypt a digest of the password, so its length does not matter.
PREHASHED = "bcrypt-sha256$"
BCRYPT_SALT_LENGTH = 29  # "$2b$12$" and 22 characters of salt
API_KEY_SCHEME = "dw"
MIN_SECRET_LENGTH = 32


def hash_password(password: str, rounds: int) -> str:
    """A salted hash of ``password``: bcrypt (cost ``rounds``) of its HMAC-SHA256 keyed with
    the bcrypt salt.

    The digest (base64, 44 bytes, no NUL) fits bcrypt's 72-byte input whatever the
    password's length; keying it with the salt keeps an unsalted SHA-256 of the password
    from being tried against the stored hash directly.
    """
    salt = bcrypt.gensalt(rounds)
    return PREHASHED + bcrypt.hashpw(_digest(password, salt), salt).decode()


def _digest(password: str, salt: bytes) -> bytes:
    mac = hmac.new(salt, password.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac)


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash`` (pre-hashed, or plain bcrypt as
    written before pre-hashing); False for malformed input."""
    stored = password_hash.encode()
    if password_hash.startswith(PREHASHED):
        stored = stored.removeprefix(PREHASHED.encode())
        candidate = _digest(password, stored[:BCRYPT_SALT_LENGTH])
    else:
        candidate = password.encode()
        if len(candidate) > BCRYPT_MAX_BYTES:
            return False
    try:
        return bcrypt.checkpw(candidate, stored)
    except ValueError:
        return False


def needs_rehash(password_hash: str, rounds: int) -> bool:
    """True when a stored hash is not pre-hashed or not of bcrypt cost ``rounds``."""
    parts = password_hash.removeprefix(PREHASHED).split("$")  # "", "2b", "12", salt+hash
    cost = int(parts[2]) if len(parts) == 4 and parts[2].isdigit() else None
    return not password_hash.startswith(PREHASHED) or cost != rounds


@lru_cache(maxsize=4)
def dummy_password_hash(rounds: int) -> str:
    """A hash to check against for unknown users, so timing does not reveal names."""
    return hash_password(secrets.token_urlsafe(16), rounds)


def secret_key_path(settings: Settings) -> Path:
    """Where the generated signing secret lives when SECRET_KEY is unset."""
    return settings.ml_data_path.parent / "secret_key"


def signing_key(settings: Settings) -> str:
    """SECRET_KEY, or a secret generated once and kept on disk so tokens survive restarts."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    return persisted_secret(secret_key_path(settings))


@lru_cache(maxsize=8)
def persisted_secret(path: Path) -> str:
    """Read the secret at ``path``, creating it (mode 0600) if it does not exist."""
    if not path.exists():
        _create_secret(path)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{path} holds no usable secret key; delete it or set SECRET_KEY")
    return secret


def _create_secret(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48))
        handle.flush()
        os.fsync(handle.fileno())
    try:
        # link() is atomic and refuses to overwrite: a concurrent start-up keeps one secret.
        os.link(staging, path)
    except FileExistsError:
        pass
    finally:
        staging.unlink()


@dataclass(frozen=True)
class TokenClaims:
    """What a valid access token says: whose it is and which token version it carries."""

    user_id: int
    version: int
    expires_at: datetime


def create_access_token(settings: Settings, user_id: int, version: int) -> tuple[str, int]:
    """A signed JWT bound to a user id and token version, and its lifetime in seconds.

    Deleting the user, or bumping its version (password, role or active flag changed),
    makes the token worthless: a new user never reuses an id.
    """
    lifetime = settings.access_token_expire_minutes * 60
    now = utcnow()
    payload = {
        "sub": str(user_id),
        "ver": version,
        "iat": now,
        "exp": now + timedelta(seconds=lifetime),
    }
    return jwt.encode(payload, signing_key(settings), algorithm=ALGORITHM), lifetime


def decode_access_token(settings: Settings, token: str) -> TokenClaims:
    """Verify signature and expiry of ``token``; raise ``Unauthorized`` otherwise."""
    try:
        payload = jwt.decode(
            token,
            signing_key(settings),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "ver"]},
        )
        user_id, version = int(payload["sub"]), int(payload["ver"])
    except jwt.ExpiredSignatureError:
        raise Unauthorized("access token expired; log in again") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Unauthorized("invalid access token") from None
    expires_at = datetime.fromtimestamp(payload["exp"], UTC)
    return TokenClaims(user_id=user_id, version=version, expires_at=expires_at)


@dataclass(frozen=True)
class NewApiKey:
    """A freshly generated key: ``key`` is shown once, only ``secret_hash`` is stored."""

    key: str
    prefix: str
    secret_hash: str


def generate_api_key() -> NewApiKey:
    """A random key of the form ``dw_<prefix>_<secret>``."""
    prefix = secrets.token_hex(6)
    key = f"{API_KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(key=key, prefix=prefix, secret_hash=hash_api_key(key))


def hash_api_key(key: str) -> str:
    """SHA-256 of the whole key.

    Keys carry 256 random bits, so a fast unkeyed hash is safe here, and rotating
    SECRET_KEY does not invalidate every pod's key.
    """
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    scheme, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != API_KEY_SCHEME or not prefix or not secret:
        return None
    return prefix


USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$"
KEY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.@:/-]{0,63}$"
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256  # characters; pre-hashing makes any length fit bcrypt


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None when it is."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"expected at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"expected at most {PASSWORD_MAX_LENGTH} characters"
    return None
