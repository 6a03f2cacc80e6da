"""Entries from free text: a whole message body, one item of a list, or a follow-up's facts.

Prose is unwrapped first (mail clients break lines at ~76 characters, and a sentence
must be read whole). Service areas come from the sentences that name a participating
body when there are such sentences, so an aside ("one-off savings from a single IT
contract") does not add a service. "We share our legal service with Melton" and
"a joint unit with Brum and Coventry" make the sender's own council a participant;
its name in a signature alone does not. Sentences about the writer ("I have been at
Warwick for years") give services only when no other sentence names a body.
"""

import re

from intake.contract import Organisation, SubmissionEntry
from intake.extract import organisations as orgs
from intake.extract.dates import parse_start_year
from intake.extract.entries import EntryContext, record_sources
from intake.extract.figures import ABOUT_MONEY
from intake.extract.money import find_no_savings_reason, parse_savings

LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|\(\d{1,2}\)|\(?[a-h][.)]|[-•*–▪·])\s+")
_GREETING = re.compile(
    r"^(?:dear|hi|hello|hey|good (?:morning|afternoon|evening)|to whom|bore da|helo)\b[^\n,]*,?",
    re.IGNORECASE | re.MULTILINE,
)
_FIRST_PERSON = re.compile(r"\b(?:we|our|us)\b", re.IGNORECASE)
_SINGULAR = re.compile(r"\b(?:I|I['’](?:ve|m|d)|[Mm]y|me)\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£])")
_WITH_END = re.compile(r"\bwith\s+(?:the\s+)?$", re.IGNORECASE)
MAX_DESCRIPTION_CHARS = 4000
_PERCENT = re.compile(r"\bper\s?cent\b|%", re.IGNORECASE)


def unwrap(text: str) -> str:
    """Join the hard-wrapped lines of each paragraph; list items stay on lines of their own."""
    blocks = []
    for block in re.split(r"\n\s*\n", text):
        lines: list[str] = []
        for line in (raw.strip() for raw in block.splitlines()):
            if not line:
                continue
            if lines and not LIST_ITEM.match(line):
                lines[-1] = f"{lines[-1]} {line}"
            else:
                lines.append(line)
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def clean_body(text: str) -> str:
    return _GREETING.sub("", unwrap(text)).strip()


def _sender_council(ctx: EntryContext) -> Organisation | None:
    code = ctx.match.sender_code
    council = ctx.rules.gazetteer.get(code) if code else None
    if council is None:
        return None
    current = ctx.rules.gazetteer.current_code(council.code)
    return Organisation(name=council.name, code=council.code, current_code=current)


def _organisations(body: str, ctx: EntryContext) -> tuple[list[Organisation], str]:
    """The bodies taking part, and the sentences that name them."""
    rules = ctx.rules
    found = orgs.from_text(body, rules.gazetteer, ctx.match, rules.arrangements, ctx.warnings)
    found = _beyond_the_writer(orgs.dedupe(found), body)
    naming = orgs.naming_sentences(body, found)
    # 'I have been at Warwick for years, most of that in finance': the writer, not the
    # arrangement; such sentences count only when no other sentence names a body.
    about_arrangement = " ".join(s for s in _SENTENCE.split(naming) if not _SINGULAR.search(s))
    naming = about_arrangement or naming
    sender = _sender_council(ctx)
    if sender is None or any(o.code == sender.code for o in found):
        return found, naming
    if (len(found) == 1 and _FIRST_PERSON.search(naming)) or _first_named_after_with(body, ctx):
        found.insert(0, sender)
    return found, naming


def _beyond_the_writer(found: list[Organisation], body: str) -> list[Organisation]:
    """'Before I came to Guildford I spent six years at Surrey Heath': councils named only
    where the writer speaks of themself are left out, when two or more are named
    elsewhere (the arrangement's own sentences)."""

    if len(found) < 3 or not _SINGULAR.search(body):
        return found  # the common case: nothing to leave out

    def named_elsewhere(org: Organisation) -> bool:
        sentences = _SENTENCE.split(orgs.naming_sentences(body, [org]))
        return any(not _SINGULAR.search(sentence) for sentence in sentences)

    elsewhere = [org for org in found if named_elsewhere(org)]
    return elsewhere if len(elsewhere) >= 2 else found


def _without_body_names(text: str, found: list[Organisation]) -> str:
    """The text without the names of the non-council bodies taking part: 'Integrated
    Care Board' or 'Fire and Rescue Service' names who, not the service shared."""
    for org in found:
        if org.kind != "council" and org.name:
            text = text.replace(org.name, " ")
    return text


def _first_named_after_with(body: str, ctx: EntryContext) -> bool:
    """'a joint emergency planning unit with Brum and Coventry': the first body named is
    someone the writer's council works with, so the writer's council takes part too."""
    named = ctx.rules.gazetteer.find_in_text(body, ctx.match)
    if not named:
        return False
    sentence_start = max(body.rfind(mark, 0, named[0].start) for mark in ".\n") + 1
    return _WITH_END.search(body[sentence_start : named[0].start]) is not None


def from_prose(
    text: str, source: str, ctx: EntryContext, *, complete: bool = True
) -> SubmissionEntry | None:
    """An entry from free text. ``complete``: it must name a body and a service (a new
    submission); otherwise any fact will do (a follow-up adds facts to one we hold)."""
    body = clean_body(text)
    if not body:
        return None
    rules, entry = ctx.rules, SubmissionEntry()
    entry.organisations, naming = _organisations(body, ctx)
    naming, whole = _without_body_names(naming, entry.organisations), _without_body_names(
        body, entry.organisations)  # fmt: skip
    entry.service_areas = rules.services.classify(naming) or rules.services.classify(whole)
    if complete and (not entry.organisations or not entry.service_areas):
        return None
    wording = rules.arrangements.savings
    entry.savings = parse_savings(body, wording)
    if not entry.savings and not complete:  # a reply to our query: '90k a year' is the answer
        entry.savings = parse_savings(body, wording, assume_savings=True)
    if not entry.savings:
        entry.savings_none_reason = find_no_savings_reason(body, wording)
    entry.start_year = parse_start_year(body, today=ctx.today)
    entry.arrangement_type = rules.arrangements.classify_arrangement_type(body)
    entry.status = rules.arrangements.classify_status(body, today=ctx.today)
    if complete:
        entry.description = " ".join(body.split())[:MAX_DESCRIPTION_CHARS]
    else:
        entry.description = _describing(body, ctx)
    record_sources(entry, source)
    if not complete and not entry.sources:
        return None
    return entry


def _describing(body: str, ctx: EntryContext) -> str | None:
    """A reply's description of the arrangement: its sentences that say what is shared
    (a service and an arrangement type: "we run a shared internal audit team"), other
    than those about money (the figures are read apart) or asking something. The rest of
    a reply is its courtesies, its corrections and its signature."""
    rules = ctx.rules
    kept = [
        sentence
        for sentence in _SENTENCE.split(" ".join(body.split()))
        if not (ABOUT_MONEY.search(sentence) or _PERCENT.search(sentence))
        and not sentence.endswith("?")
        and rules.arrangements.classify_arrangement_type(sentence)
        and rules.services.classify(sentence)
    ]  # fmt: skip
    return " ".join(kept)[:MAX_DESCRIPTION_CHARS] or None
