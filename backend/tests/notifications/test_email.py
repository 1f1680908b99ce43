"""E-mail delivery through a real SMTP server (aiosmtpd): STARTTLS with a login, implicit
TLS, certificates verified against a test CA given by SSL_CERT_FILE."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.ml.alerts.predictive_alerts import PredictiveAlertService
from app.schemas.notifications import ChannelCreate
from tests.notifications.conftest import Rig
from tests.notifications.factories import raise_alert
from tests.notifications.receivers import smtp_server


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ssl.SSLContext]:
    """A server context with a self-signed certificate for 127.0.0.1, trusted by clients
    through SSL_CERT_FILE (how an admin trusts a private relay)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def mail_channel(rig: Rig, port: int, security: str, **extra: object) -> int:
    config = {
        "host": "127.0.0.1", "port": port, "security": security,
        "sender": "drillwatch@example.com", "recipients": ["crew@example.com"],
    }  # fmt: skip
    secrets = extra.pop("secrets", {})
    body = ChannelCreate(name=security, kind="email", config=config | extra, secrets=secrets)
    return rig.channel(body)


def test_starttls_with_a_login_delivers_the_grouped_notice(
    rig: Rig, alerts: PredictiveAlertService, tls: ssl.SSLContext
) -> None:
    with smtp_server(login=("dw", "relay-password"), tls_context=tls) as box:
        channel = mail_channel(
            rig, box.port, "starttls", username="dw", secrets={"password": "relay-password"}
        )
        rig.rule("mail", [channel])
        alert = raise_alert(alerts, "pod-1", "battery", "CRITICAL")
        assert rig.tick().delivered == 1
        (mail,) = box.wait_for(1)
    assert box.logins == [("dw", "relay-password")]
    assert mail["Subject"] == "[DrillWatch] pod-1: New CRITICAL pod battery alert"
    assert mail["X-DrillWatch-Idempotency-Key"] == rig.notices()[0].id
    plain = mail.get_body(("plain",))
    assert plain is not None
    assert "Failure probability within the horizon: 90%" in plain.get_content()
    assert alert.alert_id not in mail["Subject"]


def test_a_wrong_password_is_a_failed_attempt_with_the_servers_answer(
    rig: Rig, alerts: PredictiveAlertService, tls: ssl.SSLContext
) -> None:
    with smtp_server(login=("dw", "relay-password"), tls_context=tls) as box:
        channel = mail_channel(rig, box.port, "starttls", username="dw", secrets={"password": "x"})
        rig.rule("mail", [channel])
        raise_alert(alerts, "pod-1")
        rig.tick()
    (notice,) = rig.notices()
    assert notice.status == "pending"
    assert notice.last_error is not None
    assert notice.last_error.startswith("SMTP")
    assert box.messages == []
    assert box.logins == []
    assert "relay-password" not in notice.last_error


def test_a_username_without_a_password_is_a_failed_attempt_naming_the_missing_password(
    rig: Rig, alerts: PredictiveAlertService, tls: ssl.SSLContext
) -> None:
    with smtp_server(login=("dw", "relay-password"), tls_context=tls) as box:
        rig.rule("mail", [mail_channel(rig, box.port, "starttls", username="dw")])
        raise_alert(alerts, "pod-1")
        rig.tick()
        assert (box.messages, box.logins) == ([], [])
    (notice,) = rig.notices()
    assert notice.status == "pending"
    assert notice.last_error == "SMTP: a username is set but no password: set one or clear both"


def test_implicit_tls_delivers(
    rig: Rig, alerts: PredictiveAlertService, tls: ssl.SSLContext
) -> None:
    with smtp_server(tls_context=tls, implicit_tls=True) as box:
        rig.rule("mail", [mail_channel(rig, box.port, "tls")])
        raise_alert(alerts, "pod-1")
        assert rig.tick().delivered == 1
        assert len(box.wait_for(1)) == 1


def test_an_untrusted_certificate_is_refused(
    rig: Rig, alerts: PredictiveAlertService, tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    with smtp_server(tls_context=tls) as box:
        rig.rule("mail", [mail_channel(rig, box.port, "starttls")])
        raise_alert(alerts, "pod-1")
        rig.tick()
        assert box.messages == []
    assert "CERTIFICATE_VERIFY_FAILED" in (rig.notices()[0].last_error or "")
