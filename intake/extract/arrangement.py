"""Arrangement type and status, and the savings wording, from rules/arrangements.yaml.

``ArrangementRules.load`` reads and compiles the file once at start; the pipeline
passes the object down. ``rules.savings`` is the wording the money module uses
(``parse_savings(text, rules.savings)``).
"""

import re
from datetime import date
from pathlib import Path
from typing import cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from intake.contract import ArrangementStatus, ArrangementType, Basis, Period
from intake.errors import RulesError
from intake.extract.figures import ABOUT_MONEY
from intake.extract.money import SavingsWording
from intake.extract.services import PhraseHit, PhraseMatcher, read_rules_yaml

ARRANGEMENTS_FILE = "arrangements.yaml"
_MONTHS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)  # fmt: skip
_DATE_AFTER = (
    r"[\s,:]*(?:(?:on|in|by|the)\s+)*(?:\d{1,2}(?:st|nd|rd|th)?\s+)?"
    r"(?:(?P<month>[a-z]{3})[a-z]*\.?\s+)?(?P<year>20\d\d)(?!\d)"
)
_OPERATIONAL_DATE_WINDOW = 40


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoSavingsWording(_Strict):
    reason_after: list[str]
    reason_before: list[str]


class SavingsSection(_Strict):
    saving: list[str]
    not_saving: list[str]
    periods: dict[Period, list[str]]
    bases: dict[Basis, list[str]]
    no_savings: NoSavingsWording
    reason_fillers: list[str]
    since_totals: list[str] = Field(default_factory=list)


class RolesSection(_Strict):
    """Who leads, and which bodies named in a message never take part (the recipient)."""

    lead_before: list[str] = Field(default_factory=list)  # "hosted by" NAME
    lead_after: list[str] = Field(default_factory=list)  # NAME "acts as lead authority"
    not_participants: list[str] = Field(default_factory=list)


class TypeFrame(_Strict):
    """An opening word, a few words, a closing word: "shared ... service"."""

    open: list[str]
    close: list[str]
    gap: int = 5  # at most this many words between them, within one clause


class ArrangementsFile(_Strict):
    """The shape of rules/arrangements.yaml."""

    arrangement_types: dict[ArrangementType, list[str]]
    type_frames: dict[ArrangementType, TypeFrame] = Field(default_factory=dict)
    statuses: dict[ArrangementStatus, list[str]]
    dated_operational: list[str] = Field(default_factory=list)
    future_start: list[str]
    savings: SavingsSection
    roles: RolesSection = Field(default_factory=RolesSection)


def _alternatives(phrases: list[str]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered) or r"(?!x)x"


def _savings_wording(section: SavingsSection) -> SavingsWording:
    fillers = sorted(section.reason_fillers, key=len, reverse=True)
    pattern = r"^(?:" + "|".join(r"\s+".join(map(re.escape, f.split())) for f in fillers) + r")\b"
    return SavingsWording(
        cues=PhraseMatcher({"saving": section.saving, "not_saving": section.not_saving}),
        periods=PhraseMatcher(section.periods),
        bases=PhraseMatcher(section.bases),
        no_savings=PhraseMatcher(section.no_savings.model_dump()),
        reason_fillers=re.compile(pattern, re.IGNORECASE),
        since_totals=re.compile(rf"\b(?:{_alternatives(section.since_totals)})\b", re.IGNORECASE)
        if section.since_totals
        else None,
    )


