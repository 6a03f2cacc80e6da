"""The MIME of an outgoing reply: the same OutgoingReply always yields the same bytes.

Loop prevention, in order of weight:

- ``Auto-Submitted: auto-replied`` (RFC 3834): the standard signal; well-behaved
  responders do not answer it.
- ``X-Auto-Response-Suppress: All``: Exchange and Outlook honour only this, so
  their out-of-office replies are not sent back to us.
- ``Precedence: auto_reply``: not standard, but read by many vacation programs
  (and by our own classifier) that predate RFC 3834; harmless to others.
"""

import hashlib
import re
import secrets
from datetime import UTC
from email import charset as charsets
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, getaddresses

from intake.reply import OutgoingReply

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def new_message_id(domain: str) -> str:
    """A fresh, unguessable Message-ID such as ``<3f2a...@local.gov.uk>``."""
    domain = domain.strip().strip("@")
    if not domain or any(c in domain for c in "<>@ "):
        raise ValueError(f"not a domain for a Message-ID: {domain!r}")
    return f"<{secrets.token_hex(16)}@{domain}>"


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


# UTF-8 bodies as quoted-printable: readable in any client, safe through any relay.
_QP_UTF8 = charsets.Charset("utf-8")
_QP_UTF8.body_encoding = charsets.QP
# Message-IDs are long; folding them would make In-Reply-To lines some clients misread.
_POLICY = compat32.clone(linesep="\r\n", max_line_length=998)


def _header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def _part(text: str, subtype: str) -> MIMEText:
    part = MIMEText(_with_final_newline(text), subtype, _charset=_QP_UTF8)  # type: ignore[arg-type]
    del part["MIME-Version"]
    return part


def build_mime(reply: OutgoingReply) -> bytes:
    """multipart/alternative (plain text, then HTML), UTF-8, CRLF line endings.

    Built with the classic ``email.mime`` classes: this runs for every reply, and the
    header registry of ``EmailMessage`` costs several times more for the same bytes.
    """
    msg = MIMEMultipart("alternative", boundary=_boundary(reply.message_id), policy=_POLICY)
    msg["From"] = formataddr((reply.from_name, reply.from_address), charset="utf-8")
    msg["To"] = ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([reply.to]))
    msg["Subject"] = _header(reply.subject)
    date = reply.date if reply.date.tzinfo else reply.date.replace(tzinfo=UTC)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = reply.message_id
    if reply.in_reply_to:
        msg["In-Reply-To"] = reply.in_reply_to
    references = references_for(reply)
    if references:
        msg["References"] = " ".join(references)
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["Precedence"] = "auto_reply"
    msg["Content-Language"] = "en-GB"
    msg.attach(_part(reply.text, "plain"))
    msg.attach(_part(reply.html, "html"))
    return msg.as_bytes(policy=_POLICY)


def _with_final_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
