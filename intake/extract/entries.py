"""One arrangement entry, from labelled fields (a form, a table row) or from prose."""

import re
from dataclasses import dataclass, field
from datetime import date

from intake.contract import SubmissionEntry
from intake.extract import organisations as orgs
from intake.extract.dates import normalise_year_label, parse_start_year
from intake.extract.money import find_no_savings_reason, parse_savings
from intake.gazetteer import MatchContext
from intake.rules import Rules

# Keys of rules/form_fields.yaml that say an arrangement is being described.
CONTENT_KEYS = ("lead_council", "partner_councils", "service_areas", "savings", "description",
                "no_savings_reason", "title")  # fmt: skip
_LEAD_WORDS = re.compile(r"\b(?:lead|leads|led by|hosted by|hosts|host authority|on behalf of)\b",
                         re.IGNORECASE)  # fmt: skip
_GREETING = re.compile(r"^(?:dear|hi|hello|good (?:morning|afternoon)|to whom)\b.*$",
                       re.IGNORECASE | re.MULTILINE)  # fmt: skip


@dataclass
class EntryContext:
    rules: Rules
    match: MatchContext
    today: date | None
    warnings: list[str] = field(default_factory=list)


def has_content(fields: dict[str, str]) -> bool:
    return sum(1 for k in CONTENT_KEYS if fields.get(k, "").strip()) >= 2


def from_fields(fields: dict[str, str], source: str, ctx: EntryContext) -> SubmissionEntry:
    """An entry from canonical keys (see rules/form_fields.yaml) -> values as written."""
    rules, entry = ctx.rules, SubmissionEntry()
    sources = entry.sources

    def value(key: str) -> str:
        return fields.get(key, "").strip()

    found = []
    if value("lead_council"):
        found += orgs.from_value(value("lead_council"), "lead", rules.gazetteer, ctx.match,
                                 ctx.warnings)  # fmt: skip
        if len(found) > 1:  # 'Adur & Worthing' as lead: neither is named the lead
            for org in found:
                org.role = "partner"
    if value("partner_councils"):
        found += orgs.from_value(value("partner_councils"), "partner", rules.gazetteer,
                                 ctx.match, ctx.warnings)  # fmt: skip
    entry.organisations = orgs.dedupe(found)
    if value("service_areas"):
        entry.service_areas = rules.services.classify(value("service_areas"), fallback_other=True)
    wording = rules.arrangements.savings
    year = normalise_year_label(value("savings_year")) if value("savings_year") else None
    if value("savings"):
        entry.savings = parse_savings(value("savings"), wording, default_year=year,
                                      assume_savings=True)  # fmt: skip
        if not entry.savings:
            entry.savings_none_reason = find_no_savings_reason(value("savings"), wording)
    if not entry.savings and value("no_savings_reason"):
        entry.savings_none_reason = value("no_savings_reason")
    if value("start_year"):
        entry.start_year = parse_start_year(value("start_year"), today=ctx.today)
    if value("arrangement_type"):
        entry.arrangement_type = rules.arrangements.classify_arrangement_type(
            value("arrangement_type")
        )
    if value("status"):
        entry.status = rules.arrangements.classify_status(value("status"), today=ctx.today)
    entry.title = value("title") or None
    entry.description = " ".join(value("description").split()) or None
    entry.benefits = " ".join(value("benefits").split()) or None
    _fill_from_description(entry, ctx)
    for name in ("organisations", "service_areas", "savings", "savings_none_reason",
                 "start_year", "arrangement_type", "status", "title", "description",
                 "benefits"):  # fmt: skip
        if getattr(entry, name) not in (None, [], ""):
            sources[name] = source
    return entry


def _fill_from_description(entry: SubmissionEntry, ctx: EntryContext) -> None:
    """Facts a form left blank but its description states ('since 2014', 'saves £200k')."""
    text = " ".join(filter(None, [entry.description, entry.benefits]))
    if not text:
        return
    rules = ctx.rules
    if entry.start_year is None:
        entry.start_year = parse_start_year(text, today=ctx.today)
    if entry.arrangement_type is None:
        entry.arrangement_type = rules.arrangements.classify_arrangement_type(text)
    if entry.status is None:
        entry.status = rules.arrangements.classify_status(text, today=ctx.today)
    if not entry.service_areas:
        entry.service_areas = rules.services.classify(text)
    if not entry.savings and not entry.savings_none_reason:
        entry.savings = parse_savings(text, rules.arrangements.savings)
        if not entry.savings:
            entry.savings_none_reason = find_no_savings_reason(text, rules.arrangements.savings)


def from_prose(text: str, source: str, ctx: EntryContext) -> SubmissionEntry | None:
    """An entry from free text; None when it names no body and no service."""
    rules = ctx.rules
    body = _GREETING.sub("", text).strip()
    if not body:
        return None
    entry = SubmissionEntry()
    entry.organisations = orgs.dedupe(
        orgs.from_text(body, rules.gazetteer, ctx.match, _LEAD_WORDS, ctx.warnings)
    )
    entry.service_areas = rules.services.classify(body)
    if not entry.organisations or not entry.service_areas:
        return None
    entry.savings = parse_savings(body, rules.arrangements.savings)
    if not entry.savings:
        entry.savings_none_reason = find_no_savings_reason(body, rules.arrangements.savings)
    entry.start_year = parse_start_year(body, today=ctx.today)
    entry.arrangement_type = rules.arrangements.classify_arrangement_type(body)
    entry.status = rules.arrangements.classify_status(body, today=ctx.today)
    entry.description = " ".join(body.split())[:4000]
    for name in ("organisations", "service_areas", "savings", "savings_none_reason",
                 "start_year", "arrangement_type", "status", "description"):  # fmt: skip
        if getattr(entry, name) not in (None, [], ""):
            entry.sources[name] = source
    return entry