class ArrangementRules:
    """Arrangement types, statuses and savings wording, compiled once."""

    def __init__(self, data: ArrangementsFile) -> None:
        self._type_order = list(data.arrangement_types)
        self._types = PhraseMatcher(data.arrangement_types, plurals=True)
        self._frames = {kind: _frame_regex(frame) for kind, frame in data.type_frames.items()}
        self._statuses = PhraseMatcher(data.statuses)
        self._since = re.compile(
            rf"\b(?:{_alternatives(data.dated_operational)}){_DATE_AFTER}", re.IGNORECASE
        )
        starts = sorted(data.future_start, key=len, reverse=True)
        start_words = "|".join(r"\s+".join(map(re.escape, s.split())) for s in starts)
        self._future_start = re.compile(rf"\b(?:{start_words}){_DATE_AFTER}", re.IGNORECASE)
        self._date_after = re.compile(_DATE_AFTER, re.IGNORECASE)
        self.savings = _savings_wording(data.savings)
        roles = data.roles
        # A lead phrase ends right before a name, or starts right after one.
        self.lead_before = re.compile(rf"\b(?:{_alternatives(roles.lead_before)})\s*$", re.I)
        self.lead_after = re.compile(rf"^[\s,(]*(?:{_alternatives(roles.lead_after)})\b", re.I)
        self.not_participants = frozenset(n.casefold() for n in roles.not_participants)

    @classmethod
    def load(cls, rules_dir: Path) -> "ArrangementRules":
        path = rules_dir / ARRANGEMENTS_FILE
        try:
            return cls(ArrangementsFile.model_validate(read_rules_yaml(path)))
        except ValidationError as e:
            raise RulesError(
                f"{path}: {e}".splitlines()[0] + ": " + str(e.errors()[0]["loc"])
            ) from e
        except ValueError as e:
            raise RulesError(f"{path}: {e}") from e

    def classify_arrangement_type(self, text: str) -> ArrangementType | None:
        """The first type, in the file's order, that has a phrase in ``text``."""
        found = set(self._types.labels(text))
        found.update(kind for kind, frame in self._frames.items()
                     if kind not in found and frame.search(text))  # fmt: skip
        for kind in self._type_order:
            if kind in found:
                return kind
        return None

    def classify_status(self, text: str, *, today: date | None = None) -> ArrangementStatus | None:
        """``ended`` when any ended phrase appears; else the earliest status phrase, where
        a date after ``today`` (default: the real date) makes a start "in development"."""
        today = today or date.today()
        hits = list(self._statuses.finditer(text))
        if any(hit.label == "ended" for hit in hits):
            return "ended"
        hits = [self._dated(hit, text, today) for hit in hits]
        for m in self._since.finditer(text):  # "since 2016": running, unless a plan
            if not _is_future(m, today):
                hits.append(PhraseHit(m.start(), m.end(), "operational"))
        for m in self._future_start.finditer(text):  # not "save £320k a year from 2027/28"
            if _is_future(m, today) and not ABOUT_MONEY.search(_sentence_around(text, m.start())):
                hits.append(PhraseHit(m.start(), m.end(), "in_development"))
        if not hits:
            return None
        return cast(ArrangementStatus, min(hits, key=lambda hit: hit.start).label)

    def _dated(self, hit: PhraseHit, text: str, today: date) -> PhraseHit:
        """An operational phrase with a future date right after it is a plan."""
        if hit.label != "operational":
            return hit
        m = self._date_after.search(text, hit.end, hit.end + _OPERATIONAL_DATE_WINDOW)
        if m is not None and _is_future(m, today):
            return PhraseHit(hit.start, hit.end, "in_development")
        return hit


def _frame_regex(frame: TypeFrame) -> re.Pattern[str]:
    """The opening word, at most ``frame.gap`` words of the same clause, the closing word."""
    opening, closing = _alternatives(frame.open), _alternatives(frame.close)
    words = rf"(?:[\w'’&/-]+[\s,]+){{0,{frame.gap}}}?"
    return re.compile(rf"\b(?:{opening})\s+{words}(?:{closing})s?\b", re.IGNORECASE)


_SENTENCE_BREAK = re.compile(r"[.;!?\n]\s")


def _sentence_around(text: str, at: int) -> str:
    starts = [m.end() for m in _SENTENCE_BREAK.finditer(text, 0, at)]
    end = _SENTENCE_BREAK.search(text, at)
    return text[starts[-1] if starts else 0 : end.start() if end else len(text)]


def _is_future(m: re.Match[str], today: date) -> bool:
    year = int(m.group("year"))
    month_name = (m.group("month") or "").lower()
    month = _MONTHS.index(month_name) + 1 if month_name in _MONTHS else None
    if year != today.year:
        return year > today.year
    return month is not None and month > today.month
