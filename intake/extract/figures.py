"""Money figures in text: "£1.2m", "350,000 pounds", "half a million", "£300k-£400k".

Which of them are savings is decided in ``intake.extract.money``.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Words of a clause about money ("save £250k a year from 2027"): one pattern for every
# stage that must tell such a clause from one about the arrangement itself.
ABOUT_MONEY = re.compile(r"£|\bsav(?:e|es|ed|ing|ings)\b|\bpounds\b", re.IGNORECASE)

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


def looks_like_other_number(figure: Figure, text: str) -> bool:
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
        if not rest and not looks_like_other_number(figure, text):
            return figure.amount
    return None
