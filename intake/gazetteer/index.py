"""The name index: every way of writing a council, reduced to tokens, built once at load.

``lookup`` is a dict access on the normalised name, then on the name without its status
words, then a conservative fuzzy match for typos. ``trie`` finds the same keys in text.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from intake.errors import RulesError
from intake.gazetteer.rules import ALIASES_FILE, Council, entries, load_yaml, str_list
from intake.gazetteer.text import StatusWords, TokenTrie, norm_tokens

Key = tuple[str, ...]
# rapidfuzz ratio (0-100): 'worthng' ~ 'worthing' (93) passes, 'weald' ~ 'wealden' (83) does not
FUZZY_CUTOFF = 88.0
FUZZY_MIN_CHARS = 6


@dataclass(frozen=True)
class Lookup:
    """What a name resolves to: candidate councils, or several named together (a group)."""

    codes: tuple[str, ...]
    group: bool = False
    fuzzy_key: str | None = None  # the known name a typo was matched to


class NameIndex:
    """All keys of all councils and aliases; see the module docstring."""

    def __init__(self, rules_dir: Path, councils: dict[str, Council]) -> None:
        data = load_yaml(rules_dir, ALIASES_FILE)
        self.status = StatusWords(
            str_list(data, "status_prefixes", ALIASES_FILE),
            str_list(data, "status_suffixes", ALIASES_FILE),
        )
        self.not_names = {norm_tokens(n) for n in str_list(data, "not_names", ALIASES_FILE)}
        self.common_words = {norm_tokens(n) for n in str_list(data, "common_words", ALIASES_FILE)}
        self.place_before = frozenset(str_list(data, "place_before", ALIASES_FILE))
        self.place_after = frozenset(str_list(data, "place_after", ALIASES_FILE))
        self.keys: dict[Key, set[str]] = {}
        self.groups: dict[Key, tuple[str, ...]] = {}
        self.acronyms: set[Key] = set()
        for council in councils.values():
            self._add_name(council.name, council.code)
            self._add_name(council.short_name, council.code)
        self._add_aliases(self._mapping(data, "aliases"), councils)
        self._add_groups(self._mapping(data, "groups"), councils)
        written_keys = list(self.keys)
        self._add_possessives()
        self.trie = TokenTrie()
        for key in (*self.keys, *self.groups):
            self.trie.add(key)
        self.start_words = frozenset(self.trie.root) | frozenset(self.status.prefixes)
        unknown = [" ".join(w) for w in self.common_words if self.lookup(w, fuzzy=False) is None]
        if unknown:
            raise RulesError(f"{ALIASES_FILE}: common_words names no council: {sorted(unknown)}")
        self.fuzzy_choices = [
            " ".join(k) for k in written_keys if len(" ".join(k)) >= FUZZY_MIN_CHARS
        ]

    @staticmethod
    def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
        section = data.get(key)
        if not isinstance(section, dict):
            raise RulesError(f"{ALIASES_FILE}: {key!r} must be a mapping")
        return section

    def _add_name(self, name: str, code: str) -> None:
        full = norm_tokens(name)
        self.keys.setdefault(full, set()).add(code)
        stripped = self.status.strip(full)
        if stripped != full and stripped not in self.not_names:
            self.keys.setdefault(stripped, set()).add(code)

    def _targets(self, value: Any, councils: dict[str, Council], where: str) -> set[str]:
        values = value if isinstance(value, list) else [value]
        codes: set[str] = set()
        for target in values:
            if not isinstance(target, str):
                raise RulesError(f"{where}: alias target must be a code or a name, not {target!r}")
            if target in councils:
                codes.add(target)
                continue
            found = self.lookup(norm_tokens(target), fuzzy=False)
            if found is None or found.group:
                raise RulesError(f"{where}: {target!r} is not a known council code or name")
            codes.update(found.codes)
        return codes

    def _add_aliases(self, aliases: dict[str, Any], councils: dict[str, Council]) -> None:
        pending = []
        for alias, target, line in entries(aliases):
            codes = self._targets(target, councils, f"{ALIASES_FILE}:{line}")
            pending.append((alias, codes))
        for alias, codes in pending:  # added after all targets resolve: aliases never chain
            key = norm_tokens(alias)
            self.keys.setdefault(key, set()).update(codes)
            letters = [ch for ch in alias if ch.isalpha()]
            if len(letters) >= 2 and all(ch.isupper() for ch in letters):
                self.acronyms.add(key)

    def _add_groups(self, groups: dict[str, Any], councils: dict[str, Council]) -> None:
        for name, codes, line in entries(groups):
            where = f"{ALIASES_FILE}:{line}"
            if not isinstance(codes, list) or len(codes) < 2:
                raise RulesError(f"{where}: group {name!r} must list at least two codes")
            unknown = [c for c in codes if c not in councils]
            if unknown:
                raise RulesError(f"{where}: group {name!r} names unknown codes {unknown}")
            self.groups[norm_tokens(name)] = tuple(codes)

    def _add_possessives(self) -> None:
        """'Babergh and Mid Suffolk's legal team': a name's possessive (folded to 'suffolks')
        reads as the name, unless that spelling is a name of its own."""
        for key in list(self.keys):
            possessive = (*key[:-1], key[-1] + "s")
            if possessive not in self.keys and possessive not in self.groups:
                self.keys[possessive] = set(self.keys[key])
                if key in self.common_words:
                    self.common_words.add(possessive)
        for key, codes in list(self.groups.items()):
            possessive = (*key[:-1], key[-1] + "s")
            if possessive not in self.keys and possessive not in self.groups:
                self.groups[possessive] = codes

    def lookup(self, tokens: Key, fuzzy: bool = True) -> Lookup | None:
        """Resolve a normalised name: exact, then without status words, then fuzzy."""
        if not tokens:
            return None
        found = self._known(tokens)
        if found is not None:  # most names are written as listed: no need to strip them
            return found
        stripped = self.status.strip(tokens)
        found = self._known(stripped)
        if found is not None:
            return found
        return self._fuzzy(" ".join(stripped)) if fuzzy else None

    def _known(self, key: Key) -> Lookup | None:
        if key in self.groups:
            return Lookup(self.groups[key], group=True)
        if key in self.keys:
            return Lookup(tuple(sorted(self.keys[key])))
        return None

    def _fuzzy(self, query: str) -> Lookup | None:
        if len(query) < FUZZY_MIN_CHARS:
            return None
        best = process.extractOne(
            query, self.fuzzy_choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if best is None or best[0][0] != query[0]:
            return None
        key = tuple(best[0].split())
        return Lookup(tuple(sorted(self.keys[key])), fuzzy_key=best[0])
