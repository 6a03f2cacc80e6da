"""Service areas: free text -> contract slugs, from the keywords in rules/services.yaml.

``PhraseMatcher`` is the keyword engine shared by the field parsers: it compiles a
label -> phrases table into ONE regular expression shaped as a character trie, so
a 3 KB text is scanned once in a fraction of a millisecond whatever the number of
phrases (a plain alternation of hundreds of phrases is about 100 times slower).

Phrase syntax (the same in every rules file that uses it):
- matched case-insensitively, as whole words, the longest phrase winning;
- a phrase written in capitals ("IT", "HR", "R&B", "S151") matches only in
  capitals, so "IT" never matches the pronoun "it";
- a space or hyphen matches any run of spaces or hyphens ("one-off" = "one off");
- an apostrophe is optional ("children's" = "childrens");
- a standalone capital N stands for a number in digits or words ("over N years").
"""

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from intake.contract import SERVICE_AREAS
from intake.errors import RulesError

SERVICES_FILE = "services.yaml"
NUMBER_WORDS: tuple[str, ...] = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty",
)  # fmt: skip
_SEP = r"[\s\-–]+"
_NUMBER = rf"(?:\d+|{'|'.join(NUMBER_WORDS)})"
_N = "\x00"  # stands for the N placeholder inside the trie
_APOSTROPHES = "'’"
_SEEN_LIMIT = 20_000
_HEAD_AFTER_AND = re.compile(
    r"\band\s+([\w&'’]+(?:\s[\w&'’]+)?)\s+(?:teams|services|functions)\b", re.IGNORECASE
)
_CLAUSE_BREAK = re.compile(r"[.;:()\n!?]")
_MAX_ITEM_WORDS = 2


@dataclass(frozen=True)
class PhraseHit:
    start: int
    end: int
    label: str


def _trie_form(phrase: str, case_sensitive: bool) -> str:
    """The phrase as the trie stores it: separators unified, N marked, case folded."""
    words = re.split(r"[\s\-–]+", phrase.strip())
    words = [_N if w == "N" else (w if case_sensitive else w.lower()) for w in words]
    return " ".join(words)


def _lookup_key(text: str, case_sensitive: bool) -> str:
    """What a phrase and any text it matches have in common (numbers, apostrophes and
    separators erased), so a hit can be traced back to its label."""
    words = re.split(r"[\s\-–]+", text.strip())
    keys = []
    for word in words:
        bare = word.translate({ord(c): None for c in _APOSTROPHES})
        is_number = word in (_N, "N") or bare.isdigit() or bare.lower() in NUMBER_WORDS
        keys.append("#" if is_number else (bare if case_sensitive else bare.lower()))
    return " ".join(keys)


def _piece(char: str) -> str:
    if char == " ":
        return _SEP
    if char == _N:
        return _NUMBER
    if char in _APOSTROPHES:
        return "['’]?"
    return re.escape(char)


def _trie_regex(forms: Iterable[str], plural: str) -> tuple[str, str]:
    """Regexes for all ``forms``: shared prefixes are tested once, longer phrases first.

    Returns the phrases that start with a letter or digit and the others apart, so the
    caller tests the word-start condition once per position, not once per phrase.
    """
    trie: dict[str, Any] = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any], last: str) -> str:
        alternatives = [_piece(c) + emit(node[c], c) for c in sorted(c for c in node if c)]
        if "" in node:  # a phrase may end here: after longer ones, so they win
            word_end = last.isalnum() or last == _N
            alternatives.append(plural + r"(?!\w)" if word_end else "")
        return _either(alternatives)

    def starts_word(char: str) -> bool:
        return char.isalnum() or char == _N

    roots = sorted(c for c in trie if c)
    word = [_piece(c) + emit(trie[c], c) for c in roots if starts_word(c)]
    other = [_piece(c) + emit(trie[c], c) for c in roots if not starts_word(c)]
    return _either(word), _either(other)


def _either(alternatives: list[str]) -> str:
    return "(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)"


class PhraseMatcher:
    """Finds the phrases of a ``label -> phrases`` table in text (see module docstring)."""

    def __init__(self, table: Mapping[Any, Iterable[str]], *, plurals: bool = False) -> None:
        """``table`` maps labels (strings, or Literal values of the contract) to phrases."""
        self._labels: dict[tuple[bool, str], str] = {}
        forms: dict[bool, list[str]] = {True: [], False: []}
        for label, phrases in table.items():
            for phrase in phrases:
                case_sensitive = phrase.isupper()
                key = (case_sensitive, _lookup_key(_trie_form(phrase, case_sensitive), True))
                if self._labels.get(key, label) != label:
                    raise ValueError(f"{phrase!r} is listed under {self._labels[key]} and {label}")
                self._labels[key] = label
                forms[case_sensitive].append(_trie_form(phrase, case_sensitive))
        plural = "(?:e?s)?" if plurals else ""
        self._plurals = plurals
        self._seen: dict[tuple[bool, str], str] = {}  # matched text -> label, as a cache
        cs_word, cs_other = _trie_regex(forms[True], plural)
        ci_word, ci_other = _trie_regex(forms[False], plural)
        self._regex = re.compile(
            rf"(?<!\w)(?:(?P<cs>(?-i:{cs_word}))|(?P<ci>{ci_word}))"
            rf"|(?P<cs_>(?-i:{cs_other}))|(?P<ci_>{ci_other})",
            re.IGNORECASE,
        )

    def _label_of(self, matched: str, case_sensitive: bool) -> str:
        known = self._seen.get((case_sensitive, matched))
        if known is not None:
            return known
        label = self._trace(matched, case_sensitive)
        if len(self._seen) < _SEEN_LIMIT:
            self._seen[(case_sensitive, matched)] = label
        return label

    def _trace(self, matched: str, case_sensitive: bool) -> str:
        key = _lookup_key(matched, case_sensitive)
        candidates = [key]
        if self._plurals:
            candidates += [key[:-1], key[:-2]]
        for candidate in candidates:
            label = self._labels.get((case_sensitive, candidate))
            if label is not None:
                return label
        raise AssertionError(f"matched {matched!r} without a phrase")  # pragma: no cover

    def finditer(self, text: str) -> Iterator[PhraseHit]:
        for m in self._regex.finditer(text):
            label = self._label_of(m.group(), m.lastgroup in ("cs", "cs_"))
            yield PhraseHit(m.start(), m.end(), label)

    def labels(self, text: str) -> list[str]:
        """Labels in order of first appearance, each once."""
        return list(dict.fromkeys(hit.label for hit in self.finditer(text)))

    def first(self, text: str) -> PhraseHit | None:
        return next(self.finditer(text), None)

    def last(self, text: str) -> PhraseHit | None:
        hits = list(self.finditer(text))
        return hits[-1] if hits else None


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
            rf"^\s+(?:(?:team|colleagues)\s+)?(?:(?:have|has)\s+)?(?:{verbs})\b", re.IGNORECASE
        ) if verbs else None  # fmt: skip
        self._prose = PhraseMatcher(prose, plurals=True)
        self._values = PhraseMatcher(values, plurals=True)

    def _is_reporter(self, text: str, hit: PhraseHit) -> bool:
        """'Finance have confirmed ...': the team that reported a fact."""
        after = text[hit.end : hit.end + 40]
        return self._reported_by is not None and self._reported_by.match(after) is not None

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
