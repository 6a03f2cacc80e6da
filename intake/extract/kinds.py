"""What kind of mail a message is, and whether it is safe to answer automatically.

``classify_kind`` sorts a parsed message into one of the contract's kinds;
``automated_reason`` is the RFC 3834 loop-safety check the reply policy runs;
``bounced_message_ids`` recovers our own Message-IDs from a delivery report.
The words and patterns live in rules/kinds.yaml (``KindRules``).
"""

import re
from functools import lru_cache

from intake.contract import Kind
from intake.extract.kind_rules import (  # re-exported: callers know them from here
    KindRules,
    QuoteRules,
    any_of,
    default_kind_rules,
)
from intake.messages import ParsedMessage

__all__ = ["KindRules", "QuoteRules", "any_of", "default_kind_rules"]
REPORT_PARTS = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w.-]+)", re.IGNORECASE)
_ACTION_LINE = re.compile(r"^\s*Action:\s*([\w-]+)", re.IGNORECASE | re.MULTILINE)
_NOT_FAILED = {"delivered", "relayed", "expanded"}  # RFC 3464 actions that are not failures
_MESSAGE_ID_LINE = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


def _local_part(address: str | None) -> str:
    return (address or "").rpartition("@")[0].lower() if "@" in (address or "") else ""


def _values(msg: ParsedMessage, name: str) -> list[str]:
    return [v.strip().lower() for v in msg.headers.get(name, "").split("\n") if v.strip()]


def _report_type(msg: ParsedMessage) -> str | None:
    if msg.content_type != "multipart/report":
        return None
    found = _REPORT_TYPE.search(msg.headers.get("content-type", ""))
    return found.group(1).lower() if found else None


def _is_bounce(msg: ParsedMessage, rules: KindRules) -> bool:
    if _report_type(msg) == "delivery-status":
        return True
    if _local_part(msg.from_email) in rules.bounce.senders:
        return True
    return bool(rules.bounce_subject.match(rules.subject_core(msg.subject)))


def _auto_reply_reason(msg: ParsedMessage, rules: KindRules) -> str | None:
    report_type = _report_type(msg)
    if report_type in rules.auto_reply.report_types:
        return f"report-type={report_type}"
    for value in _values(msg, "auto-submitted"):
        if re.split(r"[\s;(]", value, maxsplit=1)[0] != "no":  # 'no (comment)' is still no
            return f"Auto-Submitted: {value}"
    for name in rules.auto_reply.headers:
        if name in msg.headers:
            return f"{name} header present"
    for value in _values(msg, "precedence"):
        if value in rules.auto_reply.precedence:
            return f"Precedence: {value}"
    if rules.auto_reply_subject.match(rules.subject_core(msg.subject)):
        return "out-of-office subject"
    return None


def _list_reason(msg: ParsedMessage, rules: KindRules) -> str | None:
    for name in rules.lists.headers:
        if name in msg.headers:
            return f"mailing list ({name} present)"
    for value in _values(msg, "precedence"):
        if value in rules.lists.precedence:
            return f"Precedence: {value}"
    found = rules.lists.body_marker.search(msg.body_text)
    if found:
        return f"bulk mail ('{found.group(0)}' in its text)"
    return None


@lru_cache(maxsize=16)
def _reference_in(pattern: re.Pattern[str], text: str) -> str | None:
    """The reference written in ``text``: remembered, since classifying a message and
    extracting it both look for it in the same subject and body."""
    found = pattern.search(text)
    return found.group(0) if found else None


def find_reference(msg: ParsedMessage, rules: KindRules) -> str | None:
    """Our reference (SS-YYYY-NNNNN), from the subject, else the new text, else the
    Message-IDs it replies to (ours carry the reference), else the quoted text."""
    thread = " ".join([*reversed(msg.references), msg.in_reply_to or ""])
    for text in (msg.subject, msg.new_text, thread, msg.quoted_text):
        found = _reference_in(rules.reference_pattern, text)
        if found is not None:
            return found.upper()
    return None


def _replies_to_us(msg: ParsedMessage, our_address: str | None) -> bool:
    """In-Reply-To/References name a Message-ID minted at our own domain."""
    domain = (our_address or "").rpartition("@")[2].lower()
    ids = [msg.in_reply_to or "", *msg.references]
    return bool(domain) and any(i.lower().endswith(f"@{domain}>") for i in ids)


def classify_kind(msg: ParsedMessage, rules: KindRules, our_address: str | None = None) -> Kind:
    """The contract kind of ``msg``, from headers, sender, subject and text.

    'submission' here means only "a person wrote to us and it is not a reply to
    us": the extractor downgrades a 'submission' that describes no arrangement
    to 'not_submission' (questions, thanks, spam).
    """
    if _is_bounce(msg, rules):
        return "bounce"
    if _auto_reply_reason(msg, rules):
        return "auto_reply"
    if our_address and (msg.from_email or "").lower() == our_address.lower():
        return "not_submission"
    in_thread = bool(msg.in_reply_to or msg.references)
    pattern = rules.reference_pattern
    in_own_words = any(_reference_in(pattern, t) is not None for t in (msg.subject, msg.new_text))
    if in_own_words or (in_thread and find_reference(msg, rules)):
        return "follow_up"
    if _replies_to_us(msg, our_address):
        return "follow_up"
    if _list_reason(msg, rules):
        return "not_submission"
    return "submission"


def automated_reason(msg: ParsedMessage, rules: KindRules, our_address: str | None) -> str | None:
    """Why we must NOT answer ``msg`` automatically (RFC 3834 loop safety), or None."""
    auto = _auto_reply_reason(msg, rules) or _list_reason(msg, rules)
    if auto:
        return auto
    suppress = _values(msg, "x-auto-response-suppress")
    if any(v not in ("", "none") for v in suppress):
        return f"X-Auto-Response-Suppress: {suppress[0]}"
    if msg.return_path == "<>":
        return "null return path <>"
    if not msg.from_email:
        return "no sender address"
    local = _local_part(msg.from_email)
    if rules.automated_sender.fullmatch(local) or local in rules.bounce.senders:
        return f"automated sender {msg.from_email}"
    if our_address and msg.from_email.lower() == our_address.lower():
        return "sent from our own address"
    if _is_bounce(msg, rules):
        return "delivery report"
    return None


def _header_block(data: bytes) -> str:
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return head.decode("utf-8", "replace")


def _reports_success_only(msg: ParsedMessage) -> bool:
    """A delivery report whose every recipient was reached (a delivery receipt)."""
    actions = [
        action.lower()
        for a in msg.attachments
        if a.content_type == "message/delivery-status"
        for action in _ACTION_LINE.findall(a.data.decode("utf-8", "replace"))
    ]
    return bool(actions) and set(actions) <= _NOT_FAILED


def bounced_message_ids(msg: ParsedMessage) -> list[str]:
    """For a bounce: the Message-IDs of the original (our) message named in the report;
    none for a delivery report that says every recipient got the message."""
    if _reports_success_only(msg):
        return []
    found: list[str] = []
    for attachment in msg.attachments:
        if attachment.content_type in REPORT_PARTS or attachment.sniffed_type == "eml":
            found += _MESSAGE_ID_LINE.findall(_header_block(attachment.data))
    found += _MESSAGE_ID_LINE.findall(msg.body_text)
    own = msg.message_id
    return [i for i in dict.fromkeys(found) if i != own]
