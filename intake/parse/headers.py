"""A message's header block: whether it is a message at all, and its decoded fields.

Headers are read from the raw items of a ``compat32`` tree and decoded by
``intake.parse.charset`` rather than through ``policy.default``: the default
policy's header objects cost about a millisecond per message and raise on some
broken headers, where this never raises. ``return_path`` is '<>' for the null
reverse-path and None when there is no Return-Path header.
"""

import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from intake.config import LimitsSettings
from intake.errors import ParseError
from intake.messages import ParsedMessage
from intake.parse.attachments import format_mb
from intake.parse.charset import FOLD, decode_header_value

_HEAD_SCAN = 65536
_FIELD_NAME = re.compile(rb"[!-9;-~]{1,76}:")
_FIELD_NAMES = re.compile(rb"^([!-9;-~]+):", re.MULTILINE)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_SIMPLE_ADDRESS = re.compile(r'\s*([^"<>,;:@()\\]*?)\s*<([^<>@\s",;]+@[^<>@\s",;]+)>\s*')
# a lone plain address ('To: sharedservices@local.gov.uk'), which the general parser
# returns unchanged
_BARE_ADDRESS = re.compile(
    r"[ \t]*([A-Za-z0-9+'_-]+(?:\.[A-Za-z0-9+'_-]+)*@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)[ \t]*"
)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(name, lower-cased address) pairs; a bare address is found even in broken headers."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        unfolded = FOLD.sub("", value)
        simple = _SIMPLE_ADDRESS.fullmatch(unfolded)
        if simple:  # the common 'Name <address>': spares the general parser
            pairs.append((decode_header_value(simple.group(1)), simple.group(2).lower()))
            continue
        bare = _BARE_ADDRESS.fullmatch(unfolded)
        if bare:
            pairs.append(("", bare.group(1).lower()))
            continue
        try:
            found = getaddresses([unfolded])
        except (ValueError, IndexError):
            found = []
        valid = [(n, a.strip()) for n, a in found if _EMAIL.fullmatch(a.strip())]
        pairs += [(decode_header_value(name), address.lower()) for name, address in valid]
        bare = None if valid else _EMAIL.search(unfolded)
        if bare:
            pairs.append(("", bare.group(0).lower()))
    return pairs


def _message_ids(value: str) -> list[str]:
    ids = _MESSAGE_ID.findall(value)
    bare = value.strip()
    return ids or ([f"<{bare.strip('<>')}>"] if bare and " " not in bare else [])


def _date(value: str | None, warnings: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        warnings.append(f"unreadable Date header: {value[:60]}")
        return None
    return date if date.tzinfo else date.replace(tzinfo=UTC)


def _return_path(values: list[str]) -> str | None:
    if not values:
        return None
    found = _EMAIL.search(values[0])
    return found.group(0).lower() if found else "<>"


def check_is_message(data: bytes, limits: LimitsSettings) -> None:
    """Raise ParseError for what cannot be read as a message at all."""
    if len(data) > limits.max_message_bytes:
        over = format_mb(limits.max_message_bytes)
        raise ParseError(f"message is {format_mb(len(data))}, over the {over} limit")
    head = data[:_HEAD_SCAN].lstrip(b"\r\n")
    if head.startswith(b"From "):
        head = head.partition(b"\n")[2]  # an mbox separator line
    if not head.strip():
        raise ParseError("empty message: no headers and no body")
    block = _BLANK_LINE.split(head, maxsplit=1)[0]
    if b"\x00" in block or not _FIELD_NAME.match(block):
        raise ParseError("not a mail message: it does not start with header lines")
    names = {name.lower() for name in _FIELD_NAMES.findall(block)}
    if not names & {b"from", b"to", b"subject", b"date", b"message-id", b"received"}:
        raise ParseError("not a mail message: no From, To, Subject, Date or Message-ID header")


def raw_headers(msg: Message) -> dict[str, list[str]]:
    """Raw values by lower-cased name: the parser's own accessors would turn raw 8-bit
    bytes into replacement characters before they could be decoded here."""
    raw: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        raw.setdefault(name.strip().lower(), []).append(str(value))
    return raw


def read_headers(msg: Message) -> ParsedMessage:
    raw = raw_headers(msg)

    def first(name: str) -> str:
        return raw.get(name, [""])[0]

    warnings: list[str] = []
    senders = addresses(raw.get("from", []))
    if not senders:
        warnings.append("no sender address in From")
    name, address = senders[0] if senders else ("", None)
    in_reply_to = _message_ids(first("in-reply-to"))
    return ParsedMessage(
        message_id=next(iter(_message_ids(first("message-id"))), None),
        subject=decode_header_value(first("subject")),
        from_name=name or None,
        from_email=address,
        return_path=_return_path(raw.get("return-path", [])),
        to=[a for _, a in addresses(raw.get("to", []))],
        date=_date(decode_header_value(first("date")), warnings),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=list(dict.fromkeys(_message_ids(" ".join(raw.get("references", []))))),
        headers={k: "\n".join(decode_header_value(v) for v in vs) for k, vs in raw.items()},
        content_type=msg.get_content_type(),
        warnings=warnings,
    )
