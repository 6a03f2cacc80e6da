"""How a reply leaves: its MIME, SMTP against a real server, and the Maildir outbox."""

import email
import email.parser
import email.policy
import hashlib
import io
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import IO

import pytest

from intake.app import App
from intake.config import SmtpSettings, load_settings
from intake.errors import DeliveryError, PermanentDeliveryError
from intake.reply import OutgoingReply
from intake.reply import maildir as maildir_module
from intake.reply.maildir import MaildirTransport
from intake.reply.mime import build_mime, new_message_id
from intake.reply.transport import Envelope, SmtpTransport
from tests.support.smtp import SMTP_PASSWORD, SmtpTestServer, free_port

SENDER = "sharedservices@local.gov.uk"
RECIPIENT = "jo.bloggs@adur-worthing.gov.uk"


def make_reply(**changes: object) -> OutgoingReply:
    fields: dict[str, object] = {
        "message_id": "<reply-1@local.gov.uk>",
        "from_address": SENDER,
        "from_name": "LGA Shared Services",
        "to": f"Jo Blöggs <{RECIPIENT}>",
        "subject": "Re: Café shared legal service [SS-2026-00042]",
        "in_reply_to": "<orig@adur-worthing.gov.uk>",
        "references": ["<first@adur-worthing.gov.uk>"],
        "text": "Dear Jo,\n\n£350,000 a year (achieved, 2017/18)\n",
        "html": "<p>Dear Jo,</p>\n<p>£350,000 a year</p>\n",
        "date": datetime(2026, 12, 4, 15, 30, tzinfo=UTC),
    }
    return OutgoingReply.model_validate(fields | changes)


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


# --- MIME -------------------------------------------------------------------


def test_build_mime_sets_every_header() -> None:
    """GIVEN a reply WHEN built THEN parsing it back gives each header as required."""
    message = parse(build_mime(make_reply()))
    assert parseaddr(message["From"]) == ("LGA Shared Services", SENDER)
    assert parseaddr(message["To"]) == ("Jo Blöggs", RECIPIENT)
    assert message["Subject"] == "Re: Café shared legal service [SS-2026-00042]"
    assert parsedate_to_datetime(message["Date"]) == datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    assert message["Message-ID"] == "<reply-1@local.gov.uk>"
    assert message["In-Reply-To"] == "<orig@adur-worthing.gov.uk>"
    assert message["References"] == "<first@adur-worthing.gov.uk> <orig@adur-worthing.gov.uk>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["Precedence"] == "auto_reply"


def test_build_mime_is_multipart_alternative_text_then_html_in_utf8() -> None:
    message = parse(build_mime(make_reply()))
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    texts = [p.get_content().replace("\r\n", "\n") for p in parts]  # CRLF on the wire
    assert texts == [
        "Dear Jo,\n\n£350,000 a year (achieved, 2017/18)\n",
        "<p>Dear Jo,</p>\n<p>£350,000 a year</p>\n",
    ]


@pytest.mark.parametrize(
    ("references", "in_reply_to", "expected"),
    [
        ([], "<a@x>", "<a@x>"),
        (["<r1@x>", "<r2@x>"], "<a@x>", "<r1@x> <r2@x> <a@x>"),
        (["<r1@x> <r2@x>"], "<a@x>", "<r1@x> <r2@x> <a@x>"),
        (["<r1@x>", "<a@x>"], "<a@x>", "<r1@x> <a@x>"),
        (["<r1@x>"], None, "<r1@x>"),
        ([], None, None),
    ],
)
def test_references_are_the_parents_references_then_its_id(
    references: list[str], in_reply_to: str | None, expected: str | None
) -> None:
    message = parse(build_mime(make_reply(references=references, in_reply_to=in_reply_to)))
    assert message["References"] == expected


def test_build_mime_is_deterministic() -> None:
    assert build_mime(make_reply()) == build_mime(make_reply())


