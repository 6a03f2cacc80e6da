"""How a reply reads: rules/replies.yaml wording + Jinja2 templates -> subject, text, HTML.

Sentences live in ``templates/email/*.j2``; labels, questions, examples, the
subject prefix and the sign-off live in ``rules/replies.yaml``. The renderer
turns each arrangement into a small summary of readable lines first, so the
text and HTML templates show exactly the same facts.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from intake.contract import SERVICE_AREAS, MissingField, Saving, SubmissionEntry
from intake.errors import RulesError
from intake.reply import MissingItem, RenderedReply, ReplyContext, ReplyKind

RULES_FILE = "replies.yaml"
TEMPLATE_FOLDER = "email"


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubjectRules(_Rules):
    reply_prefix: str
    already_reply: list[str]
    fallback: str


class SignOff(_Rules):
    closing: str
    team: str
    organisation: str
    automatic_note: str


class SummaryLabels(_Rules):
    organisations: str
    service_areas: str
    arrangement_type: str
    savings: str
    start_year: str
    status: str
    still_needed: str


class SummaryRules(_Rules):
    untitled: str
    labels: SummaryLabels
    lead_marker: str
    not_given: str
    no_savings: str
    saving: str
    saving_with_year: str
    periods: dict[str, str]
    bases: dict[str, str]
    statuses: dict[str, str]
    arrangement_types: dict[str, str]


class FieldWording(_Rules):
    label: str
    question: str
    example: str


class ReplyRules(_Rules):
    """The whole of rules/replies.yaml, validated at start."""

    subject: SubjectRules
    sign_off: SignOff
    summary: SummaryRules
    service_areas: dict[str, str]
    missing: dict[str, FieldWording]


def load_reply_rules(path: Path) -> ReplyRules:
    """Read and validate replies.yaml; every missing field and service area needs wording."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rules = ReplyRules.model_validate(data)
    except (OSError, yaml.YAMLError) as e:
        raise RulesError(f"{path}: cannot be read: {e}".splitlines()[0]) from e
    except ValidationError as e:
        err = e.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise RulesError(f"{path}: {key}: {err['msg']}") from e
    gaps = [f"missing.{f}" for f in get_args(MissingField) if f not in rules.missing]
    gaps += [f"service_areas.{s}" for s in SERVICE_AREAS if s not in rules.service_areas]
    if gaps:
        raise RulesError(f"{path}: no wording for {', '.join(gaps)}")
    return rules


@dataclass
class ArrangementSummary:
    """One arrangement as the reply shows it: a heading and (label, value) lines."""

    title: str
    lines: list[tuple[str, str]] = field(default_factory=list)


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


