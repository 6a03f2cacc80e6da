"""Savings: which money figures of a text are savings, and "no savings" reasons.

Figures themselves (amounts in whole pounds, ranges) are found by ``intake.extract.figures``.

Which figures are savings is decided by wording kept in rules/arrangements.yaml
(``SavingsWording``, built once at start by ``ArrangementRules.load``). Per clause
(a sentence or paragraph), each money figure gets its own context: the words
before it back to the previous boundary (comma, semicolon, line break, "and",
"but", ...) and after it up to the next. A figure is a saving when
- no "not a saving" word (budget, contract, cost, population, ...) stands right
  before it with no saving word in between, nor one word after it ("a £2m contract");
- a saving word is in its context or in the head of the clause (the words before
  the first figure), so "Savings: ICT £120k, legal £80k" gives two savings.
Its period and basis come from its own context first, then the clause head; a
figure with its own year and no period word is a year's figure (annual).
Figures need "£", "GBP" or "pounds", except a number right after a saving word
("Savings: 350000") or one with a multiplier ("saved 1.2 million").
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from intake.contract import Basis, Period, Saving
from intake.extract.dates import figure_year_label
from intake.extract.figures import Figure, find_figures, looks_like_other_number
from intake.extract.services import PhraseHit, PhraseMatcher

_BOUNDARY = re.compile(
    r"[,;\n]|\b(?:and|but|while|whereas|plus|with|against|versus|compared)\b", re.IGNORECASE
)
_CLAUSE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])|\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_BARE_AFTER_CUE = 25  # characters allowed between a saving word and a bare number
_OBJECT_LINK = re.compile(r"\b(?:on|in|from|across)\s+(?:[\w'’-]+\s+){0,2}$", re.I)
_CORRECTED = re.compile(r"\bnot\s+(?:the\s+)?$", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s*(?:[\w'’-]+\s+)?")


@dataclass(frozen=True)
class SavingsWording:
    """Words that decide which figures are savings (rules/arrangements.yaml, ``savings``).

    ``cues`` labels phrases ``saving`` or ``not_saving``; ``periods`` and ``bases``
    label phrases with the contract's values; ``no_savings`` labels phrases
    ``reason_after`` or ``reason_before`` (where the reason stands); ``reason_fillers``
    matches the words to drop before a reason ("as", "because", "were made").
    """

    cues: PhraseMatcher
    periods: PhraseMatcher
    bases: PhraseMatcher
    no_savings: PhraseMatcher
    reason_fillers: re.Pattern[str]
    # "since 2018" before a figure dates the arrangement ("have shared a team since 2018,
    # saving £200k") unless a saving in the perfect tense follows ("has saved £1m").
    since_totals: re.Pattern[str] | None = None


@dataclass(frozen=True)
class _Context:
    before: str
    after: str
    head: str


def _contexts(clause: str, figures: list[Figure]) -> Iterator[_Context]:
    """Each figure's own words, cut at the nearest boundary on either side."""
    head = clause[: figures[0].start]
    for i, figure in enumerate(figures):
        gap_before = clause[figures[i - 1].end if i else 0 : figure.start]
        gap_after = clause[figure.end : figures[i + 1].start if i + 1 < len(figures) else None]
        cuts_before = list(_BOUNDARY.finditer(gap_before))
        before = gap_before[cuts_before[-1].start() :] if cuts_before else gap_before
        cut_after = _BOUNDARY.search(gap_after)
        after = gap_after[: cut_after.start()] if cut_after else gap_after
        yield _Context(before, after, head)


def _vetoed(ctx: _Context, wording: SavingsWording) -> bool:
    if _CORRECTED.search(ctx.before):  # "£180,000 a year, not £150,000 as I said"
        return True
    window = ctx.before[-40:]
    last_before = wording.cues.last(window)
    if last_before and last_before.label == "not_saving":
        return not _object_of_saving(window[: last_before.start], wording)
    first_after = wording.cues.first(ctx.after)
    if first_after is None or first_after.label != "not_saving":
        return False
    return _NEXT_WORD.fullmatch(ctx.after[: first_after.start]) is not None


def _object_of_saving(before: str, wording: SavingsWording) -> bool:
    """'savings on senior salaries are £300k': the other word is what was saved on."""
    link = _OBJECT_LINK.search(before)
    if link is None:
        return False
    cue = wording.cues.last(before[: link.start()])
    return bool(cue and cue.label == "saving" and not before[cue.end : link.start()].strip())


def _has_cue(text: str, wording: SavingsWording) -> bool:
    return any(hit.label == "saving" for hit in wording.cues.finditer(text))