def test_boundary_follows_the_message_id() -> None:
    first = parse(build_mime(make_reply())).get_boundary()
    second = parse(build_mime(make_reply(message_id="<reply-2@local.gov.uk>"))).get_boundary()
    assert first and second and first != second


def test_build_mime_uses_crlf_only() -> None:
    data = build_mime(make_reply(text="one\ntwo\n"))
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_naive_date_is_taken_as_utc() -> None:
    message = parse(build_mime(make_reply(date=datetime(2026, 1, 2, 3, 4, 5))))
    assert parsedate_to_datetime(message["Date"]) == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_new_message_id_is_unique_and_in_the_domain() -> None:
    first, second = new_message_id("local.gov.uk"), new_message_id("local.gov.uk")
    assert first != second
    assert first.startswith("<") and first.endswith("@local.gov.uk>")


def test_new_message_id_carries_the_reference_it_is_about() -> None:
    """A council's reply names our Message-ID: the reference in it finds the submission."""
    assert new_message_id("local.gov.uk", "SS-2026-00042").startswith("<SS-2026-00042.")
    assert new_message_id("local.gov.uk", "bad ref>").startswith("<") is True
    assert "bad" not in new_message_id("local.gov.uk", "bad ref>")


@pytest.mark.parametrize("domain", ["", "a b", "x@y", "<x>"])
def test_new_message_id_refuses_a_non_domain(domain: str) -> None:
    with pytest.raises(ValueError):
        new_message_id(domain)


# --- SMTP -------------------------------------------------------------------


def deliver_one(settings: SmtpSettings, data: bytes | None = None) -> bytes:
    data = data or build_mime(make_reply())
    with SmtpTransport(settings) as transport:
        transport.deliver(data, SENDER, [RECIPIENT])
    return data


def test_smtp_delivers_to_a_real_server(
    smtp_server: SmtpTestServer, smtp_settings: SmtpSettings
) -> None:
    data = deliver_one(smtp_settings)
    [received] = smtp_server.messages
    assert received["X-MailFrom"] == SENDER
    assert received["X-RcptTo"] == RECIPIENT
    assert received["Message-ID"] == "<reply-1@local.gov.uk>"
    assert smtp_server.raw == [data]


def test_smtp_reuses_one_connection_for_a_send_run(
    smtp_server: SmtpTestServer, smtp_settings: SmtpSettings
) -> None:
    with SmtpTransport(smtp_settings) as transport:
        for n in range(3):
            reply = make_reply(message_id=f"<reply-{n}@local.gov.uk>")
            transport.deliver(build_mime(reply), SENDER, [RECIPIENT])
    assert len(smtp_server.messages) == 3
    assert len(set(smtp_server.peers)) == 1


@pytest.mark.parametrize(
    ("command", "answer", "error"),
    [
        ("RCPT", "451 4.3.0 try later", DeliveryError),
        ("RCPT", "550 5.1.1 no such user", PermanentDeliveryError),
        ("MAIL", "452 4.3.1 insufficient storage", DeliveryError),
        ("MAIL", "553 5.7.1 sender not allowed", PermanentDeliveryError),
        ("DATA", "451 4.7.1 greylisted", DeliveryError),
        ("DATA", "554 5.6.0 message refused", PermanentDeliveryError),
    ],
)
def test_smtp_refusals_map_to_retry_or_permanent(
    smtp_server: SmtpTestServer,
    smtp_settings: SmtpSettings,
    command: str,
    answer: str,
    error: type[DeliveryError],
) -> None:
    """GIVEN a server that refuses once WHEN delivering THEN the error says if to retry."""
    smtp_server.script.answer(command, answer)
    with SmtpTransport(smtp_settings) as transport:
        with pytest.raises(DeliveryError) as caught:
            transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
        assert type(caught.value) is error
        assert answer in str(caught.value)
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
    assert len(smtp_server.messages) == 1


