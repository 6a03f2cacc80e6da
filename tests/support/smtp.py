"""A real SMTP server (aiosmtpd) on 127.0.0.1 for transport tests.

Use with ``pytest_plugins = ["tests.support.smtp"]``. Fixtures:

- ``smtp_server`` / ``smtp_settings``: plain SMTP, no TLS, no login.
- ``smtp_tls_server`` / ``smtp_tls_settings``: STARTTLS required, a self-signed
  certificate, login required (``SMTP_USER`` / ``SMTP_PASSWORD``);
  settings with ``verify_certificate=False``.
- ``smtp_ssl_server`` / ``smtp_ssl_settings``: implicit TLS (SMTPS).

``server.script.answer("RCPT", "550 5.1.1 no such user", times=1)`` makes the next
RCPT answer that instead of accepting; the same for "MAIL" and "DATA".
"""

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from intake.config import SmtpSettings

HOST = "127.0.0.1"
SMTP_USER = "intake"
SMTP_PASSWORD = "s3cret-for-tests"


class Script:
    """Replies to give instead of the usual '250', per SMTP command, in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[str]] = {}

    def answer(self, command: str, reply: str, times: int = 1) -> None:
        with self._lock:
            self._queues.setdefault(command.upper(), deque()).extend([reply] * times)

    def take(self, command: str) -> str | None:
        with self._lock:
            queue = self._queues.get(command, deque())
            return queue.popleft() if queue else None


@dataclass
class SmtpTestServer:
    """What a test sees: where the server listens and what it received.

    ``messages`` are the parsed messages, each with ``X-MailFrom`` and
    ``X-RcptTo`` headers added from the envelope; ``raw`` the bytes as received;
    ``peers`` the client address of each, to tell connections apart.
    """

    host: str
    port: int
    controller_options: dict[str, Any] = field(default_factory=dict)
    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)  # client (host, port) per message
    script: Script = field(default_factory=Script)
    _controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, **self.controller_options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        """Drop every open connection, then listen again on the same port."""
        self.stop()
        self.start()


class _Handler:
    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server

    async def handle_MAIL(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        scripted = self.server.script.take("MAIL")
        if scripted:
            return scripted
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTPProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        scripted = self.server.script.take("RCPT")
        if scripted:
            return scripted
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPProtocol, session: Session, envelope: Envelope) -> str:
        scripted = self.server.script.take("DATA")
        if scripted:
            return scripted
        data = envelope.original_content or b""
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        message["X-MailFrom"] = envelope.mail_from or ""
        message["X-RcptTo"] = ", ".join(envelope.rcpt_tos)
        self.server.raw.append(data)
        self.server.peers.append(session.peer)
        self.server.messages.append(message)
        return "250 2.0.0 Message accepted for delivery"


def _authenticate(
    server: SMTPProtocol, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def write_self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost / 127.0.0.1 that no client trusts."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _running(options: dict[str, Any]) -> Iterator[SmtpTestServer]:
    server = SmtpTestServer(host=HOST, port=free_port(), controller_options=options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def smtp_server_tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    cert, key = write_self_signed_cert(tmp_path_factory.mktemp("smtp-cert"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    yield from _running({})


@pytest.fixture
def smtp_settings(smtp_server: SmtpTestServer) -> SmtpSettings:
    return SmtpSettings(
        host=smtp_server.host, port=smtp_server.port, security="plain", timeout_seconds=5
    )


@pytest.fixture
def smtp_tls_server(smtp_server_tls_context: ssl.SSLContext) -> Iterator[SmtpTestServer]:
    yield from _running(
        {
            "tls_context": smtp_server_tls_context,
            "require_starttls": True,
            "authenticator": _authenticate,
            "auth_required": True,
            # smtplib's AUTH LOGIN with an initial response stalls on aiosmtpd 1.4.
            "auth_exclude_mechanism": ["LOGIN"],
        }
    )


@pytest.fixture
def smtp_tls_settings(smtp_tls_server: SmtpTestServer) -> SmtpSettings:
    return SmtpSettings(
        host=smtp_tls_server.host,
        port=smtp_tls_server.port,
        security="starttls",
        verify_certificate=False,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        timeout_seconds=5,
    )


@pytest.fixture
def smtp_ssl_server(smtp_server_tls_context: ssl.SSLContext) -> Iterator[SmtpTestServer]:
    yield from _running({"ssl_context": smtp_server_tls_context})


@pytest.fixture
def smtp_ssl_settings(smtp_ssl_server: SmtpTestServer) -> SmtpSettings:
    return SmtpSettings(
        host=smtp_ssl_server.host,
        port=smtp_ssl_server.port,
        security="ssl",
        verify_certificate=False,
        timeout_seconds=5,
    )