class ReplyRenderer:
    """Renders acknowledgements, queries and duplicate notes from one ReplyContext."""

    def __init__(self, templates_dir: Path, rules_dir: Path) -> None:
        self.rules = load_reply_rules(rules_dir / RULES_FILE)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir / TEMPLATE_FOLDER),
            undefined=jinja2.StrictUndefined,
            autoescape=lambda name: bool(name and name.endswith(".html.j2")),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Templates are read once, like the rules: otherwise every render, and every
            # extends and import inside it, looks at the file's modification time again.
            auto_reload=False,
        )
        # The replies use none of Jinja's default globals (range, lipsum, cycler...),
        # and every render and import copies them: a fifth of a render's time.
        self.env.globals.clear()
        # Compiled once here, so a missing or broken template fails at start; the
        # shared parts too, which would otherwise be read at the first render.
        for name in self.env.list_templates(extensions=["j2"]):
            self.env.get_template(name)
        self._templates = {
            kind: (
                self.env.get_template(f"{kind}.txt.j2"),
                self.env.get_template(f"{kind}.html.j2"),
            )
            for kind in get_args(ReplyKind)
        }
        prefixes = "|".join(re.escape(p) for p in self.rules.subject.already_reply)
        # "Re:", "RE[2]:", "Re :" and runs of them, at the start only.
        self._reply_prefix = re.compile(rf"^(?:(?:{prefixes})\s*(?:\[\d+\])?\s*:\s*)+", re.I)

    def missing_items(self, fields: list[MissingField]) -> list[MissingItem]:
        """The question and example answer for each missing field, in the order given."""
        items = []
        for name in dict.fromkeys(fields):
            wording = self.rules.missing.get(name)
            if wording is None:
                raise RulesError(f"{RULES_FILE}: no wording for missing.{name}")
            items.append(
                MissingItem(field=name, question=wording.question, example=wording.example)
            )
        return items

    def subject_for(self, original_subject: str, reference: str) -> str:
        """'Re: <original> [REF]': one reply prefix, the reference once."""
        subject = " ".join(original_subject.split())
        subject = self._reply_prefix.sub("", subject) or self.rules.subject.fallback
        subject = f"{self.rules.subject.reply_prefix} {subject}"
        if reference.lower() not in subject.lower():
            subject = f"{subject} [{reference}]"
        return subject

    def render(self, ctx: ReplyContext) -> RenderedReply:
        """Subject, plain text and HTML for ``ctx``.

        A query whose ``ctx.missing`` is empty asks for what its entries lack;
        a query with nothing to ask for at all is a ValueError.
        """
        subject = self.subject_for(ctx.original_subject, ctx.reference)
        variables = self._variables(ctx) | {"subject": subject}
        text, html = self._templates[ctx.kind]
        return RenderedReply(
            subject=subject, text=text.render(variables), html=html.render(variables)
        )

    def _variables(self, ctx: ReplyContext) -> dict[str, Any]:
        missing = ctx.missing
        if ctx.kind == "query" and not missing:
            missing = self.missing_items([f for e in ctx.entries for f in e.missing])
            if not missing:
                raise ValueError(f"query {ctx.reference}: nothing to ask for")
        several_to_ask_about = ctx.kind == "query" and len(ctx.entries) > 1
        return {
            "kind": ctx.kind,
            "reference": ctx.reference,
            "recipient_name": ctx.recipient_name,
            "arrangements": [
                self.summarise(e, n, show_missing=several_to_ask_about)
                for n, e in enumerate(ctx.entries, 1)
            ],
            "missing": missing,
            "existing_reference": ctx.duplicate_of or ctx.reference,
            "form_url": ctx.form_url,
            "sign_off": self.rules.sign_off,
        }

    def summarise(
        self, entry: SubmissionEntry, number: int = 1, *, show_missing: bool = False
    ) -> ArrangementSummary:
        """The readable lines of one arrangement; lines with nothing known are left out.

        ``show_missing`` adds a 'Still needed' line: useful when several
        arrangements share one list of questions.
        """
        words = self.rules.summary
        labels = words.labels
        title = entry.title or words.untitled.format(number=number)
        candidates = [
            (labels.organisations, self._organisations(entry)),
            (labels.service_areas, self._service_areas(entry)),
            (labels.arrangement_type, words.arrangement_types.get(entry.arrangement_type or "")),
            (labels.savings, self._savings(entry)),
            (labels.start_year, str(entry.start_year) if entry.start_year else None),
            (labels.status, words.statuses.get(entry.status or "")),
            (labels.still_needed, self._still_needed(entry) if show_missing else None),
        ]
        lines = [(label, _sentence_case(value)) for label, value in candidates if value]
        return ArrangementSummary(title=title, lines=lines)

    def _organisations(self, entry: SubmissionEntry) -> str | None:
        marker = self.rules.summary.lead_marker
        names = [f"{o.name} {marker}" if o.role == "lead" else o.name for o in entry.organisations]
        return ", ".join(names) or None

    def _service_areas(self, entry: SubmissionEntry) -> str | None:
        labels = self.rules.service_areas
        return ", ".join(labels.get(s, s.replace("_", " ")) for s in entry.service_areas) or None

    def _savings(self, entry: SubmissionEntry) -> str | None:
        if entry.savings:
            return "; ".join(self.saving_words(s) for s in entry.savings)
        if entry.savings_none_reason:
            return self.rules.summary.no_savings.format(reason=entry.savings_none_reason)
        return None

    def saving_words(self, saving: Saving) -> str:
        """'£350,000 a year (achieved, 2017/18)'."""
        words = self.rules.summary
        pattern = words.saving_with_year if saving.year else words.saving
        return pattern.format(
            amount=f"£{saving.amount_gbp:,}",
            period=words.periods.get(saving.period, saving.period),
            basis=words.bases.get(saving.basis, saving.basis),
            year=saving.year,
        )

    def _still_needed(self, entry: SubmissionEntry) -> str | None:
        wording = self.rules.missing
        return ", ".join(wording[f].label for f in entry.missing if f in wording) or None
