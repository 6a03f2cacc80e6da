"""Raw bytes -> ParsedMessage: headers decoded, body text chosen, quotes and attachments split.

The tree is parsed with the ``compat32`` policy and headers are decoded here
(RFC 2047 words, raw 8-bit, folding, control characters) rather than through
``policy.default``: the default policy's header objects cost about a millisecond
per message and raise on some broken headers, where this never raises.

Text is never lost to a charset: the declared charset is tried, then UTF-8,
then a detected one (long texts only) and cp1252. ``return_path`` is '<>' for
the null reverse-path and None when there is no Return-Path header.

A forwarded message (a 'Forwarded message' marker, or an Outlook header block
under an 'FW:' subject) is what the sender submits, so its text joins
``new_text`` after the forwarder's own note; its quotes and signature join
``quoted_text`` and ``signature``, and ``forwarded_from`` names its author.
"""

import binascii
import codecs
import io
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.errors import MessageError
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from charset_normalizer import from_bytes

from intake.config import LimitsSettings
from intake.errors import ParseError
from intake.extract.kinds import KindRules, default_kind_rules
from intake.messages import Attachment, ParsedMessage
from intake.parse.attachments import (
    READERS,
    Reader,
    format_mb,
    make_attachment,
    register_reader,
    run_reader,
)
from intake.parse.html import MAX_HTML_CHARS, html_to_text
from intake.parse.quotes import find_forward, sender_text, split_reply, tidy, unflow
from intake.readers import READERS as DOCUMENT_READERS

_HEAD_SCAN = 65536
_FIELD_NAME = re.compile(rb"[!-9;-~]{1,76}:")
_ENCODED_WORD = re.compile(r"=\?([!->@-~]+)\?([bBqQ])\?([!->@-~]*)\?=")  # ASCII only
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SIMPLE_ADDRESS = re.compile(r'\s*([^"<>,;:@()\\]*?)\s*<([^<>@\s",;]+@[^<>@\s",;]+)>\s*')
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_READ_AS_CP1252 = ("ascii", "iso8859-1")  # codecs.lookup names
_WESTERN = ("ascii", "cp1252", "iso8859-1", "iso8859-15", "mac-roman", "cp850")
_NOT_TEXT_CODECS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
_CHARSET_ALIASES = {"ks_c_5601-1987": "cp949", "iso-8859-8-i": "iso-8859-8", "x-sjis": "shift_jis"}
_DETECT_MIN_NON_ASCII = 32
_ASCII_BYTES = bytes(range(128))
_MAX_DEPTH = 30
_PLACEHOLDER_MIN_HTML = 200  # characters of HTML text
_PLACEHOLDER_RATIO = 5  # the HTML text this many times longer than the plain text
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|]')
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _codec(charset: str | None) -> str | None:
    """A usable text codec for a declared charset, or None."""
    name = (charset or "").strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_TEXT_CODECS:
        return None
    return "cp1252" if info.name in _READ_AS_CP1252 else info.name


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, str | None]:
    """(text, warning): ``data`` decoded, never failing, by the declared charset when
    it fits, else UTF-8, else a guess; the warning says when the declaration was wrong.

    ASCII and latin-1 declarations are read as cp1252 (as browsers do), after UTF-8:
    valid UTF-8 with non-ASCII bytes is UTF-8 whatever the label says.
    """
    if data.isascii():
        return data.decode("ascii"), None
    declared = _codec(charset)
    tries = ["utf-8", "cp1252"] if declared == "cp1252" else [declared or "utf-8", "utf-8"]
    for codec in tries:
        try:
            text, used = data.decode(codec), codec
            break
        except UnicodeDecodeError:
            continue
    else:
        text, used = _guess(data)
    if charset and used != declared:
        return text, f"text declared as {charset} is not: read as {used}"
    return text, None


