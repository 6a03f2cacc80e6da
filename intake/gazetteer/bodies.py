"""Non-council bodies (fire, police, health, combined authorities) and partnership brands.

Built from rules/partners.yaml: the kind patterns classify a name, the body endings find
such names in free text (gazetteer.bodyscan), and the brands say which councils stand
behind a trading name.
"""

import re
from pathlib import Path
from typing import Any, get_args

from intake.contract import OrgKind
from intake.errors import RulesError
from intake.gazetteer.bodyscan import BodyFinder, BodySpan
from intake.gazetteer.rules import PARTNERS_FILE, entries, load_yaml, str_list
from intake.gazetteer.text import TextTokens, norm_tokens

KINDS: tuple[str, ...] = get_args(OrgKind)
STOP_WORDS = frozenset({"and", "of", "the", "for", "on"})


def _compile(pattern: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise RulesError(f"{where}: bad regular expression {pattern!r}: {e}") from e


def _literal_words(patterns: list[str]) -> frozenset[str]:
    """Words one of which occurs in any text a pattern matches; empty when unsure.

    Sound while each pattern has a literal word that every match contains (all do).
    """
    words: set[str] = set()
    for pattern in patterns:
        found = {
            (word[:-1] if optional_last else word).lower()  # 'hospitals?' -> 'hospital'
            for word, optional_last in re.findall(r"(?<!\\)([A-Za-z]{2,})([?*]?)", pattern)
        } - STOP_WORDS
        if not found:
            return frozenset()
        words |= found
    return frozenset(words)


def _kind(value: Any, where: str) -> OrgKind:
    if value not in KINDS or value == "council":
        raise RulesError(f"{where}: unknown body kind {value!r}")
    return value  # type: ignore[no-any-return]


class BodyRules:
    """Classifies non-council bodies and resolves brands; loaded once from partners.yaml."""

    def __init__(self, rules_dir: Path, council_codes: set[str]) -> None:
        data = load_yaml(rules_dir, PARTNERS_FILE)
        self.patterns = self._patterns(data)
        self.pattern_words = _literal_words([p.pattern for _, p in self.patterns])
        self.bodies = self._bodies(data)
        self.finder = BodyFinder(self._endings(data), self.bodies)
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

    def _endings(self, data: dict[str, Any]) -> dict[str, list[str]]:
        section = self._section(data, "body_endings")
        return {
            _kind(kind, f"{PARTNERS_FILE}:{line}"): str_list(section, kind, PARTNERS_FILE)
            for kind, _, line in entries(section)
        }

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
        lowered = name.lower()
        if self.pattern_words and not any(w in lowered for w in self.pattern_words):
            return None  # most names are councils': no pattern's words occur in them
        for kind, pattern in self.patterns:
            if pattern.search(name):
                return kind
        return None

    def brand(self, name: str) -> list[str] | None:
        councils = self.brands.get(norm_tokens(name))
        return list(councils) if councils else None

    def find(self, text: str, tokens: TextTokens | None = None) -> list[BodySpan]:
        """Every non-council body named in ``text`` (``tokens``: its words, if already read)."""
        return self.finder.find(tokens if tokens is not None else TextTokens(text))
