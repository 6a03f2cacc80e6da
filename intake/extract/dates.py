"""Years: when an arrangement started, and the year label a savings figure belongs to.

``parse_start_year`` reads either a value (a "Start date:" field, a table cell) or a
sentence, and trusts in this order:
1. a year after a start word ("since April 2014", "went live in October 2016",
   "established 2009"), or before one at the start of a clause ("In 2018 the two
   councils agreed to share"); the first such year wins, so "started in 2013, savings
   in 2017/18" gives 2013;
2. a year after "from" ("from 1 April 2019"), unless the same clause is about money
   ("save £250k a year from 2027" is not a start);
3. in a short value without money in it ("2014/15", "April 2014"), its first year;
   A start year after the year of ``today`` is skipped: what has not begun has no start.
4. a length of time ("in place for five years") counted back from ``today`` (the date
   the text was written, e.g. the message date); without ``today`` this step is skipped.

Savings year labels are normalised so that the same year reads the same everywhere:
financial years as ``2017/18`` (``2017-18``, ``2017/2018``, ``FY17/18`` all become
``2017/18``), calendar years as ``2018``.
"""

import re
from collections.abc import Iterator
from datetime import date

from intake.extract.figures import ABOUT_MONEY

_YEAR = r"(?<![\d£.,])(19[6-9]\d|20\d\d)(?!\d|,\d)"
_START_WORDS = (
    r"since|started|starting|start date|began|begun|commenced|established|set up|"
    r"went live|go live|going live|launched|opened|formed|created|introduced|inception|"
    r"dates from|running from|operating from|in place from|live from|merged their|merged our|"
    r"combined their|combined our"
)
_START = re.compile(rf"\b(?:{_START_WORDS})\b[^.;\n£]{{0,90}}?{_YEAR}", re.IGNORECASE)
# "In 2018 the two councils agreed to share ...": the year first, at the clause's start.
_YEAR_FIRST = re.compile(
    rf"^\W*in\s+(?:[A-Z][a-z]+\s+)?{_YEAR}\b[^.;\n£]{{0,120}}?"
    rf"\b(?:{_START_WORDS}|agreed to|decided to|joined|came together)\b",
    re.IGNORECASE,
)
_FROM = re.compile(
    rf"\bfrom\b[^.;\n\d]{{0,20}}(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?[^.;\n\d]{{0,12}}{_YEAR}",
    re.IGNORECASE,
)
_ANY_YEAR = re.compile(_YEAR)
_SHORT_VALUE_WORDS = 6
_COUNTS = {
    "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_COUNT = r"(\d{1,2}|" + "|".join(_COUNTS) + ")"
_DURATION = re.compile(
    rf"\b(?:for|over)\s+(?:the\s+)?(?:(?:past|last)\s+)?(?:over\s+)?{_COUNT}\s+years?\b"
    rf"|\b{_COUNT}\s+years?\s+ago\b",
    re.IGNORECASE,
)
_FINANCIAL_YEAR = re.compile(
    r"(?<![\d/])(?:FY\s?)?((?:19|20)?\d\d)\s*[/\-–]\s*((?:19|20)?\d\d)(?![\d/])", re.IGNORECASE
)


def parse_start_year(text: str, *, today: date | None = None) -> int | None:
    """The year an arrangement began, read from a value or a sentence (see module doc)."""
    latest = today.year if today else None
    for clause in re.split(r"[.;\n]\s", text):
        year = _past_year(_START.finditer(clause), latest) or _past_year(
            _YEAR_FIRST.finditer(clause), latest
        )
        if year:
            return year
    for clause in re.split(r"[.;\n]\s", text):
        year = _past_year(_FROM.finditer(clause), latest)
        if year and not ABOUT_MONEY.search(clause):
            return year
    if len(text.split()) <= _SHORT_VALUE_WORDS and not ABOUT_MONEY.search(text):
        m = _ANY_YEAR.search(text)
        if m:
            return int(m.group(1))
    if today is not None and not _ANY_YEAR.search(text):
        m = _DURATION.search(text)
        if m:
            count = (m.group(1) or m.group(2)).lower()
            return today.year - _COUNTS.get(count, int(count) if count.isdigit() else 0)
    return None


def _past_year(matches: Iterator[re.Match[str]], latest: int | None) -> int | None:
    """The first year matched that is not after ``latest``: "to go live in April 2027",
    written in 2026, is a plan; the arrangement has not begun."""
    for m in matches:
        year = int(m.group(1))
        if latest is None or year <= latest:
            return year
    return None


def _full_year(digits: str, after: int | None = None) -> int:
    """A year from 2 or 4 digits; a 2-digit year is taken as the first one after ``after``."""
    if len(digits) == 4:
        return int(digits)
    if after is None:
        return 2000 + int(digits)
    year = after - after % 100 + int(digits)
    return year + 100 if year <= after else year


def normalise_year_label(text: str) -> str | None:
    """The first year label in ``text``: ``2017/18`` for a financial year, ``2018`` for
    a calendar year, None when there is none. Pairs of years that are not consecutive
    ("24/7", "2014-2016", a date "03/04/2019") are not financial years."""
    for pair in _FINANCIAL_YEAR.finditer(text):
        first = _full_year(pair.group(1))
        second = _full_year(pair.group(2), after=first)
        if second == first + 1 and 1960 <= first <= 2099:
            return f"{first}/{second % 100:02d}"
    year = _ANY_YEAR.search(text)
    return year.group(1) if year else None


_START_YEAR_PHRASE = re.compile(
    rf"\b(?:{_START_WORDS})\b[^.;\n\d]{{0,15}}{_YEAR}(?:\s*[/\-–]\s*\d\d(?:\d\d)?)?", re.IGNORECASE
)


def figure_year_label(text: str) -> str | None:
    """The year label near a money figure, leaving out a start year ("since 2014",
    "set up in 2012"), which dates the arrangement rather than the figure."""
    return normalise_year_label(_START_YEAR_PHRASE.sub(" ", text))