def test_smtp_some_recipients_4xx_is_retried(
    smtp_server: SmtpTestServer, smtp_settings: SmtpSettings
) -> None:
    smtp_server.script.answer("RCPT", "550 5.1.1 no such user")
    smtp_server.script.answer("RCPT", "451 4.3.0 try later")
    with pytest.raises(DeliveryError) as caught, SmtpTransport(smtp_settings) as transport:
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT, "other@example.org"])
    assert type(caught.value) is DeliveryError


def test_smtp_server_down_is_retried() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="plain")
    with pytest.raises(DeliveryError) as caught:
        deliver_one(settings)
    assert type(caught.value) is DeliveryError


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts connections but never greets."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        yield listener.getsockname()[1]


def test_smtp_timeout_is_retried(silent_listener: int) -> None:
    settings = SmtpSettings(
        host="127.0.0.1", port=silent_listener, security="plain", timeout_seconds=0.3
    )
    with pytest.raises(DeliveryError) as caught:
        deliver_one(settings)
    assert type(caught.value) is DeliveryError


def test_smtp_reconnects_after_a_dropped_connection(
    smtp_server: SmtpTestServer, smtp_settings: SmtpSettings
) -> None:
    """GIVEN an open send run WHEN the server drops the connection THEN the next send reconnects."""
    with SmtpTransport(smtp_settings) as transport:
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
        smtp_server.restart()
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
    assert len(smtp_server.messages) == 2
    assert smtp_server.peers[0] != smtp_server.peers[1]


def test_smtp_starttls_with_login(
    smtp_tls_server: SmtpTestServer, smtp_tls_settings: SmtpSettings
) -> None:
    deliver_one(smtp_tls_settings)
    assert len(smtp_tls_server.messages) == 1


def test_smtp_starttls_refuses_an_untrusted_certificate_when_verifying(
    smtp_tls_server: SmtpTestServer, smtp_tls_settings: SmtpSettings
) -> None:
    settings = smtp_tls_settings.model_copy(update={"verify_certificate": True})
    with pytest.raises(DeliveryError, match="certificate"):
        deliver_one(settings)
    assert smtp_tls_server.messages == []


def test_smtp_wrong_password_is_retried_not_permanent(
    smtp_tls_server: SmtpTestServer, smtp_tls_settings: SmtpSettings
) -> None:
    settings = smtp_tls_settings.model_copy(update={"password": SMTP_PASSWORD + "x"})
    with pytest.raises(DeliveryError, match="535") as caught:
        deliver_one(settings)
    assert type(caught.value) is DeliveryError


def test_smtp_ssl(smtp_ssl_server: SmtpTestServer, smtp_ssl_settings: SmtpSettings) -> None:
    deliver_one(smtp_ssl_settings)
    assert len(smtp_ssl_server.messages) == 1


# --- Maildir ----------------------------------------------------------------


def test_maildir_writes_one_readable_file_into_new(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    with MaildirTransport(outbox) as transport:
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
    [written] = list((outbox / "new").iterdir())
    assert parse(written.read_bytes())["Message-ID"] == "<reply-1@local.gov.uk>"
    assert b"\r\n" not in written.read_bytes()
    assert list((outbox / "tmp").iterdir()) == []
    assert (outbox / "cur").is_dir()


def test_maildir_same_reply_twice_leaves_one_file(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path)
    for _ in range(2):
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
    transport.deliver(build_mime(make_reply(message_id="<other@x>")), SENDER, [RECIPIENT])
    assert len(list((tmp_path / "new").iterdir())) == 2


def test_maildir_reply_already_read_is_not_written_again(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path)
    data = build_mime(make_reply())
    transport.deliver(data, SENDER, [RECIPIENT])
    [written] = list((tmp_path / "new").iterdir())
    written.rename(tmp_path / "cur" / f"{written.name}:2,S")
    transport.deliver(data, SENDER, [RECIPIENT])
    assert list((tmp_path / "new").iterdir()) == []


def test_maildir_unwritable_is_a_delivery_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DeliveryError):
        MaildirTransport(blocker).deliver(build_mime(make_reply()), SENDER, [RECIPIENT])


