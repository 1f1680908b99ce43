"""Channel secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) keyed from SECRET_KEY.

The Fernet key is derived with HKDF-SHA256 from the signing key (SECRET_KEY, or the key
generated into data/secret_key), so a copied database alone does not reveal webhook
signing secrets or SMTP passwords. Changing the signing key makes stored secrets
unreadable: the channel then reports it and needs its secrets entered again.
"""

from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.config import Settings
from app.core.errors import Conflict
from app.core.security import signing_key

INFO = b"drillwatch notification channel secrets v1"


class SecretBox:
    """Encrypts and decrypts a channel's secrets (a small JSON object)."""

    def __init__(self, key_material: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(
            key_material.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """Keyed from SECRET_KEY (or the generated data/secret_key)."""
        return cls(signing_key(settings))

    def seal(self, secrets: dict[str, str]) -> str | None:
        """The token to store (None when there is nothing secret)."""
        if not secrets:
            return None
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()

    def open(self, token: str | None) -> dict[str, str]:
        """The secrets behind ``token`` (Conflict when the key has changed since)."""
        if not token:
            return {}
        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise Conflict(
                "this channel's stored secrets cannot be read (SECRET_KEY changed?): "
                "enter them again"
            ) from None
        return {str(k): str(v) for k, v in data.items()}
