"""The MIME of an outgoing reply: the same OutgoingReply always yields the same bytes.

Loop prevention, in order of weight:

- ``Auto-Submitted: auto-replied`` (RFC 3834): the standard signal; well-behaved
  responders do not answer it.
- ``X-Auto-Response-Suppress: All``: Exchange and Outlook honour only this, so
  their out-of-office replies are not sent back to us.
- ``Precedence: auto_reply``: not standard, but read by many vacation programs
  (and by our own classifier) that predate RFC 3834; harmless to others.

The bytes are assembled here rather than by ``email.generator``: this runs for every
reply, and the generator cost five times more than the rest of the reply together.
The layout is the one the generator wrote (compat32, CRLF, lines up to 998).
"""

import binascii
import hashlib
import re
import secrets
from datetime import UTC
from email.policy import compat32
from email.quoprimime import header_encode
from email.utils import format_datetime, formataddr, getaddresses

from intake.reply import OutgoingReply

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
# An address that getaddresses() and formataddr() give back unchanged (what
# policy.reply_address returns), so the common case skips the address parser.
_PLAIN_ADDRESS = re.compile(r"[\w%+'-]+(?:\.[\w%+'-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*", re.A)
# Longer header lines are folded as the generator folds them (RFC 5322 §2.1.1).
_MAX_LINE = 998
_POLICY = compat32.clone(linesep="\r\n", max_line_length=_MAX_LINE)
_Q_START = "=?utf-8?q?"
# RFC 2047 §2: an encoded-word is at most 75 characters, "=?utf-8?q?" and "?=" included.
_WORD_TEXT = 75 - len(_Q_START) - 2
_LOOP_HEADERS = (
    "Auto-Submitted: auto-replied\r\n"
    "X-Auto-Response-Suppress: All\r\n"
    "Precedence: auto_reply\r\n"
    "Content-Language: en-GB\r\n"
)
_QP = b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
_TEXT_PART = b'Content-Type: text/plain; charset="utf-8"\r\n' + _QP
_HTML_PART = b'Content-Type: text/html; charset="utf-8"\r\n' + _QP


_ID_SAFE = re.compile(r"[A-Za-z0-9-]{1,40}")


def new_message_id(domain: str, reference: str | None = None) -> str:
    """A fresh, unguessable Message-ID such as ``<SS-2026-00042.3f2a...@local.gov.uk>``.

    With the submission's reference in it, a council's reply names the submission in
    its threading headers even when its subject has lost the reference.
    """
    domain = domain.strip().strip("@")
    if not domain or any(c in domain for c in "<>@ "):
        raise ValueError(f"not a domain for a Message-ID: {domain!r}")
    tag = f"{reference}." if reference and _ID_SAFE.fullmatch(reference) else ""
    return f"<{tag}{secrets.token_hex(16)}@{domain}>"


def references_for(reply: OutgoingReply) -> list[str]:
    """RFC 5322 §3.6.4: the parent's References followed by the parent's Message-ID.

    ``reply.references`` may or may not already end with ``in_reply_to``; each id
    appears once, in order.
    """
    ids = [m for ref in reply.references for m in _MESSAGE_ID.findall(ref)]
    if reply.in_reply_to:
        ids += _MESSAGE_ID.findall(reply.in_reply_to)
    return list(dict.fromkeys(ids))


def _boundary(message_id: str) -> str:
    return "=_intake_" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]


def build_mime(reply: OutgoingReply) -> bytes:
    """multipart/alternative (plain text, then HTML), UTF-8 quoted-printable, CRLF."""
    boundary = _boundary(reply.message_id)
    date = reply.date if reply.date.tzinfo else reply.date.replace(tzinfo=UTC)
    references = references_for(reply)
    head = "".join(
        (
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n',
            "MIME-Version: 1.0\r\n",
            _header_line("From", formataddr((reply.from_name, reply.from_address), "utf-8")),
            _header_line("To", _recipients(reply.to)),
            _header_line("Subject", reply.subject),
            f"Date: {format_datetime(date)}\r\n",
            _header_line("Message-ID", reply.message_id),
            _header_line("In-Reply-To", reply.in_reply_to) if reply.in_reply_to else "",
            _header_line("References", " ".join(references)) if references else "",
            _LOOP_HEADERS,
        )
    )
    delimiter = f"\r\n--{boundary}\r\n".encode("ascii")
    return b"".join(
        (
            head.encode("ascii"),
            delimiter,
            _TEXT_PART,
            _quoted_printable(reply.text),
            delimiter,
            _HTML_PART,
            _quoted_printable(reply.html),
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        )
    )


def _header_line(name: str, value: str) -> str:
    """``Name: value`` + CRLF; unusual values go through the generator's own folding."""
    if not value.isascii():  # the subject, or an odd thread id: From and To come encoded
        return f"{name}: {_encoded_words(value)}\r\n"
    if not value.isprintable():
        # A line break would end the header, and what follows could pass for another.
        value = " ".join(value.splitlines())
    if value.isprintable() and len(name) + len(value) + 2 <= _MAX_LINE:
        return f"{name}: {value}\r\n"
    return _POLICY.fold(name, value)


def _recipients(to: str) -> str:
    if _PLAIN_ADDRESS.fullmatch(to):
        return to
    return ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([to]))


def _encoded_words(value: str) -> str:
    """RFC 2047 Q encoded-words for a non-ASCII value, folded between words.

    ``email.header.Header`` does the same at many times the cost. A header cannot
    carry a line break: each becomes a space, as it did through ``Header``.
    """
    text = header_encode(" ".join(value.splitlines()).encode("utf-8"), "utf-8")
    text = text[len(_Q_START) : -2]
    words = []
    while len(text) > _WORD_TEXT:
        cut = _WORD_TEXT
        # Each word must hold whole characters (RFC 2047 §5): never cut inside an
        # "=XX" or before a UTF-8 continuation byte (=80 to =BF).
        while text[cut - 1] == "=" or text[cut - 2] == "=" or _continues(text, cut):
            cut -= 1
        words.append(text[:cut])
        text = text[cut:]
    words.append(text)
    # Whitespace between encoded-words is not part of the text (RFC 2047 §6.2).
    return "\r\n ".join(f"{_Q_START}{word}?=" for word in words)


def _continues(text: str, at: int) -> bool:
    return text[at] == "=" and text[at + 1] in "89AB"


def _quoted_printable(text: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends, always ending in a line break."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    if b"=20\n" in encoded or b"=09\n" in encoded:  # an encoded trailing space or tab
        encoded = _shorten(encoded)
    return encoded.replace(b"\n", b"\r\n")


def _shorten(encoded: bytes) -> bytes:
    """Break lines that b2a_qp leaves at 77-78 characters.

    It writes a line's trailing space or tab as ``=20``/``=09`` after the length
    check, so a full line can end three characters long; a soft break before that
    last token restores the 76-character limit (RFC 2045 §6.7).
    """
    lines = encoded.split(b"\n")
    for i, line in enumerate(lines):
        if len(line) > 76:
            lines[i] = line[:-3] + b"=\n" + line[-3:]
    return b"\n".join(lines)