def _guess(data: bytes) -> tuple[str, str]:
    """Not UTF-8: a detected charset for long non-Western text, else cp1252."""
    non_ascii = len(data[:_HEAD_SCAN].translate(None, _ASCII_BYTES))
    if non_ascii >= _DETECT_MIN_NON_ASCII:
        best = from_bytes(data[:_HEAD_SCAN]).best()
        if best is not None and codecs.lookup(best.encoding).name not in _WESTERN:
            return data.decode(best.encoding, "replace"), best.encoding
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _word_bytes(encoding: str, payload: str) -> bytes:
    raw = payload.encode("ascii", "surrogateescape")
    try:
        if encoding in "bB":
            return binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
        return binascii.a2b_qp(raw, header=True)
    except (binascii.Error, ValueError):
        return raw


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded: the space between two words is dropped, and
    adjacent words of one charset are decoded together (a character may span them)."""
    pieces: list[str | tuple[str, bytes]] = []  # plain text, or (charset, encoded bytes)
    pos = 0
    for word in _ENCODED_WORD.finditer(value):
        gap = value[pos : word.start()]
        if gap and not (gap.isspace() and pieces and isinstance(pieces[-1], tuple)):
            pieces.append(gap)
        charset = word.group(1).split("*")[0].lower()  # RFC 2231 language tag dropped
        data = _word_bytes(word.group(2), word.group(3))
        last = pieces[-1] if pieces else None
        if isinstance(last, tuple) and last[0] == charset:
            pieces[-1] = (charset, last[1] + data)
        else:
            pieces.append((charset, data))
        pos = word.end()
    pieces.append(value[pos:])
    return "".join(p if isinstance(p, str) else decode_bytes(p[1], p[0])[0] for p in pieces)


def decode_header_value(raw: str) -> str:
    """One header value as text: unfolded, 8-bit and RFC 2047 decoded, controls removed."""
    value = _FOLD.sub("", raw)
    if not value.isascii():  # raw 8-bit bytes, kept by the parser as surrogates
        try:
            value = decode_bytes(value.encode("utf-8", "surrogateescape"))[0]
        except UnicodeEncodeError:  # a lone surrogate of another origin: never kept
            value = value.encode("utf-8", "replace").decode("utf-8")
    if "=?" in value:
        value = _decode_words(value)
    return " ".join(_CONTROL.sub(" ", value).split())


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(name, lower-cased address) pairs; a bare address is found even in broken headers."""
    pairs: list[tuple[str, str]] = []
    for value in values:
        unfolded = _FOLD.sub("", value)
        simple = _SIMPLE_ADDRESS.fullmatch(unfolded)
        if simple:  # the common 'Name <address>': spares the general parser
            pairs.append((decode_header_value(simple.group(1)), simple.group(2).lower()))
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


def _check_is_message(data: bytes, limits: LimitsSettings) -> None:
    """Raise ParseError for what cannot be read as a message at all."""
    if len(data) > limits.max_message_bytes:
        over = format_mb(limits.max_message_bytes)
        raise ParseError(f"message is {format_mb(len(data))}, over the {over} limit")
    head = data[:_HEAD_SCAN].lstrip(b"\r\n")
    if head.startswith(b"From "):
        head = head.partition(b"\n")[2]  # an mbox separator line
    if not head.strip():
        raise ParseError("empty message: no headers and no body")
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    if b"\x00" in block or not _FIELD_NAME.match(block):
        raise ParseError("not a mail message: it does not start with header lines")
    names = {m.group(1).lower() for m in re.finditer(rb"^([!-9;-~]+):", block, re.MULTILINE)}
    if not names & {b"from", b"to", b"subject", b"date", b"message-id", b"received"}:
        raise ParseError("not a mail message: no From, To, Subject, Date or Message-ID header")


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    """Raw values by lower-cased name: the parser's own accessors would turn raw 8-bit
    bytes into replacement characters before they could be decoded here."""
    raw: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        raw.setdefault(name.strip().lower(), []).append(str(value))
    return raw


def _read_headers(msg: Message) -> ParsedMessage:
    raw = _raw_headers(msg)

    def first(name: str) -> str:
        return raw.get(name, [""])[0]

    warnings: list[str] = []
    senders = _addresses(raw.get("from", []))
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
        to=[a for _, a in _addresses(raw.get("to", []))],
        date=_date(decode_header_value(first("date")), warnings),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=list(dict.fromkeys(_message_ids(" ".join(raw.get("references", []))))),
        headers={k: "\n".join(decode_header_value(v) for v in vs) for k, vs in raw.items()},
        content_type=msg.get_content_type(),
        warnings=warnings,
    )


def _join(*texts: str) -> str:
    return "\n\n".join(t for t in texts if t)


def _split_text(parsed: ParsedMessage, rules: KindRules) -> None:
    """new/quoted/signature, reading a forwarded message as the submitted content."""
    forward = find_forward(parsed.body_text, parsed.subject, rules)
    if forward is None:
        parsed.new_text, parsed.quoted_text, parsed.signature = split_reply(parsed.body_text, rules)
        return
    note, original = split_reply(forward.note, rules), split_reply(forward.body, rules)
    parsed.forwarded_from = forward.sender
    parsed.new_text = _join(note[0], original[0])
    parsed.quoted_text = _join(note[1], original[1])
    parsed.signature = _join(note[2], original[2])


