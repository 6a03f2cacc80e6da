"""Money: amounts in whole pounds, the savings figures of a text, and "no savings" reasons.

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
("Savings: 350000") or one with a multiplier ("saved 1.2 million"). A range
("£300k-£400k") counts once, at its lower figure.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from intake.contract import Basis, Period, Saving
from intake.extract.dates import figure_year_label
from intake.extract.services import PhraseHit, PhraseMatcher

_MULTIPLIERS = {
    "thousand": 3, "k": 3, "million": 6, "mil": 6, "mn": 6, "m": 6, "billion": 9, "bn": 9, "b": 9,
}  # fmt: skip
_WORD_VALUES = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "zero": 0,
}  # fmt: skip
_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_NUMBER_WORD = "|".join(sorted([*_WORD_VALUES, "hundred"], key=len, reverse=True))
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_MULT = r"thousand|million|billion|mil|mn|bn|[kmb]"
_CUR_AFTER = r"pounds?|gbp|sterling|quid"
_NUMERIC = (
    rf"(?:(?=£)|(?<![\w.,/£]))(?:(?P<pre>£|gbp)\s?)?(?P<num>{_NUM})(?:\s?(?P<mult>{_MULT})(?![a-z]))?"
    rf"(?:\s?(?P<post>{_CUR_AFTER})(?![a-z]))?(?!\d|/\d|\s?%|\s?per\s?cent)"
)
_WORDS = (
    rf"(?P<words>(?:{_NUMBER_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_NUMBER_WORD}))*)"
    rf"(?:\s+point(?P<frac>(?:\s+(?:{'|'.join(_DIGIT_WORDS)}))+))?"
)
_WORDED = (
    rf"(?<!\w)(?:(?P<half>half)\s+a|(?P<quarters>(?:a|one|three)\s+quarters?)\s+of\s+a|{_WORDS})"
    rf"\s+(?P<wmult>thousand|million|billion)(?:\s+(?P<wpost>{_CUR_AFTER}))?(?!\w)"
)
_FIGURE = re.compile(rf"{_WORDED}|{_NUMERIC}", re.IGNORECASE)
_NUMERIC_FIGURE = re.compile(_NUMERIC, re.IGNORECASE)  # 3x faster when no word figure is possible
_WORDED_HINT = re.compile(r"thousand|million|billion", re.IGNORECASE)
_RANGE_GAP = re.compile(r"\s*(?:-|–|to)\s*", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween\s*$", re.IGNORECASE)  # "between £100k and £150k"
_BOUNDARY = re.compile(
    r"[,;\n]|\b(?:and|but|while|whereas|plus|with|against|versus|compared)\b", re.IGNORECASE
)
_CLAUSE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])|\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_BARE_AFTER_CUE = 25  # characters allowed between a saving word and a bare number
_OBJECT_LINK = re.compile(r"\b(?:on|in|from|across)\s+(?:[\w'’-]+\s+){0,2}$", re.I)
_NEXT_WORD = re.compile(r"\s*(?:[\w'’-]+\s+)?")


@dataclass(frozen=True)
class Figure:
    start: int
    end: int
    value: Decimal  # the number as written, before its multiplier
    power: int  # the multiplier as a power of ten: 3 for "k", 6 for "m", 0 for none
    marked: bool  # written with £, GBP or pounds

    @property
    def scaled(self) -> bool:
        return self.power > 0

    @property
    def amount(self) -> int:
        """Whole pounds."""
        return int((self.value * Decimal(10) ** self.power).quantize(1, rounding=ROUND_HALF_UP))


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


def _worded_value(m: re.Match[str]) -> Decimal:
    if m.group("half"):
        return Decimal("0.5")
    if m.group("quarters"):
        return (
            Decimal("0.75") if m.group("quarters").lower().startswith("three") else Decimal("0.25")
        )
    total = 0
    for word in re.split(r"[\s-]+", m.group("words").lower()):
        if word == "hundred":
            total = max(total, 1) * 100
        elif word != "and":
            total += _WORD_VALUES[word]
    digits = "".join(str(_DIGIT_WORDS.index(w)) for w in (m.group("frac") or "").lower().split())
    return Decimal(f"{total}.{digits or 0}")


def _figure(m: re.Match[str]) -> Figure:
    if m.re is _FIGURE and m.group("wmult"):
        power = _MULTIPLIERS[m.group("wmult").lower()]
        return Figure(m.start(), m.end(), _worded_value(m), power, bool(m.group("wpost")))
    mult = m.group("mult")
    power = _MULTIPLIERS[mult.lower()] if mult else 0
    value = Decimal(m.group("num").replace(",", ""))
    return Figure(m.start(), m.end(), value, power, bool(m.group("pre") or m.group("post")))


def _looks_like_other_number(figure: Figure, text: str) -> bool:
    """A year, a phone number or a small count written without £ is not money."""
    if figure.marked or figure.scaled:
        return False
    digits = text[figure.start : figure.end]
    is_year = re.fullmatch(r"(19|20)\d\d", digits) is not None
    return is_year or digits.startswith("0") or figure.amount < 1000


def _is_range(text: str, low: Figure, high: Figure) -> bool:
    gap = text[low.end : high.start]
    if _RANGE_GAP.fullmatch(gap):
        return True
    return gap.strip().lower() == "and" and _BETWEEN.search(text[: low.start]) is not None


def find_figures(text: str) -> Iterator[Figure]:
    """Every money-like figure in ``text``; a range counts once, at its lower figure."""
    previous: Figure | None = None
    regex = _FIGURE if _WORDED_HINT.search(text) else _NUMERIC_FIGURE
    for m in regex.finditer(text):
        figure = _figure(m)
        is_money = figure.marked or figure.scaled
        if previous and is_money and _is_range(text, previous, figure):
            power = previous.power or figure.power  # "£300-400k" is £300k to £400k
            marked = previous.marked or figure.marked
            previous = Figure(previous.start, figure.end, previous.value, power, marked)
            continue
        if previous:
            yield previous
        previous = figure
    if previous:
        yield previous


def parse_amount(text: str) -> int | None:
    """Whole pounds of the first money figure ("£1.2m", "350000 pounds", "half a million");
    a figure without £ counts only when it is the whole value ("350000")."""
    figures = list(find_figures(text))
    for figure in figures:
        if figure.marked:
            return figure.amount
    if len(figures) == 1:
        figure = figures[0]
        rest = (text[: figure.start] + text[figure.end :]).strip(" \t\n~≈c.:")
        if not rest and not _looks_like_other_number(figure, text):
            return figure.amount
    return None


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
    figures = [f for f in find_figures(clause) if not _looks_like_other_number(f, clause)]
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
    is the year for figures that name none (e.g. from a "Year:" field).
    """
    found: list[Saving] = []
    for clause in _CLAUSE_END.split(text):
        found.extend(_clause_savings(clause, wording, default_year, assume_savings))
    return found


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
