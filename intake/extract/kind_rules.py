"""The words and patterns that tell kinds of mail apart: rules/kinds.yaml as ``KindRules``.

Loaded once at start; the classification itself is in ``intake.extract.kinds``.
"""

import re
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from intake.errors import RulesError

KINDS_FILE = "kinds.yaml"
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


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
    body_markers: list[str] = []  # bulk mail sent without list headers

    @cached_property
    def body_marker(self) -> re.Pattern[str]:
        return any_of(self.body_markers)


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
    enquiries: list[str] = []

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
    def enquiry(self) -> re.Pattern[str]:
        return any_of(self.enquiries)

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
