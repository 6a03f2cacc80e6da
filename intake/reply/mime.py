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
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

# Message-IDs are long; folding them would make In-Reply-To lines that some clients misread.
REPLY_POLICY = SMTP.clone(max_line_length=998)
from email.utils import format_datetime

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


def build_mime(reply: OutgoingReply) -> bytes:
    """multipart/alternative (plain text, then HTML), UTF-8, CRLF line endings."""
    msg = EmailMessage(policy=REPLY_POLICY)
    msg["From"] = Address(display_name=reply.from_name, addr_spec=reply.from_address)
    msg["To"] = reply.to
    msg["Subject"] = reply.subject
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
    msg.set_content(_with_final_newline(reply.text), charset="utf-8", cte="quoted-printable")
    msg.add_alternative(
        _with_final_newline(reply.html), subtype="html", charset="utf-8", cte="quoted-printable"
    )
    msg.set_boundary(_boundary(reply.message_id))
    msg["Content-Language"] = "en-GB"  # after set_content, which drops Content-* headers
    return msg.as_bytes()


def _with_final_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"
