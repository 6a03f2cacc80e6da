"""One arrangement entry, from labelled fields (a form, a table row) or from prose."""

import re
from dataclasses import dataclass, field
from datetime import date

from intake.contract import Organisation, Saving, SubmissionEntry
from intake.extract import organisations as orgs
from intake.extract.dates import normalise_year_label, parse_start_year
from intake.extract.figures import parse_amount
from intake.extract.money import find_no_savings_reason, parse_savings
from intake.gazetteer import MatchContext
from intake.rules import Rules

# Keys of rules/form_fields.yaml that say an arrangement is being described.
CONTENT_KEYS = ("lead_council", "partner_councils", "service_areas", "savings", "description",
                "no_savings_reason", "title")  # fmt: skip
FILLED_FIELDS = ("organisations", "service_areas", "savings", "savings_none_reason",
                 "start_year", "arrangement_type", "status", "title", "description",
                 "benefits")  # fmt: skip
_NONE_VALUE = re.compile(r"^\s*(?:none|nil|n/?a|no|zero|not applicable|£?0)\b", re.IGNORECASE)


@dataclass
class EntryContext:
    rules: Rules
    match: MatchContext
    today: date | None
    warnings: list[str] = field(default_factory=list)


def has_content(fields: dict[str, str], least: int = 2) -> bool:
    """At least ``least`` of the fields that describe an arrangement are filled."""
    return sum(1 for k in CONTENT_KEYS if fields.get(k, "").strip()) >= least


def record_sources(entry: SubmissionEntry, source: str) -> None:
    """Name ``source`` for every field the entry has filled and no source yet."""
    for name in FILLED_FIELDS:
        if getattr(entry, name) not in (None, [], ""):
            entry.sources.setdefault(name, source)


def from_fields(fields: dict[str, str], source: str, ctx: EntryContext) -> SubmissionEntry:
    """An entry from canonical keys (see rules/form_fields.yaml) -> values as written."""
    rules, entry = ctx.rules, SubmissionEntry()

    def value(key: str) -> str:
        return fields.get(key, "").strip()

    entry.organisations = _field_organisations(value("lead_council"),
                                               value("partner_councils"), ctx)  # fmt: skip
    if value("service_areas"):
        entry.service_areas = rules.services.classify(value("service_areas"), fallback_other=True)
    savings = value("savings")
    if savings and value("savings_basis"):  # "£60000" beside "Saving status: Forecast"
        savings = f"{savings} ({value('savings_basis')})"
    _field_savings(entry, savings, value("savings_year"), value("no_savings_reason"), ctx)
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
    _fill_from_printed_labels(entry, fields, ctx)
    _fill_from_description(entry, ctx)
    if entry.status is None and value("start_year"):  # "Since | 2015", "Start date: 2016"
        entry.status = rules.arrangements.classify_status(
            f"since {value('start_year')}", today=ctx.today
        )
    record_sources(entry, source)
    return entry


def _field_organisations(lead: str, partners: str, ctx: EntryContext) -> list[Organisation]:
    rules, found = ctx.rules, []
    if lead:
        found += orgs.from_value(lead, "lead", rules.gazetteer, ctx.match, ctx.warnings)
        if len(found) > 1:  # 'Adur & Worthing' as lead: neither is named the lead
            for org in found:
                org.role = "partner"
    if partners:
        marker = None if lead else rules.arrangements.lead_after  # a list's "(lead)"
        listed = orgs.from_value(partners, "partner", rules.gazetteer, ctx.match, ctx.warnings,
                                 marker)  # fmt: skip
        if sum(org.role == "lead" for org in listed) > 1:
            for org in listed:
                org.role = "partner"
        found += listed
    return orgs.dedupe(found)


def _field_savings(entry: SubmissionEntry, savings: str, year_value: str, reason: str,
                   ctx: EntryContext) -> None:  # fmt: skip
    """A savings value: figures ('£350k a year'), a bare amount ('40000'), or a 'none'."""
    wording = ctx.rules.arrangements.savings
    year = normalise_year_label(year_value) if year_value else None
    if savings:
        entry.savings = parse_savings(savings, wording, default_year=year, assume_savings=True)
        amount = None if entry.savings else parse_amount(savings)
        if amount:
            entry.savings = [Saving(amount_gbp=amount, year=year)]
        if not entry.savings:
            entry.savings_none_reason = find_no_savings_reason(savings, wording)
        if not entry.savings and not entry.savings_none_reason and _NONE_VALUE.match(savings):
            rest = _NONE_VALUE.sub("", savings).strip(" -–—:;,.")
            entry.savings_none_reason = rest or savings
    if not entry.savings and reason:
        entry.savings_none_reason = reason


def _fill_from_printed_labels(
    entry: SubmissionEntry, fields: dict[str, str], ctx: EntryContext
) -> None:
    """A label not on our form that names an arrangement ('Shared service: Building
    control', 'Joint committee: Waste') gives the type, and its value the service."""
    rules = ctx.rules
    for label, text in fields.items():
        if label in rules.form_fields.fields:
            continue
        kind = rules.arrangements.classify_arrangement_type(label)
        if kind is None:
            continue
        entry.arrangement_type = entry.arrangement_type or kind
        if not entry.service_areas:
            entry.service_areas = rules.services.classify(text)


def _fill_from_description(entry: SubmissionEntry, ctx: EntryContext) -> None:
    """Facts a form left blank but its description states ('since 2014', 'saves £200k',
    the councils taking part)."""
    text = " ".join(filter(None, [entry.description, entry.benefits]))
    if not text:
        return
    rules = ctx.rules
    if not entry.organisations:
        entry.organisations = orgs.dedupe(orgs.from_text(
            text, rules.gazetteer, ctx.match, rules.arrangements, ctx.warnings))  # fmt: skip
    if entry.start_year is None:
        entry.start_year = parse_start_year(text, today=ctx.today)
    if entry.arrangement_type is None:
        entry.arrangement_type = rules.arrangements.classify_arrangement_type(text)
    if entry.status is None:
        entry.status = rules.arrangements.classify_status(text, today=ctx.today)
    if not entry.service_areas:
        naming = orgs.naming_sentences(text, entry.organisations)
        entry.service_areas = rules.services.classify(naming) or rules.services.classify(text)
    if not entry.savings and not entry.savings_none_reason:
        entry.savings = parse_savings(text, rules.arrangements.savings)
        if not entry.savings:
            entry.savings_none_reason = find_no_savings_reason(text, rules.arrangements.savings)
