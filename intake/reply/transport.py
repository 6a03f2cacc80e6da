"""How a reply leaves: SMTP, or a local Maildir outbox, behind one small Protocol.

Failures are sorted for the outbox's retry logic:

- ``PermanentDeliveryError``: the server refused this message for good (a 5xx
  reply to MAIL FROM, to every RCPT TO, or to DATA). Do not retry.
- ``DeliveryError``: anything else (4xx replies, refused or lost connections,
  timeouts, TLS or login failures). Retry later.
"""

import contextlib
import email.parser
import hashlib
import os
import smtplib
import ssl
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from intake.config import OutboxSettings, SmtpSettings
from intake.errors import DeliveryError, PermanentDeliveryError

# A reused connection that answers with these was dropped by the server.
_DROPPED = (smtplib.SMTPServerDisconnected, ConnectionError)
_IDLE_TIMEOUT_CODE = 421


class Transport(Protocol):
    """Hands finished messages on. ``open``/``close`` bracket one send run."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def deliver(self, data: bytes, sender: str, recipients: list[str]) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class _Bracketed:
    """Context-manager support shared by the transports."""

    def open(self) -> None:
        """Nothing to open by default."""

    def close(self) -> None:
        """Nothing to close by default."""

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _server_text(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"


def _refusal(what: str, code: int, text: bytes | str) -> DeliveryError:
    """5xx is permanent, anything else is worth another try."""
    message = f"SMTP {what} refused: {_server_text(code, text)}"
    return PermanentDeliveryError(message) if 500 <= code < 600 else DeliveryError(message)


def _recipients_refusal(e: smtplib.SMTPRecipientsRefused) -> DeliveryError:
    answers = "; ".join(f"<{rcpt}> {_server_text(c, t)}" for rcpt, (c, t) in e.recipients.items())
    message = f"SMTP recipients refused: {answers}"
    permanent = all(500 <= code < 600 for code, _ in e.recipients.values())
    return PermanentDeliveryError(message) if permanent else DeliveryError(message)


class SmtpTransport(_Bracketed):
    """Delivers over SMTP, one connection reused for the whole send run."""

    def __init__(self, settings: SmtpSettings, local_hostname: str | None = None) -> None:
        self.settings = settings
        self.local_hostname = local_hostname
        self._conn: smtplib.SMTP | None = None
        self._conn_has_sent = False  # a drop is only worth one retry on a connection that worked

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.settings.verify_certificate:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> smtplib.SMTP:
        """Connect, greet, secure and log in (the constructor connects and keeps the TLS name)."""
        s = self.settings
        conn: smtplib.SMTP
        if s.security == "ssl":
            conn = smtplib.SMTP_SSL(
                s.host,
                s.port,
                local_hostname=self.local_hostname,
                timeout=s.timeout_seconds,
                context=self._tls_context(),
            )
        else:
            conn = smtplib.SMTP(
                s.host, s.port, local_hostname=self.local_hostname, timeout=s.timeout_seconds
            )
        try:
            conn.ehlo()
            if s.security == "starttls":
                conn.starttls(context=self._tls_context())
                conn.ehlo()
            if s.username:
                conn.login(s.username, s.password)
        except BaseException:
            with contextlib.suppress(OSError):
                conn.close()
            raise
        return conn

    def open(self) -> None:
        """Connect (and log in) unless already connected."""
        if self._conn is not None:
            return
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            self._conn = self._connect()
            self._conn_has_sent = False
        except smtplib.SMTPResponseException as e:
            raise DeliveryError(
                f"SMTP {where} refused the session: {_server_text(e.smtp_code, e.smtp_error)}"
            ) from e
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryError(f"SMTP {where} connection failed: {e or type(e).__name__}") from e

    def close(self) -> None:
        """Say QUIT politely; a connection already gone is simply dropped."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def deliver(self, data: bytes, sender: str, recipients: list[str]) -> None:
        """Send one message; reconnect once if a reused connection was dropped.

        Recipients that some but not all refuse are not reported: replies have one.
        """
        if not recipients:
            raise ValueError("a message needs at least one recipient")
        reused = self._conn is not None and self._conn_has_sent
        self.open()
        try:
            self._send(data, sender, recipients)
        except DeliveryError as e:
            if self._conn is not None and self._conn.sock is None:
                self._discard()  # smtplib closed it (421): the next delivery reconnects
            if not (reused and _was_dropped(e)):
                raise
            self._discard()
            self.open()
            self._send(data, sender, recipients)

    def _send(self, data: bytes, sender: str, recipients: list[str]) -> None:
        assert self._conn is not None
        try:
            self._conn.sendmail(sender, recipients, data)
            self._conn_has_sent = True
        except smtplib.SMTPRecipientsRefused as e:
            raise _recipients_refusal(e) from e
        except smtplib.SMTPSenderRefused as e:
            raise _refusal(f"sender <{sender}>", e.smtp_code, e.smtp_error) from e
        except smtplib.SMTPDataError as e:
            raise _refusal("message", e.smtp_code, e.smtp_error) from e
        except smtplib.SMTPResponseException as e:
            self._discard()
            raise DeliveryError(f"SMTP error: {_server_text(e.smtp_code, e.smtp_error)}") from e
        except (smtplib.SMTPException, OSError) as e:
            self._discard()
            raise DeliveryError(f"SMTP connection lost: {e or type(e).__name__}") from e

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()


def _was_dropped(e: DeliveryError) -> bool:
    cause = e.__cause__
    if isinstance(cause, _DROPPED):
        return True
    return isinstance(cause, smtplib.SMTPResponseException) and (
        cause.smtp_code == _IDLE_TIMEOUT_CODE
    )


class MaildirTransport(_Bracketed):
    """Writes each message into a Maildir's ``new/``; the same Message-ID is written once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def open(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def deliver(self, data: bytes, sender: str, recipients: list[str]) -> None:
        """Write ``tmp/`` then rename into ``new/`` (atomic); skip if already there."""
        name = self.file_name(data)
        try:
            self.open()
            if self._holds(name):
                return
            tmp = self.path / "tmp" / f"{name}.{os.getpid()}.{os.urandom(4).hex()}"
            with tmp.open("wb") as f:
                f.write(data.replace(b"\r\n", b"\n"))  # Maildir files use local line ends
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path / "new" / name)
        except OSError as e:
            raise DeliveryError(f"cannot write to outbox {self.path}: {e}") from e

    def _holds(self, name: str) -> bool:
        """Already in new/, or moved to cur/ by a reader (which appends ':2,flags')."""
        if (self.path / "new" / name).exists():
            return True
        return any((self.path / "cur").glob(f"{name}:*")) or (self.path / "cur" / name).exists()

    @staticmethod
    def file_name(data: bytes) -> str:
        """A name fixed by the Message-ID (or, lacking one, by the content)."""
        headers = email.parser.BytesHeaderParser().parsebytes(data)
        message_id = str(headers.get("Message-ID", "")).strip()
        key = message_id.encode("utf-8") if message_id else data
        return hashlib.sha256(key).hexdigest()[:40] + ".eml"


def open_transport(outbox: OutboxSettings, smtp: SmtpSettings) -> Transport:
    """The transport the settings ask for (not yet connected)."""
    if outbox.transport == "smtp":
        return SmtpTransport(smtp)
    return MaildirTransport(outbox.maildir)
