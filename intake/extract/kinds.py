"""What kind of mail a message is, and whether it is safe to answer automatically.

``classify_kind`` sorts a parsed message into one of the contract's kinds;
``automated_reason`` is the RFC 3834 loop-safety check the reply policy runs;
``bounced_message_ids`` recovers our own Message-IDs from a delivery report.
The words and patterns live in rules/kinds.yaml (``KindRules``).
"""

import re
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from intake.contract import Kind
from intake.errors import RulesError
from intake.messages import ParsedMessage

KINDS_FILE = "kinds.yaml"
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
REPORT_PARTS = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w.-]+)", re.IGNORECASE)
_ACTION_LINE = re.compile(r"^\s*Action:\s*([\w-]+)", re.IGNORECASE | re.MULTILINE)
_NOT_FAILED = {"delivered", "relayed", "expanded"}  # RFC 3464 actions that are not failures
_MESSAGE_ID_LINE = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


def any_of(patterns: list[str]) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of ``patterns``."""
    return re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)", re.IGNORECASE)


class RuleSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _patterns_compile(cls, value: object) -> object:
        """Reject a bad regular expression at load time, not on the first message."""
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                try:
                    re.compile(item)
                except re.error as e:
                    raise ValueError(f"bad pattern {item!r}: {e}") from e
        return value


class BounceRules(RuleSection):
    senders: list[str]
    subjects: list[str]


class AutoReplyRules(RuleSection):
    report_types: list[str]
    headers: list[str]
    precedence: list[str]
    subjects: list[str]


class ListRules(RuleSection):
    headers: list[str]
    precedence: list[str]


def label_line(labels: list[str]) -> re.Pattern[str]:
    """A header line such as 'From: x' or Outlook's bold '*From:* x' for any of ``labels``."""
    names = "|".join(re.escape(label) for label in labels)
    return re.compile(rf"\*?(?:{names})\*?\s?:\*?(?:\s+(.*))?", re.IGNORECASE)


class QuoteRules(RuleSection):
    reply_headers: list[str]
    separators: list[str]
    from_labels: list[str]
    sent_labels: list[str]
    other_labels: list[str]
    rule: str

    @cached_property
    def reply_header(self) -> re.Pattern[str]:
        return any_of(self.reply_headers)

    @cached_property
    def separator(self) -> re.Pattern[str]:
        return any_of(self.separators)

    @cached_property
    def rule_line(self) -> re.Pattern[str]:
        return any_of([self.rule])

    @cached_property
    def from_line(self) -> re.Pattern[str]:
        return label_line(self.from_labels)

    @cached_property
    def sent_line(self) -> re.Pattern[str]:
        return label_line(self.sent_labels)

    @cached_property
    def any_label_line(self) -> re.Pattern[str]:
        return label_line(self.from_labels + self.sent_labels + self.other_labels)


class ForwardRules(RuleSection):
    markers: list[str]
    subject: str

    @cached_property
    def marker(self) -> re.Pattern[str]:
        return any_of(self.markers)

    @cached_property
    def subject_prefix(self) -> re.Pattern[str]:
        return any_of([self.subject])


class SignatureRules(RuleSection):
    delimiter: str
    sign_offs: list[str]
    max_lines: int
    max_line_length: int
    max_disclaimer_lines: int
    disclaimers: list[str]
    banners: list[str]

    @cached_property
    def delimiter_line(self) -> re.Pattern[str]:
        return re.compile(self.delimiter)

    @cached_property
    def sign_off(self) -> re.Pattern[str]:
        """The sign-off, perhaps followed on the same line by a capitalised name."""
        words = "|".join(f"(?:{p})" for p in self.sign_offs)
        name = r"(?:[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})"
        return re.compile(rf"(?i:{words})[\s,.!:;–-]*{name}?[\s,.!]*")

    @cached_property
    def disclaimer(self) -> re.Pattern[str]:
        return any_of(self.disclaimers)

    @cached_property
    def banner(self) -> re.Pattern[str]:
        return any_of(self.banners)


class KindRules(RuleSection):
    """rules/kinds.yaml: kinds of mail, automated senders, quote and signature shapes."""

    reference: str
    subject_tags: str
    bounce: BounceRules
    auto_reply: AutoReplyRules
    lists: ListRules
    automated_senders: list[str]
    quotes: QuoteRules
    forwards: ForwardRules
    signature: SignatureRules

    @classmethod
    def load(cls, rules_dir: Path) -> "KindRules":
        path = rules_dir / KINDS_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise RulesError(f"{path}: cannot read: {e.strerror}") from e
        except yaml.YAMLError as e:
            raise RulesError(f"{path}: not valid YAML: {e}".splitlines()[0]) from e
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            err = e.errors()[0]
            key = ".".join(str(p) for p in err["loc"]) or "top level"
            raise RulesError(f"{path}: {key}: {err['msg']}") from e

    @cached_property
    def reference_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"\b{self.reference}\b", re.IGNORECASE)

    @cached_property
    def bounce_subject(self) -> re.Pattern[str]:
        return any_of(self.bounce.subjects)

    @cached_property
    def auto_reply_subject(self) -> re.Pattern[str]:
        return any_of(self.auto_reply.subjects)

    @cached_property
    def automated_sender(self) -> re.Pattern[str]:
        return any_of(self.automated_senders)

    @cached_property
    def subject_tag(self) -> re.Pattern[str]:
        return re.compile(self.subject_tags, re.IGNORECASE)

    def subject_core(self, subject: str) -> str:
        """The subject without leading tags ('[EXTERNAL]', 'RE:') that hide its start."""
        tags = self.subject_tag.match(subject.strip())
        return subject.strip()[tags.end() if tags else 0 :]


@lru_cache(maxsize=1)
def default_kind_rules() -> KindRules:
    """The project's own rules/kinds.yaml, for callers that were given no rules."""
    return KindRules.load(DEFAULT_RULES_DIR)


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
    return None


def find_reference(msg: ParsedMessage, rules: KindRules) -> str | None:
    """Our reference (SS-YYYY-NNNNN), from the subject, else new text, else quoted text."""
    for text in (msg.subject, msg.new_text, msg.quoted_text):
        found = rules.reference_pattern.search(text)
        if found:
            return found.group(0).upper()
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
    in_own_words = any(rules.reference_pattern.search(t) for t in (msg.subject, msg.new_text))
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
