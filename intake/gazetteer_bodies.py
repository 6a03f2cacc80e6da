"""Non-council bodies (fire, police, health, combined authorities) and partnership brands.

Built from rules/partners.yaml: the kind patterns classify a name, the body endings find
such names in free text, and the brands say which councils stand behind a trading name.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from intake.contract import OrgKind
from intake.errors import RulesError
from intake.gazetteer_rules import PARTNERS_FILE, entries, load_yaml, str_list
from intake.gazetteer_text import TextTokens, TokenTrie, norm_tokens

KINDS: tuple[str, ...] = get_args(OrgKind)
# A capitalised word of a body's place name: not a status word, not another body's ending.
PLACE = (
    r"(?!(?:Council|Councils|Borough|District|The|With|And|Police|Constabulary|Fire|Rescue"
    r"|Service|Services|NHS|Trust|ICB|CCG|Authority)\b)[A-Z][\w'’.-]*"
)
PLACE_JOIN = rf"(?:{PLACE}|of|the|upon|on)"
COMMISSIONER = (
    rf"(?:Police|Police,?\s+Fire)\s+and\s+Crime\s+Commissioner\s+for\s+"
    rf"(?:the\s+)?{PLACE}(?:\s+{PLACE_JOIN})*"
)
NHS_NAME = rf"NHS\s+{PLACE}(?:\s+{PLACE})*"


@dataclass(frozen=True)
class BodySpan:
    """A non-council body named in text."""

    text: str
    kind: OrgKind
    start: int
    end: int


@dataclass(frozen=True)
class SpanPattern:
    """A pattern that finds bodies of one kind, and the words that must occur for it to match."""

    kind: OrgKind
    pattern: re.Pattern[str]
    triggers: frozenset[str] | set[str]


def _compile(pattern: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise RulesError(f"{where}: bad regular expression {pattern!r}: {e}") from e


def _kind(value: Any, where: str) -> OrgKind:
    if value not in KINDS or value == "council":
        raise RulesError(f"{where}: unknown body kind {value!r}")
    return value  # type: ignore[no-any-return]


class BodyRules:
    """Classifies non-council bodies and resolves brands; loaded once from partners.yaml."""

    def __init__(self, rules_dir: Path, council_codes: set[str]) -> None:
        data = load_yaml(rules_dir, PARTNERS_FILE)
        self.patterns = self._patterns(data)
        self.bodies = self._bodies(data)
        self.body_trie = TokenTrie()
        for name in self.bodies:
            self.body_trie.add(name)
        self.span_re: list[SpanPattern] = self._span_re(data)
        self.brands = self._brands(data, council_codes)

    @staticmethod
    def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
        section = data.get(key)
        if not isinstance(section, dict):
            raise RulesError(f"{PARTNERS_FILE}: {key!r} must be a mapping")
        return section

    def _patterns(self, data: dict[str, Any]) -> list[tuple[OrgKind, re.Pattern[str]]]:
        section = self._section(data, "kind_patterns")
        out = []
        for kind, _, line in entries(section):
            where = f"{PARTNERS_FILE}:{line}"
            for pattern in str_list(section, kind, PARTNERS_FILE):
                out.append((_kind(kind, where), _compile(pattern, where)))
        return out

    def _bodies(self, data: dict[str, Any]) -> dict[tuple[str, ...], OrgKind]:
        return {
            norm_tokens(name): _kind(kind, f"{PARTNERS_FILE}:{line}")
            for name, kind, line in entries(self._section(data, "bodies"))
        }

    def _span_re(self, data: dict[str, Any]) -> list[SpanPattern]:
        """Patterns that find bodies in text: '<Place words> <ending>', 'NHS <Name>', ...

        Each carries the words one of which the text must contain for it to be worth running.
        """
        section = self._section(data, "body_endings")
        out = []
        for kind, _, line in entries(section):
            where = f"{PARTNERS_FILE}:{line}"
            words = sorted(str_list(section, kind, PARTNERS_FILE), key=len, reverse=True)
            ending = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
            plain = rf"{PLACE}(?:\s+{PLACE_JOIN})*\s+(?:{ending})\b"
            nhs = rf"NHS\s+{PLACE}(?:,?\s+(?:and|&|{PLACE_JOIN}))*\s+(?:{ending})\b"
            triggers = frozenset(norm_tokens(w)[0] for w in words)
            out.append(
                SpanPattern(_kind(kind, where), _compile(f"{nhs}|{plain}", where, 0), triggers)
            )
        out.append(
            SpanPattern("police", _compile(COMMISSIONER, PARTNERS_FILE, 0), {"commissioner"})
        )
        out.append(SpanPattern("health", _compile(NHS_NAME, PARTNERS_FILE, 0), {"nhs"}))
        return out

    def _brands(self, data: dict[str, Any], codes: set[str]) -> dict[tuple[str, ...], list[str]]:
        out: dict[tuple[str, ...], list[str]] = {}
        for name, spec, line in entries(self._section(data, "brands")):
            where = f"{PARTNERS_FILE}:{line}"
            if not isinstance(spec, dict):
                raise RulesError(f"{where}: brand {name!r} must be a mapping")
            councils = str_list(spec, "councils", PARTNERS_FILE)
            unknown = [c for c in councils if c not in codes]
            if unknown:
                raise RulesError(f"{where}: brand {name!r} names unknown councils {unknown}")
            aliases = str_list(spec, "aliases", PARTNERS_FILE) if "aliases" in spec else []
            for alias in (name, *aliases):
                out[norm_tokens(alias)] = list(councils)
        return out

    def classify(self, name: str) -> OrgKind | None:
        """The kind a body's name shows, or None when it shows none."""
        named = self.bodies.get(norm_tokens(name))
        if named:
            return named
        for kind, pattern in self.patterns:
            if pattern.search(name):
                return kind
        return None

    def brand(self, name: str) -> list[str] | None:
        councils = self.brands.get(norm_tokens(name))
        return list(councils) if councils else None

    def find(self, text: str, tokens: TextTokens | None = None) -> list[BodySpan]:
        """Every non-council body named in ``text``, longest first where they overlap.

        ``tokens``, the text's words when the caller has them, lets patterns whose key
        words are absent be skipped.
        """
        tokens = tokens if tokens is not None else TextTokens(text)
        words = set(tokens.words)
        found = self._named(tokens)
        for span_pattern in self.span_re:
            if not span_pattern.triggers & words:
                continue
            for m in span_pattern.pattern.finditer(text):
                kind = self.classify(m.group()) or span_pattern.kind
                found.append(BodySpan(m.group(), kind, m.start(), m.end()))
        found.sort(key=lambda s: (s.start, -(s.end - s.start)))
        kept: list[BodySpan] = []
        for span in found:
            if not kept or span.start >= kept[-1].end:
                kept.append(span)
        return kept

    def _named(self, tokens: TextTokens) -> list[BodySpan]:
        """Bodies known by name ('Transport for London', 'Devon and Cornwall Police')."""
        found, roots = [], self.body_trie.root
        for i, word in enumerate(tokens.words):
            if word in roots:
                length = self.body_trie.longest(tokens.words, i)
                if length:
                    first, last = tokens[i], tokens[i + length - 1]
                    name = tuple(tokens.words[i : i + length])
                    text = tokens.text[first.start : last.end]
                    found.append(BodySpan(text, self.bodies[name], first.start, last.end))
        return found