@pytest.mark.parametrize(
    ("transport", "expected"), [("maildir", MaildirTransport), ("smtp", SmtpTransport)]
)
def test_the_transport_follows_the_settings(transport: str, expected: type) -> None:
    settings = load_settings(None, {"INTAKE_OUTBOX__TRANSPORT": transport})
    assert isinstance(App.build(settings).transport(), expected)


def test_smtp_reconnects_after_421_on_a_reused_connection(
    smtp_server: SmtpTestServer, smtp_settings: SmtpSettings
) -> None:
    """A server closing an idle connection answers 421: reconnect and send, once."""
    with SmtpTransport(smtp_settings) as transport:
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
        smtp_server.script.answer("MAIL", "421 4.4.2 idle too long, closing")
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
    assert len(smtp_server.messages) == 2


def test_smtp_421_on_a_fresh_connection_is_retried_later(
    smtp_server: SmtpTestServer, smtp_settings: SmtpSettings
) -> None:
    """GIVEN a server shutting down WHEN sending THEN retry later, on a new connection."""
    smtp_server.script.answer("MAIL", "421 4.3.2 shutting down")
    with SmtpTransport(smtp_settings) as transport:
        with pytest.raises(DeliveryError, match=r"421 4\.3\.2 shutting down") as caught:
            transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
        assert type(caught.value) is DeliveryError
        assert smtp_server.messages == []
        transport.deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
    assert len(smtp_server.messages) == 1


# --- Maildir batches ----------------------------------------------------------


def envelopes(count: int) -> list[Envelope]:
    return [
        Envelope(
            build_mime(make_reply(message_id=f"<reply-{n}@local.gov.uk>")), SENDER, [RECIPIENT]
        )
        for n in range(count)
    ]


def test_maildir_batch_is_durable_before_it_appears_in_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a batch WHEN written THEN every file's contents are flushed while the files are
    still in tmp/, and new/ is synced once after they are all moved there."""
    seen: list[tuple[str, int, int]] = []

    def flushed(folder: Path) -> None:
        seen.append(("contents", len(list((tmp_path / "tmp").iterdir())),
                     len(list((tmp_path / "new").iterdir()))))  # fmt: skip

    real_fsync_path = maildir_module._fsync_path

    def synced(path: str | Path) -> None:
        seen.append((Path(path).name, len(list((tmp_path / "tmp").iterdir())),
                     len(list((tmp_path / "new").iterdir()))))  # fmt: skip
        real_fsync_path(path)

    monkeypatch.setattr(maildir_module, "sync_filesystem", flushed)
    monkeypatch.setattr(maildir_module, "_fsync_path", synced)
    with MaildirTransport(tmp_path) as transport:
        assert transport.deliver_many(envelopes(5)) == [None] * 5
    assert seen == [("contents", 5, 0), ("new", 0, 5)]


def test_maildir_single_delivery_fsyncs_the_file_then_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync_path = maildir_module._fsync_path

    def recording(path: str | Path) -> None:
        path = Path(path)
        synced.append(path.parent.name + "/" if path.is_file() else path.name)
        real_fsync_path(path)

    monkeypatch.setattr(maildir_module, "_fsync_path", recording)
    MaildirTransport(tmp_path).deliver(build_mime(make_reply()), SENDER, [RECIPIENT])
    assert synced == ["tmp/", "new"]


def test_maildir_batch_writes_each_message_once(tmp_path: Path) -> None:
    """GIVEN a batch repeating a message, one already in new/ and one already read (cur/)
    WHEN delivered THEN only the missing ones are written, and nothing is rewritten."""
    batch = envelopes(4)
    transport = MaildirTransport(tmp_path)
    assert transport.deliver_many(batch[:2]) == [None, None]
    first, second = (tmp_path / "new" / MaildirTransport.file_name(e.data) for e in batch[:2])
    first.rename(tmp_path / "cur" / f"{first.name}:2,S")
    inode = second.stat().st_ino
    assert transport.deliver_many([*batch, batch[3]]) == [None] * 5
    assert second.stat().st_ino == inode
    written = sorted(p.name for p in (tmp_path / "new").iterdir())
    assert written == sorted(MaildirTransport.file_name(e.data) for e in batch[1:])
    assert list((tmp_path / "tmp").iterdir()) == []


def test_maildir_message_that_cannot_be_written_alone_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a disk that fills up on the 2nd file WHEN writing a batch THEN that message
    alone fails, and its part-written file is neither moved to new/ nor left in tmp/."""
    opened: list[str] = []

    class Full(io.FileIO):
        def write(self, data: object) -> int:
            super().write(b"partial")
            raise OSError(28, "No space left on device")

    def flaky_open(path: str, mode: str = "r") -> IO[bytes]:
        opened.append(path)
        return Full(path, mode) if len(opened) == 2 else open(path, mode)

    monkeypatch.setattr(maildir_module, "open", flaky_open, raising=False)
    batch = envelopes(3)
    results = MaildirTransport(tmp_path).deliver_many(batch)
    assert [type(e) for e in results] == [type(None), DeliveryError, type(None)]
    assert "No space left" in str(results[1])
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == sorted(
        MaildirTransport.file_name(batch[n].data) for n in (0, 2)
    )
    assert list((tmp_path / "tmp").iterdir()) == []


