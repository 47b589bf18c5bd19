"""Sending digests to a real SMTP server on loopback (aiosmtpd), with STARTTLS and login."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tests.notify.test_digest import AS_OF, CFG, warehouse

from shortage_radar.errors import ConfigError
from shortage_radar.notify.digest import digests
from shortage_radar.notify.smtp import deliver, password, transient
from shortage_radar.settings import MailSettings

SECRET = "pw-Zq8!never-logged"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key: the server's; the client is told to trust it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    crt, pem = folder / "server.crt", folder / "server.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


@dataclass
class Inbox:
    """What the server received: (mail from, recipients, parsed message), and the logins."""

    port: int
    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"radar",
            SECRET.encode(),
        )
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)  # handled=False: the server says 535


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """An SMTP server on loopback offering STARTTLS and, over TLS only, AUTH."""
    crt, key = self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(crt, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(crt))  # the client's default context trusts it
    box = Inbox(free_port())
    server = Controller(
        box,
        hostname="127.0.0.1",
        port=box.port,
        tls_context=tls,
        authenticator=box.authenticate,
    )
    server.start()
    try:
        yield box
    finally:
        server.stop()


def settings(inbox: Inbox, **more: object) -> MailSettings:
    return CFG.model_copy(update={"enabled": True, "host": "127.0.0.1", "port": inbox.port, **more})


def test_each_buyer_receives_their_digest(inbox: Inbox) -> None:
    cfg = settings(inbox)
    done = deliver(digests(warehouse(), AS_OF, cfg).messages, cfg)
    assert done.failed == []
    assert sorted(done.sent) == ["anna@example.com", "priya@example.com"]
    got = {tuple(rcpt): msg for _, rcpt, msg in inbox.mails}
    assert sorted(got) == [("anna@example.com",), ("priya@example.com",)]
    assert {sender for sender, _, _ in inbox.mails} == {"radar@example.com"}
    priya = got[("priya@example.com",)]
    assert priya["Subject"] == "[sr] 2026-06-01: 1 new, 0 worsening shortage warnings"
    html = priya.get_body(("html",))
    assert html is not None and "&lt;script&gt;" in html.get_content()
    files = sorted(p.get_filename() or "" for p in priya.iter_attachments())
    assert files == ["reorder_suggestions_2026-06-01.csv", "shortage_warnings_2026-06-01.csv"]
    assert inbox.logins == []  # no username: no login


def test_login_over_starttls_with_the_password_from_the_environment(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("RADAR_SMTP_PW", SECRET)
    cfg = settings(inbox, username="radar", password_env="RADAR_SMTP_PW")
    done = deliver(digests(warehouse(), AS_OF, cfg).messages, cfg)
    assert done.failed == [] and len(done.sent) == 2
    assert inbox.logins == ["radar", "radar"]
    assert SECRET not in caplog.text
    assert SECRET not in cfg.model_dump_json()


def test_a_wrong_password_fails_for_good_and_is_not_quoted(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("RADAR_SMTP_PW", "wrong-" + SECRET)
    cfg = settings(inbox, username="radar", password_env="RADAR_SMTP_PW")
    done = deliver(digests(warehouse(), AS_OF, cfg).messages, cfg)
    assert done.sent == [] and inbox.mails == []
    assert [to for to, _ in done.failed] == ["anna@example.com", "priya@example.com"]
    why = done.failed[0][1]
    assert why.startswith("SMTPAuthenticationError: (535")
    assert SECRET not in why and SECRET not in caplog.text


def test_without_the_password_variable_the_error_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RADAR_SMTP_PW", raising=False)
    cfg = MailSettings(sender="radar@example.com", username="radar", password_env="RADAR_SMTP_PW")
    with pytest.raises(ConfigError, match="environment variable RADAR_SMTP_PW"):
        password(cfg)
    assert password(MailSettings()) is None  # no username: no login, no password needed


def test_no_server_is_a_failure_that_may_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = CFG.model_copy(update={"host": "127.0.0.1", "port": free_port(), "timeout_seconds": 5})
    done = deliver(digests(warehouse(), AS_OF, cfg).messages, cfg)
    assert done.sent == [] and len(done.failed) == 2
    assert done.failed[0][1].startswith("ConnectionRefusedError")


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("timed out"), True),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPResponseException(451, b"try later"), True),
        (smtplib.SMTPAuthenticationError(535, b"bad login"), False),
        (smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no such user")}), False),
        (smtplib.SMTPRecipientsRefused({"a@x.org": (450, b"mailbox busy")}), True),
        (ConfigError("no password"), False),
        (ssl.SSLCertVerificationError("self-signed"), False),
    ],
)
def test_only_failures_that_may_pass_are_retried(error: BaseException, retry: bool) -> None:
    assert transient(error) is retry
