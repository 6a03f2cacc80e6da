"""How a reply leaves: SMTP here, or a local Maildir outbox (``intake.reply.maildir``),
behind one small Protocol.

Failures are sorted for the outbox's retry logic:

- ``PermanentDeliveryError``: the server refused this message for good (a 5xx
  reply to MAIL FROM, to every RCPT TO, or to DATA). Do not retry.
- ``DeliveryError``: anything else (4xx replies, refused or lost connections,
  timeouts, TLS or login failures). Retry later.

A transport is ``idempotent`` when delivering the same message again leaves one
copy (the Maildir, which names files by Message-ID): the outbox then hands it a
whole batch and records the batch as sent afterwards. SMTP is not, so the outbox
records each reply right after the server accepted it.
"""

import contextlib
import smtplib
import ssl
from collections.abc import Sequence
from types import TracebackType
from typing import NamedTuple, Protocol, Self

from intake.config import SmtpSettings
from intake.errors import DeliveryError, PermanentDeliveryError

# A reused connection that answers with these was dropped by the server.
_DROPPED = (smtplib.SMTPServerDisconnected, ConnectionError)
_IDLE_TIMEOUT_CODE = 421


class Envelope(NamedTuple):
    data: bytes
    sender: str
    recipients: list[str]


class Transport(Protocol):
    """Hands finished messages on. ``open``/``close`` bracket one send run."""

    idempotent: bool

    def open(self) -> None: ...

    def close(self) -> None: ...

    def deliver(self, data: bytes, sender: str, recipients: list[str]) -> None: ...

    def deliver_many(self, messages: Sequence[Envelope]) -> list[DeliveryError | None]: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class BaseTransport:
    """Context-manager support and one-by-one delivery, shared by the transports."""

    idempotent = False

    def deliver(self, data: bytes, sender: str, recipients: list[str]) -> None:
        raise NotImplementedError

    def deliver_many(self, messages: Sequence[Envelope]) -> list[DeliveryError | None]:
        """Deliver each in turn; what each delivery raised, ``None`` where it succeeded."""
        results: list[DeliveryError | None] = []
        for message in messages:
            try:
                self.deliver(*message)
            except DeliveryError as e:
                results.append(e)
            else:
                results.append(None)
        return results

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


class SmtpTransport(BaseTransport):
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