def _parse_tree(data: bytes) -> Message:
    """The MIME tree; a tree nested too deeply for the parser keeps its headers only,
    and its body is then read as plain text (see ``_collect``)."""
    parser = BytesParser(policy=compat32)
    try:
        return parser.parsebytes(data)
    except RecursionError:
        return parser.parsebytes(data, headersonly=True)
    except (ValueError, TypeError, LookupError) as e:
        raise ParseError(f"not readable as MIME: {type(e).__name__}: {e}") from e


@dataclass
class _Body:
    """What a walk of the MIME tree found: body texts and the parts that are attachments."""

    texts: list[str] = field(default_factory=list)
    from_html: bool = False
    parts: list[tuple[Message, str]] = field(default_factory=list)  # (part, default filename)
    warnings: list[str] = field(default_factory=list)

    def add(self, other: "_Body") -> None:
        self.texts += other.texts
        self.from_html = self.from_html or other.from_html
        self.parts += other.parts
        self.warnings += other.warnings


def _as_bytes(msg: Message) -> bytes:
    """A nested message as bytes; when the generator refuses its headers, written out
    by hand (headers as received, then the body) so the headers are never lost."""
    buffer = io.BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, policy=compat32).flatten(msg)
    except (MessageError, LookupError, ValueError, TypeError, UnicodeError, RecursionError):
        head = "".join(f"{name}: {value}\n" for name, value in msg.raw_items())
        body = msg.get_payload()
        text = f"{head}\n{body if isinstance(body, str) else ''}"
        return text.encode("utf-8", "surrogateescape")
    return buffer.getvalue()


def _part_bytes(part: Message) -> bytes:
    payload = part.get_payload() if part.is_multipart() else part.get_payload(decode=True)
    if isinstance(payload, list):  # message/rfc822, message/delivery-status
        return b"\n".join(_as_bytes(m) for m in payload if isinstance(m, Message))
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return payload if isinstance(payload, bytes) else b""


def _filename(part: Message, default: str) -> str:
    try:
        raw = part.get_filename() or part.get_param("name") or ""
    except (ValueError, LookupError, TypeError):
        raw = ""
    name = decode_header_value(str(raw)).replace("\\", "/").rpartition("/")[2].strip(" .")
    return name or default


def _default_name(part: Message, index: int) -> str:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        subject = decode_header_value(_raw_headers(_nested(part)).get("subject", [""])[0])[:60]
        return f"{_UNSAFE_NAME.sub(' ', subject).strip() or 'message'}.eml"
    names = {"message/delivery-status": "delivery-status.txt", "text/rfc822-headers": "headers.txt"}
    return names.get(ctype) or f"part{index}{mimetypes.guess_extension(ctype) or '.bin'}"


def _nested(part: Message) -> Message:
    payload = part.get_payload()
    first = payload[0] if isinstance(payload, list) and payload else None
    return first if isinstance(first, Message) else Message()


def _text_of(part: Message) -> _Body:
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    text, warning = decode_bytes(raw, part.get_content_charset())
    body = _Body(warnings=[warning] if warning else [])
    if str(part.get_param("format", "")).lower() == "flowed":
        text = unflow(text.replace("\r\n", "\n"), str(part.get_param("delsp", "")) == "yes")
    if part.get_content_subtype() == "html":
        if len(text) > MAX_HTML_CHARS:
            body.warnings.append(f"HTML body over {MAX_HTML_CHARS} characters: the rest not read")
        text, body.from_html = html_to_text(text), True
    body.texts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    return body


def _is_body_text(part: Message) -> bool:
    if part.get_content_type() not in ("text/plain", "text/html"):
        return False
    return part.get_content_disposition() != "attachment" and not _filename(part, "")


def _alternative(choices: list[_Body]) -> _Body:
    """multipart/alternative: the plain text unless it is empty, else the HTML.

    A plain part far shorter than the HTML one is a placeholder ('view this message
    in a browser') that some systems send: the HTML is read then.
    """
    filled = [c for c in choices if "".join(c.texts).strip()]
    plain = next((c for c in filled if not c.from_html), None)
    html = next((c for c in filled if c.from_html), None)
    if plain and html and _is_placeholder(_length(plain), _length(html)):
        return html
    return plain or html or (choices or [_Body()])[0]


def _length(body: _Body) -> int:
    return sum(len(t.strip()) for t in body.texts)


