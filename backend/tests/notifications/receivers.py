"""Real receivers started by tests: an HTTP webhook server that checks signatures, and an
SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

WAIT_S = 60.0


@dataclass
class Received:
    """One webhook request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def key(self) -> str:
        return self.headers["idempotency-key"]


@dataclass
class Webhook:
    """A running receiver: its URL, what it received, and how it answers."""

    url: str
    secret: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, in order (then 200)
    hold: threading.Event | None = None  # while set-able and unset, requests wait
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = WAIT_S) -> list[Received]:
        """Block until ``count`` requests arrived (generous timeout, no timing asserts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} webhook requests, got {len(self.received)}")

    @property
    def keys(self) -> list[str]:
        return [r.key for r in self.received]


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Check the signature as a receiver would, independently of the sender's code."""
    timestamp = headers.get("x-drillwatch-timestamp", "")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    given = headers.get("x-drillwatch-signature", "")
    return hmac.compare_digest("v1=" + expected.hexdigest(), given)


def _handler(hook: Webhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with hook.lock:
                hook.received.append(
                    Received(self.path, headers, body, verify(hook.secret, headers, body))
                )
                status = hook.statuses.pop(0) if hook.statuses else 200
            if hook.hold is not None:
                hook.hold.wait(WAIT_S)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver says no")

        def log_message(self, *args: Any) -> None:
            return

    return Handler


@contextmanager
def webhook_receiver(secret: str = "receiver-shared-secret-123") -> Iterator[Webhook]:
    """A webhook receiver on a free loopback port, stopped afterwards."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    hook = Webhook(f"http://127.0.0.1:{server.server_address[1]}/hook", secret)
    server.RequestHandlerClass = _handler(hook)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        if hook.hold is not None:
            hook.hold.set()
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    """What the SMTP server received."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def wait_for(self, count: int, timeout: float = WAIT_S) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} mails, got {len(self.messages)}")


class _Keeper:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.box.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        self.box.messages.append(message)
        return "250 OK"


@contextmanager
def smtp_server(
    *,
    login: tuple[str, str] | None = None,
    tls_context: Any = None,
    implicit_tls: bool = False,
) -> Iterator[Mailbox]:
    """An aiosmtpd server on a free loopback port (STARTTLS offered with ``tls_context``)."""
    from tests.live import free_port

    port = free_port()
    box = Mailbox("127.0.0.1", port)
    kwargs: dict[str, Any] = {}
    if login is not None:

        def authenticate(
            server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
        ) -> Any:
            from aiosmtpd.smtp import AuthResult, LoginPassword

            ok = (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == login
            )
            if ok:
                box.logins.append(login)
            return AuthResult(success=ok)

        kwargs |= {"authenticator": authenticate, "auth_require_tls": tls_context is not None}
    if tls_context is not None and not implicit_tls:
        kwargs |= {"tls_context": tls_context, "require_starttls": True}
    controller = Controller(
        _Keeper(box),
        hostname="127.0.0.1",
        port=port,
        ssl_context=tls_context if implicit_tls else None,
        **kwargs,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
