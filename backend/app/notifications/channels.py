"""Delivery channels: a tiny abstract base and a registry by kind (webhook, email).

Each kind declares its public settings and its secrets as pydantic models (validated
when an admin saves a channel) and sends one rendered notice. Every delivery carries the
notice's idempotency key, so receivers can drop the repeats that at-least-once delivery
may bring.

Webhooks POST JSON (DrillWatch, Slack or Teams shape) signed with HMAC-SHA256 over
``"{timestamp}." + body`` with the channel's signing secret: headers
``X-DrillWatch-Timestamp`` (Unix seconds) and ``X-DrillWatch-Signature: v1=<hex>``,
plus ``Idempotency-Key``. E-mail goes over SMTP (STARTTLS, implicit TLS or plain),
plain text with an HTML alternative, ``Message-ID`` derived from the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import smtplib
import ssl
import time
from abc import ABC, abstractmethod
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app import __version__
from app.notifications.messages import FORMATS, Message

# \x1c-\x1f and \x85 are spelled out: Python counts them as \s, JSON Schema's regex does not
_PART = r"[^@\s\x1c-\x1f\x85<>,;]+"
ADDRESS = re.compile(rf"{_PART}@{_PART}\.{_PART}")
MAX_ERROR = 500


class DeliveryError(Exception):
    """A delivery failed; the message says why (never a secret)."""


class Strict(BaseModel):
    """Settings models refuse unknown fields."""

    model_config = ConfigDict(extra="forbid")


class WebhookConfig(Strict):
    """Where and in which shape a webhook is posted."""

    url: str = Field(max_length=2000, examples=["https://hooks.example.com/drillwatch"])
    format: Literal["json", "slack", "teams"] = "json"

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            parsed = httpx.URL(value) if re.match(r"https?://[^\s/]+", value) else None
        except httpx.InvalidURL:  # not a ValueError: pydantic would let it through as a 500
            parsed = None
        if parsed is None or not parsed.host:
            raise ValueError("expected an http:// or https:// URL")
        return value


class WebhookSecrets(Strict):
    """The shared secret receivers check signatures with."""

    signing_secret: str = Field(min_length=16, max_length=256)


class EmailConfig(Strict):
    """An SMTP relay and the mailboxes to write to."""

    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = Field(default=None, max_length=256)
    sender: str = Field(max_length=256, examples=["drillwatch@example.com"])
    recipients: list[str] = Field(min_length=1, max_length=50)

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        if not ADDRESS.fullmatch(value.strip()):
            raise ValueError("expected an e-mail address such as drillwatch@example.com")
        return value.strip()

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not ADDRESS.fullmatch(v.strip())]
        if bad:
            raise ValueError(f"not e-mail addresses: {', '.join(bad)}")
        return [v.strip() for v in values]


class EmailSecrets(Strict):
    """The SMTP password, if the relay wants a login."""

    password: str | None = Field(default=None, max_length=256)


class Channel(ABC):
    """A configured destination that can deliver one notice."""

    kind: ClassVar[str]
    config_model: ClassVar[type[Strict]]
    secrets_model: ClassVar[type[Strict]]

    def __init__(self, config: dict[str, Any], secrets: dict[str, str], timeout: float) -> None:
        self.config = config
        self.secrets = secrets
        self.timeout = timeout

    @abstractmethod
    def send(self, payload: dict[str, Any], key: str, message: Message) -> None:
        """Deliver ``message`` (rendered from ``payload``) or raise DeliveryError."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 of ``"{timestamp}." + body`` keyed by ``secret``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


class WebhookChannel(Channel):
    """POST signed JSON to a URL."""

    kind = "webhook"
    config_model = WebhookConfig
    secrets_model = WebhookSecrets

    def send(self, payload: dict[str, Any], key: str, message: Message) -> None:
        """POST the body in the channel's format; any 2xx is a delivery."""
        shape = FORMATS[self.config.get("format", "json")]
        body = json.dumps(shape(payload, key, message), separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"DrillWatch/{__version__}",
            "Idempotency-Key": key,
            "X-DrillWatch-Timestamp": timestamp,
            "X-DrillWatch-Signature": sign(self.secrets["signing_secret"], timestamp, body),
        }
        try:
            response = httpx.post(
                self.config["url"], content=body, headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException:
            raise DeliveryError(f"no answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"cannot reach the webhook: {exc}"[:MAX_ERROR]) from None
        if not response.is_success:
            raise DeliveryError(f"HTTP {response.status_code}: {response.text}"[:MAX_ERROR])


class EmailChannel(Channel):
    """Send a plain-text mail with an HTML alternative over SMTP."""

    kind = "email"
    config_model = EmailConfig
    secrets_model = EmailSecrets

    def mail(self, key: str, message: Message) -> EmailMessage:
        """The message to send, with the key in Message-ID and a header of its own."""
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.config["sender"]
        mail["To"] = ", ".join(self.config["recipients"])
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = f"<{key}@drillwatch>"
        mail["X-DrillWatch-Idempotency-Key"] = key
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        return mail

    def _connect(self) -> smtplib.SMTP:
        host, port = self.config["host"], int(self.config["port"])
        if self.config.get("security") == "tls":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        if self.config.get("security", "starttls") == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, payload: dict[str, Any], key: str, message: Message) -> None:
        """Connect, secure, log in if a username is set, send, quit."""
        if self.config.get("username") and not self.secrets.get("password"):
            raise DeliveryError("SMTP: a username is set but no password: set one or clear both")
        try:
            with self._connect() as smtp:
                if self.config.get("username"):
                    smtp.login(self.config["username"], self.secrets["password"])
                smtp.send_message(self.mail(key, message))
        except TimeoutError:
            raise DeliveryError(f"no SMTP answer within {self.timeout:g} s") from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryError(f"SMTP: {exc}"[:MAX_ERROR]) from None


KINDS: dict[str, type[Channel]] = {c.kind: c for c in (WebhookChannel, EmailChannel)}


def build_channel(
    kind: str, config: dict[str, Any], secrets: dict[str, str], timeout: float
) -> Channel:
    """The channel of ``kind`` (a KeyError for an unknown kind is a programming error)."""
    return KINDS[kind](config, secrets, timeout)