def test_maildir_batch_that_cannot_be_flushed_is_not_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(folder: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(maildir_module, "sync_filesystem", broken)
    results = MaildirTransport(tmp_path).deliver_many(envelopes(3))
    assert all(type(e) is DeliveryError and "Input/output error" in str(e) for e in results)
    assert list((tmp_path / "new").iterdir()) == [] and list((tmp_path / "tmp").iterdir()) == []


def test_maildir_batch_into_an_unwritable_place_fails_each(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    results = MaildirTransport(blocker).deliver_many(envelopes(2))
    assert len(results) == 2 and all(isinstance(e, DeliveryError) for e in results)


@pytest.mark.parametrize(
    "head",
    [
        b"Message-ID: <a@x>\r\nSubject: s",
        b"Subject: s\r\nmessage-id:   <a@x>  \r\nX: y",
        b"Subject: s\r\nMessage-ID: <a@x>\r\nMessage-ID: <b@x>",
        b"Subject: s\r\n folded\r\nMessage-ID: <a@x>",
        b"Message-ID:\r\n <a@x>",
        b"Subject: s",
        b"From someone\r\nMessage-ID: <a@x>",
        b"Subject s\r\nMessage-ID: <a@x>",
        b": x\r\nMessage-ID: <a@x>",
        b" x\r\nMessage-ID: <a@x>",
        b"Subject: s\nMessage-ID: <a@x>",
        b"Subject: caf\xc3\xa9\r\nMessage-ID: <a@x>",
        b"\r\nMessage-ID: <a@x>",
        b"X-Message-ID: <b@x>\r\nMessage-IDs: c\r\nMessage-ID: <a@x>",
        b"Message-ID: <a@x>\r\n\tmore",
        b"Subject: a\rb\r\nMessage-ID: <a@x>",
    ],
)
def test_maildir_name_is_the_parsers_message_id(head: bytes) -> None:
    """The quick header scan names a file as the e-mail parser would, or leaves it to it."""
    data = head + b"\r\n\r\nbody\r\nMessage-ID: <body@x>\r\n"
    parsed = str(email.parser.BytesHeaderParser().parsebytes(data).get("Message-ID", "")).strip()
    key = parsed.encode() if parsed else data
    assert MaildirTransport.file_name(data) == hashlib.sha256(key).hexdigest()[:40] + ".eml"
    quick = maildir_module._plain_message_id(data)
    assert quick is None or quick == parsed
