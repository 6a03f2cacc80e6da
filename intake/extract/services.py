"""Service areas: free text -> contract slugs, from the keywords in rules/services.yaml.

The keyword engine shared by the field parsers, ``PhraseMatcher``, and its phrase
syntax are in ``intake.extract.phrases``.
"""

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from intake.contract import SERVICE_AREAS
from intake.errors import RulesError
from intake.extract.phrases import NUMBER_WORDS, PhraseHit, PhraseMatcher

__all__ = ["NUMBER_WORDS", "PhraseHit", "PhraseMatcher", "ServiceTaxonomy", "read_rules_yaml"]

SERVICES_FILE = "services.yaml"
_HEAD_AFTER_AND = re.compile(
    r"\band\s+([\w&'’]+(?:\s[\w&'’]+)?)\s+(?:teams|services|functions)\b", re.IGNORECASE
)
_CLAUSE_BREAK = re.compile(r"[.;:()\n!?]")
_MAX_ITEM_WORDS = 2


def read_rules_yaml(path: Path) -> Any:
    """The parsed YAML of a rules file; RulesError naming the file when unreadable."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise RulesError(f"{path}: {e}".splitlines()[0]) from e


class ServicesFile(BaseModel):
    """The shape of rules/services.yaml."""

    model_config = ConfigDict(extra="forbid")

    areas: dict[str, list[str]]
    value_only: dict[str, list[str]] = {}
    combined: dict[str, list[str]] = {}
    reported_by: list[str] = []


# "the figures from finance." / "to follow from our finance team": a source, at the
# end of its clause.
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:our\s+|the\s+)?$", re.IGNORECASE)
_CLAUSE_ENDS = re.compile(r"\s*(?:team|colleagues)?\s*(?:[.;:!,)]|$)", re.IGNORECASE)
# "Finance have *now* confirmed": a word between the auxiliary and the verb.
_ADVERBS = r"(?:now|already|just|also|kindly|since)"


class ServiceTaxonomy:
    """Service-area keywords, compiled once at start.

    ``areas`` phrases count anywhere; ``value_only`` phrases ("Resilience", "Benefits",
    "Legal") are too common in prose and count only in a service-area value;
    ``combined`` phrases name several areas at once ("legal and democratic services").
    """

    def __init__(self, data: ServicesFile) -> None:
        self._slugs_of = {slug: [slug] for slug in [*data.areas, *data.value_only]}
        combined: dict[str, list[str]] = {}
        for phrase, slugs in data.combined.items():
            label = "+".join(slugs)
            self._slugs_of[label] = slugs
            combined.setdefault(label, []).append(phrase)
        prose = {**data.areas, **combined}
        values = {
            slug: data.areas.get(slug, []) + data.value_only.get(slug, [])
            for slug in [*data.areas, *data.value_only]
        }
        values.update(combined)
        verbs = "|".join(r"\s+".join(map(re.escape, v.split())) for v in data.reported_by)
        self._reported_by = re.compile(
            rf"^\s+(?:(?:team|colleagues)\s+)?(?:(?:have|has|had)\s+)?(?:{_ADVERBS}\s+)?(?:{verbs})\b",
            re.IGNORECASE
        ) if verbs else None  # fmt: skip
        self._prose = PhraseMatcher(prose, plurals=True)
        self._values = PhraseMatcher(values, plurals=True)

    def _is_reporter(self, text: str, hit: PhraseHit) -> bool:
        """'Finance have confirmed ...', 'the figures from finance.': the team that
        reported a fact."""
        after = text[hit.end : hit.end + 40]
        if self._reported_by is not None and self._reported_by.match(after) is not None:
            return True
        before = text[max(0, hit.start - 20) : hit.start]
        return _FROM_BEFORE.search(before) is not None and _CLAUSE_ENDS.match(after) is not None

    def _listed_before_head(self, text: str) -> list[PhraseHit]:
        """'our legal, HR and finance teams': each item of a list before a plural
        'teams' or 'services' names a service, as it would in a service-area value."""
        hits = []
        for m in _HEAD_AFTER_AND.finditer(text):
            before = text[max(0, m.start() - 120) : m.start()]
            before = _CLAUSE_BREAK.split(before)[-1]
            items = [m.group(1)]
            for item in reversed(before.split(",")):
                if not item.strip() or len(item.split()) > _MAX_ITEM_WORDS:
                    if item.strip():
                        items.append(" ".join(item.split()[-1:]))
                    break
                items.append(item)
            hits += [PhraseHit(m.start() - len(before), m.end(), h.label)
                     for item in reversed(items) for h in self._values.finditer(item)]  # fmt: skip
        return hits

    @classmethod
    def load(cls, rules_dir: Path) -> "ServiceTaxonomy":
        path = rules_dir / SERVICES_FILE
        try:
            data = ServicesFile.model_validate(read_rules_yaml(path))
        except ValidationError as e:
            raise RulesError(f"{path}: {e}".splitlines()[0]) from e
        named = [*data.areas, *data.value_only, *(s for v in data.combined.values() for s in v)]
        for slug in named:
            if slug not in SERVICE_AREAS or slug == "other":
                raise RulesError(f"{path}: {slug!r} is not a service-area slug of the contract")
        try:
            return cls(data)
        except ValueError as e:
            raise RulesError(f"{path}: {e}") from e

    def classify(self, text: str, *, fallback_other: bool = False) -> list[str]:
        """Slugs named in ``text``, in order of first appearance, without duplicates.

        ``fallback_other=True`` says ``text`` is a service-area value (a form field,
        a table cell): value-only words then count too, and a value that names no
        known area is ``["other"]``. Otherwise unmatched text gives ``[]``.
        """
        matcher = self._values if fallback_other else self._prose
        hits = list(matcher.finditer(text))
        if not fallback_other:
            hits = [h for h in hits if not self._is_reporter(text, h)]
            hits += self._listed_before_head(text)
        hits.sort(key=lambda hit: hit.start)
        slugs = [s for hit in hits for s in self._slugs_of[hit.label]]
        found = list(dict.fromkeys(slugs))
        if not found and fallback_other and re.search(r"[^\W\d_]", text):
            return ["other"]
        return found