def _bare_allowed(figure: Figure, ctx: _Context, wording: SavingsWording) -> bool:
    """A figure without £ counts when scaled ("1.2 million") or right after a saving word."""
    if figure.marked or figure.scaled:
        return True
    cue = wording.cues.last(ctx.before)
    tail = ctx.before[cue.end :] if cue else ""
    return bool(cue and cue.label == "saving" and len(tail) <= _BARE_AFTER_CUE)


def _nearest(matcher: PhraseMatcher, before: str, after: str) -> str | None:
    hit = matcher.first(after) or matcher.last(before)
    return hit.label if hit else None


def _period(ctx: _Context, wording: SavingsWording, has_year: bool) -> str:
    """The period nearest the figure; a year's figure or no word at all is annual."""
    after = wording.periods.first(ctx.after)
    if after is not None:
        return after.label
    for text in (ctx.before, "" if has_year else ctx.head):
        hits = [h for h in wording.periods.finditer(text) if not _dates_start(text, h, wording)]
        if hits:
            return hits[-1].label
    return "annual"


def _dates_start(text: str, hit: PhraseHit, wording: SavingsWording) -> bool:
    """'since 2018' ahead of the figure, without 'has saved' after it: when it began."""
    if text[hit.start : hit.end].lower() != "since" or wording.since_totals is None:
        return False
    return wording.since_totals.search(text[hit.end :]) is None


def _saving(
    ctx: _Context, figure: Figure, wording: SavingsWording, default_year: str | None
) -> Saving:
    year = figure_year_label(ctx.after) or figure_year_label(ctx.before)
    period = _period(ctx, wording, year is not None)
    basis = _nearest(wording.bases, ctx.before, "") or _nearest(wording.bases, "", ctx.after)
    basis = basis or _nearest(wording.bases, ctx.head, "") or "achieved"
    return Saving(
        amount_gbp=figure.amount,
        period=cast(Period, period),
        basis=cast(Basis, basis),
        year=year or figure_year_label(ctx.head) or default_year,
    )


def _clause_savings(
    clause: str, wording: SavingsWording, default_year: str | None, assume_savings: bool
) -> Iterator[Saving]:
    figures = [f for f in find_figures(clause) if not looks_like_other_number(f, clause)]
    if not figures:
        return
    for figure, ctx in zip(figures, _contexts(clause, figures), strict=True):
        if figure.amount <= 0 or not _bare_allowed(figure, ctx, wording):
            continue
        if _vetoed(ctx, wording):
            continue
        if assume_savings or _has_cue(ctx.before + " " + ctx.after + " " + ctx.head, wording):
            yield _saving(ctx, figure, wording, default_year)


def parse_savings(
    text: str,
    wording: SavingsWording,
    *,
    default_year: str | None = None,
    assume_savings: bool = False,
) -> list[Saving]:
    """Every savings figure stated in ``text`` (see module docstring for the rules).

    ``assume_savings=True`` says ``text`` is the value of a savings field, so any
    money figure in it not marked as something else is a saving. ``default_year``
    is the year for figures that name none (e.g. from a "Year:" field). A figure
    stated twice alike counts once.
    """
    found: dict[tuple[object, ...], Saving] = {}
    for clause in _CLAUSE_END.split(text):
        for saving in _clause_savings(clause, wording, default_year, assume_savings):
            # the same figure said twice (a summary, then the detail; Welsh, then English)
            found.setdefault((saving.amount_gbp, saving.period, saving.basis, saving.year), saving)
    return list(found.values())


def _clean_reason(text: str, wording: SavingsWording) -> str:
    edges = " \t\n;:,.-–—()[]\"'"
    reason = text.strip(edges)
    while True:
        shorter = wording.reason_fillers.sub("", reason, count=1).strip(edges)
        if shorter == reason:
            return reason
        reason = shorter


def find_no_savings_reason(text: str, wording: SavingsWording) -> str | None:
    """When ``text`` says there are no cash savings, why, in the sender's words
    ("no cashable savings; the aim was resilience" -> "the aim was resilience");
    the statement itself when no reason is given; None when it says no such thing."""
    for line in text.splitlines():
        sentences = _SENTENCE_END.split(line)
        for i, sentence in enumerate(sentences):
            hit = wording.no_savings.first(sentence)
            if hit is None:
                continue
            if hit.label == "reason_before":
                reason = _clean_reason(sentence[: hit.start], wording)
            else:  # the reason follows, in this sentence or the next one on the line
                reason = _clean_reason(sentence[hit.end :], wording)
                if not reason and i + 1 < len(sentences):
                    reason = _clean_reason(sentences[i + 1], wording)
            return reason or _clean_reason(sentence, wording)
    return None
