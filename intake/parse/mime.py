"""Raw bytes -> ParsedMessage: headers decoded, body text chosen, quotes and attachments split.

The stages live in their own modules: ``charset`` (bytes and header values to
text), ``headers`` (the header block), ``tree`` (walking the MIME tree into body
text and attachment parts) and ``attachments`` (sniffing and the reader registry).

A forwarded message (a 'Forwarded message' marker, or an Outlook header block
under an 'FW:' subject) is what the sender submits, so its text joins
``new_text`` after the forwarder's own note; its quotes and signature join
``quoted_text`` and ``signature``, and ``forwarded_from`` names its author.
"""

import re
from collections.abc import Mapping
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

__all__ = ["decode_bytes", "decode_header_value", "parse_message", "read_eml", "read_text"]

_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def _read_attachments(
    parsed: ParsedMessage, body: Body, limits: LimitsSettings, readers: Mapping[str, Reader]
) -> None:
    for part, default in body.parts:
        declared = part.get_content_type()
        sniffed = "eml" if declared == "message/rfc822" else None
        attachment, warning = make_attachment(
            part_filename(part, default), declared, part_bytes(part), limits, sniffed
        )
        if warning:
            parsed.warnings.append(warning)
        run_reader(attachment, limits, readers)
        parsed.attachments.append(attachment)


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


def _forwarded_as_attachment(parsed: ParsedMessage, rules: KindRules) -> str | None:
    """The author of a message forwarded as an attached .eml (Outlook's 'forward as attachment')."""
    if not rules.forwards.subject_prefix.match(parsed.subject.strip()):
        return None
    for attachment in parsed.attachments:
        if attachment.sniffed_type == "eml" and attachment.data:
            head = BytesParser(policy=compat32).parsebytes(attachment.data, headersonly=True)
            senders = addresses(raw_headers(head).get("from", []))
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
    check_is_message(data, limits)
    msg = parse_tree(data)
    parsed = read_headers(msg)
    body = collect(msg)
    parsed.body_text = _BODY_CONTROL.sub("", tidy(body.texts))
    parsed.warnings.extend(body.warnings)
    rules = kinds or default_kind_rules()
    _split_text(parsed, rules)
    _read_attachments(parsed, body, limits, {**DOCUMENT_READERS, **READERS, **(readers or {})})
    if parsed.forwarded_from is None:
        parsed.forwarded_from = _forwarded_as_attachment(parsed, rules)
    return parsed
