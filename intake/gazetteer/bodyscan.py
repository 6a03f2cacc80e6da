"""Finds non-council bodies in free text from the words that end their names.

'Kent Fire and Rescue Service', 'Sussex Police', 'NHS Frimley ICB': each ending (from
rules/partners.yaml) is found with a token trie, then its place name is read backwards
over the capitalised words before it. An 'and' belongs to the name only in NHS names:
'NHS Norfolk and Waveney ICB', and before an 'NHS (Foundation) Trust' ending, where
trusts are named for what they do and where ('Norfolk Community Health and Care NHS
Trust', 'Surrey and Sussex Healthcare NHS Trust'). Elsewhere 'Horsham and Sussex Police' is a
council and a force (joint names such as 'Devon and Cornwall Police' are listed in
partners.yaml by name).
"""

from dataclasses import dataclass

from intake.contract import OrgKind
from intake.gazetteer.text import TextTokens, TokenTrie, norm_tokens

JOINS = frozenset({"of", "the", "upon", "on"})
NHS_JOINS = JOINS | {"and"}  # before an ending that starts with 'NHS'
# Capitalised words that never belong to a body's place name.
NOT_PLACE = frozenset(
    {"council", "councils", "borough", "district", "the", "with", "and", "police", "constabulary",
     "fire", "rescue", "service", "services", "nhs", "trust", "icb", "ccg", "authority", "dear",
     "between", "including", "partners", "for"}
)  # fmt: skip


@dataclass(frozen=True)
class BodySpan:
    """A non-council body named in text."""

    text: str
    kind: OrgKind
    start: int
    end: int


class BodyFinder:
    """Token-trie scan for named bodies and for '<place> <ending>' names."""

    def __init__(self, endings: dict[str, list[str]], named: dict[tuple[str, ...], OrgKind]):
        self.endings = TokenTrie()
        self.ending_kind: dict[tuple[str, ...], OrgKind] = {}
        for kind, words in endings.items():
            for ending in words:
                key = norm_tokens(ending)
                self.endings.add(key)
                self.ending_kind[key] = kind  # type: ignore[assignment]
        self.named_trie = TokenTrie()
        for name in named:
            self.named_trie.add(name)
        self.named = named

    def find(self, tokens: TextTokens) -> list[BodySpan]:
        """Every body named, longest first where spans overlap."""
        found = self._named(tokens) + self._by_ending(tokens) + self._nhs_names(tokens)
        found.sort(key=lambda s: (s.start, -(s.end - s.start)))
        kept: list[BodySpan] = []
        for span in found:
            if not kept or span.start >= kept[-1].end:
                kept.append(span)
        return kept

    def _span(self, tokens: TextTokens, first: int, last: int, kind: OrgKind) -> BodySpan:
        start, end = tokens.start(first), tokens[last].end
        return BodySpan(tokens.text[start:end], kind, start, end)

    def _named(self, tokens: TextTokens) -> list[BodySpan]:
        found, words, roots = [], tokens.words, self.named_trie.root
        for i, word in enumerate(words):
            length = self.named_trie.longest(words, i) if word in roots else 0
            if length:
                name = tuple(words[i : i + length])
                found.append(self._span(tokens, i, i + length - 1, self.named[name]))
        return found

    def _by_ending(self, tokens: TextTokens) -> list[BodySpan]:
        found, words, roots = [], tokens.words, self.endings.root
        for j, word in enumerate(words):
            length = self.endings.longest(words, j) if word in roots else 0
            if not length or not tokens.first_char(j).isupper():  # 'Shrewsbury police station'
                continue
            last = j + length - 1
            kind = self.ending_kind[tuple(words[j : last + 1])]
            first = _nhs_start(tokens, j)
            joins = NHS_JOINS if word == "nhs" else JOINS
            first = first if first is not None else _place_start(tokens, j, joins)
            if last + 1 < len(words) and words[last + 1] == "for":  # '... Commissioner for Kent'
                end = _place_end(tokens, last + 2)
                if end > last + 2:
                    first, last = (j if first is None else first), end - 1
            if first is not None:
                found.append(self._span(tokens, first, last, kind))
        return found

    def _nhs_names(self, tokens: TextTokens) -> list[BodySpan]:
        """'NHS England', 'NHS Sussex': NHS and the capitalised words after it."""
        found = []
        for i, word in enumerate(tokens.words):
            if word == "nhs" and tokens[i].raw == "NHS":
                end = _place_end(tokens, i + 1)
                if end > i + 1:
                    found.append(self._span(tokens, i, end - 1, "health"))
        return found


def _joined(tokens: TextTokens, left: int, right: int, commas: bool = False) -> bool:
    gap = tokens.text[tokens[left].end : tokens.start(right)]
    return gap.strip() == "" or (commas and gap.strip() == ",")


def _is_place(tokens: TextTokens, i: int) -> bool:
    return tokens.first_char(i).isupper() and tokens.words[i] not in NOT_PLACE


def _place_start(tokens: TextTokens, j: int, joins: frozenset[str] = JOINS) -> int | None:
    """First word of the place name written just before word ``j``, or None."""
    k = j
    while k > 0 and _joined(tokens, k - 1, k):
        prev = k - 1
        if not (_is_place(tokens, prev) or tokens.words[prev] in joins):
            break
        k = prev
    while k < j and tokens.words[k] in joins:
        k += 1
    return k if k < j else None


def _nhs_start(tokens: TextTokens, j: int) -> int | None:
    """Start of an 'NHS <places, joined by and/commas> <ending>' name ending at ``j``."""
    k = j
    while k > 0 and _joined(tokens, k - 1, k, commas=True):
        prev = k - 1
        if tokens.words[prev] == "nhs":
            return prev if prev < j - 1 else None
        if not (_is_place(tokens, prev) or tokens.words[prev] in JOINS | {"and"}):
            return None
        k = prev
    return None


def _place_end(tokens: TextTokens, i: int) -> int:
    """End (exclusive) of the place name starting at word ``i`` ('the Thames Valley')."""
    start = i + 1 if i < len(tokens) and tokens.words[i] == "the" else i
    k = start
    while k < len(tokens) and _is_place(tokens, k) and (k == i or _joined(tokens, k - 1, k)):
        k += 1
    return k if k > start else i
