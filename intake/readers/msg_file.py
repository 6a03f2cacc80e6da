"""A saved Outlook message (.msg file) as the Internet message it stood for.

Staff backfilling from Outlook often hold .msg files rather than .eml, so ``intake
extract`` and ``intake import`` take them too: the .msg is written out as an RFC 5322
message, which then goes through the same parse stage as any mail. Its headers are the
transport headers Outlook kept for a received message (so Message-ID, threading and
auto-reply headers survive), else From, Subject, Date, Message-ID and threading from
its properties; its body is the plain one, else the HTML one; its files are attached.

Dates are fixed-size properties, in the '__properties_version1.0' stream: a 32-byte
header for the top-level message, then 16 bytes a property (tag, flags, value).
"""

import io
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import HeaderParser
from email.policy import SMTP, compat32
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING

from intake.errors import ParseError
from intake.readers.outlook import files_of, msg_property, msg_text, sender_of

if TYPE_CHECKING:
    from olefile import OleFileIO

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SUBJECT, _DISPLAY_TO, _TRANSPORT_HEADERS = 0x0037, 0x0E04, 0x007D
_MESSAGE_ID, _IN_REPLY_TO, _REFERENCES = 0x1035, 0x1042, 0x1039
_BODY, _HTML, _RTF = 0x1000, 0x1013, 0x1009
_SENT, _DELIVERED = 0x0039, 0x0E06  # client submit time, delivery time (PT_SYSTIME)
_SYSTIME, _PROPERTIES, _TOP_HEADER = 0x0040, "__properties_version1.0", 32
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
# Headers that describe the body Outlook stored, not the body written here.
_BODY_HEADERS = {"content-type", "content-transfer-encoding", "mime-version", "content-length"}


def is_outlook_msg(data: bytes) -> bool:
    return data.startswith(OLE_MAGIC)


def msg_as_email(data: bytes, name: str = "message.msg") -> tuple[bytes, list[str]]:
    """(the message as RFC 5322 bytes, warnings); ParseError when it cannot be read."""
    from olefile import OleFileIO

    warnings: list[str] = []
    try:
        with OleFileIO(io.BytesIO(data)) as ole:
            message = _headers(ole)
            _set_body(ole, message, name, warnings)
            for file in files_of(ole, warnings, name):
                maintype, _, subtype = file.content_type.partition("/")
                message.add_attachment(file.data, maintype=maintype, subtype=subtype,
                                       filename=file.filename)  # fmt: skip
    except ParseError:
        raise
    except Exception as e:  # olefile raises many kinds of error on damaged files
        reason = (str(e).splitlines() or [type(e).__name__])[0][:200]
        raise ParseError(f"{name} is not a readable Outlook message ({reason})") from e
    return message.as_bytes(policy=SMTP), warnings


def _headers(ole: "OleFileIO") -> EmailMessage:
    message = EmailMessage()
    kept = msg_text(ole, "", _TRANSPORT_HEADERS)
    if kept:
        for key, value in HeaderParser(policy=compat32).parsestr(kept).items():
            if key.lower() not in _BODY_HEADERS:
                message[key] = " ".join(str(value).split())
        if message["From"]:
            return message
        del message["From"]
    name, address = sender_of(ole)
    if address:
        message["From"] = formataddr((name, address))
    for header, prop_id in (("To", _DISPLAY_TO), ("Subject", _SUBJECT),
                            ("Message-ID", _MESSAGE_ID), ("In-Reply-To", _IN_REPLY_TO),
                            ("References", _REFERENCES)):  # fmt: skip
        value = msg_text(ole, "", prop_id)
        if value and header not in message:
            message[header] = " ".join(value.split())
    sent = _time(ole, _SENT) or _time(ole, _DELIVERED)
    if sent is not None and "Date" not in message:
        message["Date"] = format_datetime(sent)
    return message


def _set_body(ole: "OleFileIO", message: EmailMessage, name: str,
              warnings: list[str]) -> None:  # fmt: skip
    plain = msg_property(ole, "", _BODY)
    if isinstance(plain, str) and plain.strip():
        message.set_content(plain.replace("\r\n", "\n").strip("\x00"))
        return
    html = msg_property(ole, "", _HTML)
    if html:
        text = html if isinstance(html, str) else html.decode("utf-8", "replace")
        message.set_content(text.strip("\x00"), subtype="html")
        return
    if msg_property(ole, "", _RTF):
        warnings.append(f"{name}: its body is in rich text (RTF) only: not read")
    message.set_content("")


def _time(ole: "OleFileIO", prop_id: int) -> datetime | None:
    """A PT_SYSTIME property of the message (a FILETIME: 100 ns ticks since 1601)."""
    for tag, value in _fixed_properties(ole):
        if tag == (prop_id << 16 | _SYSTIME) and value:
            return _FILETIME_EPOCH + timedelta(microseconds=value // 10)
    return None


def _fixed_properties(ole: "OleFileIO") -> Iterator[tuple[int, int]]:
    if not ole.exists(_PROPERTIES):
        return
    data = ole.openstream(_PROPERTIES).read()
    for offset in range(_TOP_HEADER, len(data) - 15, 16):
        tag, _flags, value = struct.unpack_from("<IIQ", data, offset)
        yield tag, value