def _is_placeholder(plain_length: int, html_length: int) -> bool:
    return html_length >= _PLACEHOLDER_MIN_HTML and plain_length * _PLACEHOLDER_RATIO < html_length


def _collect(part: Message, depth: int = 0) -> _Body:
    """Walk the tree: body texts in order, everything else as attachment parts."""
    if depth > _MAX_DEPTH:
        return _Body(warnings=[f"MIME parts nested deeper than {_MAX_DEPTH}: the rest not read"])
    ctype = part.get_content_type()
    if ctype.startswith("message/") and depth:
        return _Body(parts=[(part, _default_name(part, depth))])
    if not part.is_multipart():
        if _is_body_text(part):
            return _text_of(part)
        if not depth and ctype.startswith(("multipart/", "message/")):
            body = _text_of(part)
            body.warnings.append(f"{ctype} whose parts cannot be read: read as plain text")
            return body
        return _Body(parts=[(part, _default_name(part, depth))])
    subparts = [p for p in part.get_payload() if isinstance(p, Message)]
    if ctype == "multipart/alternative":
        return _alternative([_collect(p, depth + 1) for p in subparts])
    body = _Body()
    if ctype == "multipart/encrypted":
        body.warnings.append("encrypted message: its content cannot be read")
    for index, sub in enumerate(subparts):
        if index and ctype in ("multipart/report", "multipart/related"):
            body.parts.append((sub, _default_name(sub, index)))  # report data, inline images
        else:
            body.add(_collect(sub, depth + 1))
    return body


def _read_attachments(
    parsed: ParsedMessage, body: _Body, limits: LimitsSettings, readers: Mapping[str, Reader]
) -> None:
    for part, default in body.parts:
        declared = part.get_content_type()
        sniffed = "eml" if declared == "message/rfc822" else None
        attachment, warning = make_attachment(
            _filename(part, default), declared, _part_bytes(part), limits, sniffed
        )
        if warning:
            parsed.warnings.append(warning)
        run_reader(attachment, limits, readers)
        parsed.attachments.append(attachment)


def read_eml(attachment: Attachment, limits: LimitsSettings) -> None:
    """Built-in reader: an attached message's text is its body."""
    body = _collect(_parse_tree(attachment.data))
    attachment.text = tidy(body.texts)
    attachment.warnings.extend(body.warnings)


def read_text(attachment: Attachment, limits: LimitsSettings) -> None:
    """Built-in reader for text and HTML attachments."""
    text, warning = decode_bytes(attachment.data)
    attachment.text = html_to_text(text) if attachment.sniffed_type == "html" else text
    attachment.warnings.extend([warning] if warning else [])


register_reader("eml", read_eml)
register_reader("text", read_text)
register_reader("html", read_text)


def _forwarded_as_attachment(parsed: ParsedMessage, rules: KindRules) -> str | None:
    """The author of a message forwarded as an attached .eml (Outlook's 'forward as attachment')."""
    if not rules.forwards.subject_prefix.match(parsed.subject.strip()):
        return None
    for attachment in parsed.attachments:
        if attachment.sniffed_type == "eml" and attachment.data:
            head = BytesParser(policy=compat32).parsebytes(attachment.data, headersonly=True)
            senders = _addresses(_raw_headers(head).get("from", []))
            if senders:
                return sender_text(f"{senders[0][0]} <{senders[0][1]}>")
    return None


def parse_message(
    data: bytes,
    limits: LimitsSettings,
    kinds: KindRules | None = None,
    *,
    readers: Mapping[str, Reader] | None = None,
) -> ParsedMessage:
    """Read one RFC 5322 message; ParseError only when it is not a message at all.

    ``kinds`` defaults to the project's rules/kinds.yaml; ``readers`` (sniffed
    type -> reader) are used besides those registered with ``register_reader``, which
    themselves come before the project's document readers (PDF, Word, Excel, CSV).
    """
    _check_is_message(data, limits)
    msg = _parse_tree(data)
    parsed = _read_headers(msg)
    body = _collect(msg)
    parsed.body_text = _BODY_CONTROL.sub("", tidy(body.texts))
    parsed.warnings.extend(body.warnings)
    rules = kinds or default_kind_rules()
    _split_text(parsed, rules)
    _read_attachments(parsed, body, limits, {**DOCUMENT_READERS, **READERS, **(readers or {})})
    if parsed.forwarded_from is None:
        parsed.forwarded_from = _forwarded_as_attachment(parsed, rules)
    return parsed
