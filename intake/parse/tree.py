"""Walking the MIME tree: which parts are the body text, and which are attachments.

A multipart/alternative gives its plain text unless that is empty or a mere
placeholder for the HTML; HTML is turned into clean text. Nested messages,
report data and inline images are attachment parts. A tree nested too deeply
for the parser keeps its headers only, and its body is then read as plain text.
"""

import io
import mimetypes
import re
from dataclasses import dataclass, field
from email.errors import MessageError
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from intake.errors import ParseError
from intake.parse.charset import decode_bytes, decode_header_value
from intake.parse.headers import raw_headers
from intake.parse.html import MAX_HTML_CHARS, html_to_text
from intake.parse.quotes import unflow

_MAX_DEPTH = 30
_PLACEHOLDER_MIN_HTML = 200  # characters of HTML text
_PLACEHOLDER_RATIO = 5  # the HTML text this many times longer than the plain text
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|]')


def parse_tree(data: bytes) -> Message:
    """The MIME tree; a tree nested too deeply for the parser keeps its headers only,
    and its body is then read as plain text (see ``collect``)."""
    parser = BytesParser(policy=compat32)
    try:
        return parser.parsebytes(data)
    except RecursionError:
        return parser.parsebytes(data, headersonly=True)
    except (ValueError, TypeError, LookupError) as e:
        raise ParseError(f"not readable as MIME: {type(e).__name__}: {e}") from e


@dataclass
class Body:
    """What a walk of the MIME tree found: body texts and the parts that are attachments."""

    texts: list[str] = field(default_factory=list)
    from_html: bool = False
    parts: list[tuple[Message, str]] = field(default_factory=list)  # (part, default filename)
    warnings: list[str] = field(default_factory=list)

    def add(self, other: "Body") -> None:
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


def part_bytes(part: Message) -> bytes:
    payload = part.get_payload() if part.is_multipart() else part.get_payload(decode=True)
    if isinstance(payload, list):  # message/rfc822, message/delivery-status
        return b"\n".join(_as_bytes(m) for m in payload if isinstance(m, Message))
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return payload if isinstance(payload, bytes) else b""


def part_filename(part: Message, default: str) -> str:
    try:
        raw = part.get_filename() or part.get_param("name") or ""
    except (ValueError, LookupError, TypeError):
        raw = ""
    name = decode_header_value(str(raw)).replace("\\", "/").rpartition("/")[2].strip(" .")
    return name or default


def _default_name(part: Message, index: int) -> str:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        subject = decode_header_value(raw_headers(_nested(part)).get("subject", [""])[0])[:60]
        return f"{_UNSAFE_NAME.sub(' ', subject).strip() or 'message'}.eml"
    names = {"message/delivery-status": "delivery-status.txt", "text/rfc822-headers": "headers.txt"}
    return names.get(ctype) or f"part{index}{mimetypes.guess_extension(ctype) or '.bin'}"


def _nested(part: Message) -> Message:
    payload = part.get_payload()
    first = payload[0] if isinstance(payload, list) and payload else None
    return first if isinstance(first, Message) else Message()


def _text_of(part: Message, ctype: str) -> Body:
    """The text of a leaf part whose content type (``part.get_content_type()``) is ``ctype``."""
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    text, warning = decode_bytes(raw, part.get_content_charset())
    body = Body(warnings=[warning] if warning else [])
    if str(part.get_param("format", "")).lower() == "flowed":
        text = unflow(text.replace("\r\n", "\n"), str(part.get_param("delsp", "")) == "yes")
    if ctype.split("/")[1] == "html":
        if len(text) > MAX_HTML_CHARS:
            body.warnings.append(f"HTML body over {MAX_HTML_CHARS} characters: the rest not read")
        text, body.from_html = html_to_text(text), True
    body.texts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    return body


def _is_body_text(part: Message, ctype: str) -> bool:
    if ctype not in ("text/plain", "text/html"):
        return False
    return part.get_content_disposition() != "attachment" and not part_filename(part, "")


def _alternative(choices: list[Body]) -> Body:
    """multipart/alternative: the plain text unless it is empty, else the HTML.

    A plain part far shorter than the HTML one is a placeholder ('view this message
    in a browser') that some systems send: the HTML is read then.
    """
    filled = [c for c in choices if "".join(c.texts).strip()]
    plain = next((c for c in filled if not c.from_html), None)
    html = next((c for c in filled if c.from_html), None)
    if plain and html and _is_placeholder(_length(plain), _length(html)):
        return html
    return plain or html or (choices or [Body()])[0]


def _length(body: Body) -> int:
    return sum(len(t.strip()) for t in body.texts)


def _is_placeholder(plain_length: int, html_length: int) -> bool:
    return html_length >= _PLACEHOLDER_MIN_HTML and plain_length * _PLACEHOLDER_RATIO < html_length


def collect(part: Message, depth: int = 0) -> Body:
    """Walk the tree: body texts in order, everything else as attachment parts."""
    if depth > _MAX_DEPTH:
        return Body(warnings=[f"MIME parts nested deeper than {_MAX_DEPTH}: the rest not read"])
    ctype = part.get_content_type()
    if ctype.startswith("message/") and depth:
        return Body(parts=[(part, _default_name(part, depth))])
    if not part.is_multipart():
        if _is_body_text(part, ctype):
            return _text_of(part, ctype)
        if not depth and ctype.startswith(("multipart/", "message/")):
            body = _text_of(part, ctype)
            body.warnings.append(f"{ctype} whose parts cannot be read: read as plain text")
            return body
        return Body(parts=[(part, _default_name(part, depth))])
    subparts = [p for p in part.get_payload() if isinstance(p, Message)]
    if ctype == "multipart/alternative":
        return _alternative([collect(p, depth + 1) for p in subparts])
    body = Body()
    if ctype == "multipart/encrypted":
        body.warnings.append("encrypted message: its content cannot be read")
    for index, sub in enumerate(subparts):
        if index and ctype in ("multipart/report", "multipart/related"):
            body.parts.append((sub, _default_name(sub, index)))  # report data, inline images
        else:
            body.add(collect(sub, depth + 1))
    return body
