"""Raw bytes -> ParsedMessage: headers decoded, body text chosen, quotes and attachments split.

The stages live in their own modules: ``charset`` (bytes and header values to
text), ``headers`` (the header block), ``tree`` (walking the MIME tree into body
text and attachment parts) and ``attachments`` (sniffing and the reader registry).

A forwarded message (a 'Forwarded message' marker, or an Outlook header block
under an 'FW:' subject) is what the sender submits, so its text joins
``new_text`` after the forwarder's own note; its quotes and signature join
``quoted_text`` and ``signature``, and ``forwarded_from`` names its author.

The files inside an Outlook winmail.dat or attached .msg become attachments of the
message, each read in turn; a winmail.dat's body is the message's body when the
message has no other.
"""

import re
from collections.abc import Mapping
from dataclasses import replace
from email.parser import BytesParser
from email.policy import compat32

from intake.config import LimitsSettings
from intake.extract.kinds import KindRules, default_kind_rules
from intake.messages import Attachment, ParsedMessage
from intake.parse.attachments import READERS, Reader, make_attachment, register_reader, run_reader
from intake.parse.charset import decode_bytes, decode_header_value
from intake.parse.headers import addresses, check_is_message, raw_headers, read_headers
from intake.parse.html import html_to_text
from intake.parse.quotes import find_forward, sender_text, split_reply, tidy
from intake.parse.tree import Body, collect, parse_tree, part_bytes, part_filename
from intake.readers import READERS as DOCUMENT_READERS
from intake.readers.archive import read_zip
from intake.readers.outlook import msg_sender, read_msg, read_tnef

__all__ = ["decode_bytes", "decode_header_value", "parse_message", "read_eml", "read_text"]

_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTAINER_TYPES = ("tnef",)  # attachments whose text is the message's own body
_MAX_CONTAINER_DEPTH = 3  # a winmail.dat inside a winmail.dat inside ...
_MAX_FORWARDS = 5  # forwards of forwards read through to the original


def _join(*texts: str) -> str:
    return "\n\n".join(t for t in texts if t)


def _split_text(parsed: ParsedMessage, rules: KindRules) -> None:
    """new/quoted/signature, reading a forwarded message as the submitted content."""
    forward = find_forward(parsed.body_text, parsed.subject, rules)
    if forward is None:
        parsed.new_text, parsed.quoted_text, parsed.signature = split_reply(parsed.body_text, rules)
        return
    notes = [forward.note]
    # "FW: Fwd: ...": a forward of a forward; the innermost is the original message
    while len(notes) < _MAX_FORWARDS and (inner := find_forward(forward.body, "", rules)):
        notes.append(inner.note)
        forward = inner if inner.sender else replace(inner, sender=forward.sender)
    parts = [split_reply(text, rules) for text in (*notes, forward.body)]
    parsed.forwarded_from = forward.sender
    parsed.new_text = _join(*(part[0] for part in parts))
    parsed.quoted_text = _join(*(part[1] for part in parts))
    parsed.signature = _join(*(part[2] for part in parts))


def _read_attachments(
    parsed: ParsedMessage, body: Body, limits: LimitsSettings, readers: Mapping[str, Reader]
) -> None:
    for part, default in body.parts:
        declared = part.get_content_type()
        sniffed = "eml" if declared == "message/rfc822" else None
        name = part_filename(part, default)
        _add_attachment(parsed, (name, declared, part_bytes(part), sniffed), limits, readers, 0)


def _add_attachment(
    parsed: ParsedMessage,
    file: tuple[str, str, bytes, str | None],  # filename, declared type, data, sniffed type
    limits: LimitsSettings,
    readers: Mapping[str, Reader],
    depth: int,
) -> None:
    """Read one attachment, then the files it holds (a winmail.dat's), each in turn."""
    attachment, warning = make_attachment(*file[:3], limits, file[3])
    if warning:
        parsed.warnings.append(warning)
    contained = run_reader(attachment, limits, readers)
    parsed.attachments.append(attachment)
    if contained and depth >= _MAX_CONTAINER_DEPTH:
        attachment.warnings.append(f"{attachment.filename}: files nested too deeply: not read")
        return
    for inner in contained:
        inner_file = (inner.filename, inner.content_type, inner.data, None)
        _add_attachment(parsed, inner_file, limits, readers, depth + 1)


def _adopt_container_body(parsed: ParsedMessage) -> None:
    """A winmail.dat's body is the message's own: it is the body when the message has
    none, and is not read twice (as an attachment too) when it repeats the body."""
    for attachment in parsed.attachments:
        if attachment.sniffed_type not in _CONTAINER_TYPES or not attachment.text:
            continue
        if not parsed.body_text.strip():
            parsed.body_text = _BODY_CONTROL.sub("", attachment.text)
            attachment.text = ""
        elif _words(attachment.text) <= _words(parsed.body_text):
            attachment.text = ""


def _words(text: str) -> set[str]:
    return set(text.lower().split())


def read_eml(attachment: Attachment, limits: LimitsSettings) -> None:
    """Built-in reader: an attached message's text is its body."""
    body = collect(parse_tree(attachment.data))
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
register_reader("tnef", read_tnef)
register_reader("msg", read_msg)
register_reader("zip", read_zip)


def _forwarded_as_attachment(parsed: ParsedMessage, rules: KindRules) -> str | None:
    """The author of a message forwarded as an attached .eml or .msg (Outlook's 'forward
    as attachment')."""
    if not rules.forwards.subject_prefix.match(parsed.subject.strip()):
        return None
    for attachment in parsed.attachments:
        sender = _attached_sender(attachment) if attachment.data else None
        if sender:
            return sender_text(f"{sender[0]} <{sender[1]}>")
    return None


def _attached_sender(attachment: Attachment) -> tuple[str, str] | None:
    if attachment.sniffed_type == "msg":
        return msg_sender(attachment.data)
    if attachment.sniffed_type == "eml":
        head = BytesParser(policy=compat32).parsebytes(attachment.data, headersonly=True)
        senders = addresses(raw_headers(head).get("from", []))
        return senders[0] if senders else None
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
    check_is_message(data, limits)
    msg = parse_tree(data)
    parsed = read_headers(msg)
    body = collect(msg)
    parsed.body_text = _BODY_CONTROL.sub("", tidy(body.texts))
    parsed.warnings.extend(body.warnings)
    _read_attachments(parsed, body, limits, {**DOCUMENT_READERS, **READERS, **(readers or {})})
    _adopt_container_body(parsed)
    rules = kinds or default_kind_rules()
    _split_text(parsed, rules)
    if parsed.forwarded_from is None:
        parsed.forwarded_from = _forwarded_as_attachment(parsed, rules)
    return parsed
