"""Text normalisation for council names, and the token trie that scans free text.

A name and a piece of text are both reduced to the same lower-case tokens
(accents dropped, ``&`` -> ``and``, ``St.``/``Saint`` -> ``st``, hyphens and
apostrophes folded), so that an index lookup is one dict access.
"""

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&", re.UNICODE)
SPELLINGS = {"&": "and", "saint": "st", "ste": "st"}


class Token(NamedTuple):
    """One word of a text: its normalised form and where it stands in the original."""

    norm: str
    start: int
    end: int
    raw: str


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower-case, drop accents and apostrophes: ``King’s`` -> ``kings``, ``Môn`` -> ``mon``."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("'", "").replace("’", "")
    return SPELLINGS.get(plain, plain)


def tokenize(text: str) -> list[Token]:
    return [Token(fold(m.group()), m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]


class TextTokens:
    """The words of a long text: normalised words at once, ``Token``s only when asked for.

    Scanning an e-mail looks at the normalised words of every position but at the
    offsets and spelling of only a few, so those are built on demand.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.raws: list[str] = TOKEN_RE.findall(text)
        cache = _FOLDED
        self.words = [cache.get(w) or _fold_into(w) for w in self.raws]
        self._matches: list[re.Match[str]] | None = None

    @property
    def matches(self) -> list[re.Match[str]]:
        if self._matches is None:
            self._matches = list(TOKEN_RE.finditer(self.text))
        return self._matches

    def __len__(self) -> int:
        return len(self.raws)

    def __getitem__(self, i: int) -> Token:
        m = self.matches[i]
        return Token(self.words[i], m.start(), m.end(), m.group())

    def between(self, first: int, end: int) -> list[Token]:
        return [self[i] for i in range(first, end)]

    def start(self, i: int) -> int:
        return self.matches[i].start()

    def first_char(self, i: int) -> str:
        return self.raws[i][0]


_FOLDED: dict[str, str] = {}


def _fold_into(word: str) -> str:
    if len(_FOLDED) > 100_000:  # bound the cache on endless streams of new words
        _FOLDED.clear()
    _FOLDED[word] = folded = fold(word)
    return folded


def norm_tokens(name: str) -> tuple[str, ...]:
    if len(name) > _NAME_CACHE_CHARS:
        return _norm_tokens(name)
    return _norm_tokens_cached(name)


_NAME_CACHE_CHARS = 200  # names and field values; longer text is not remembered


def _norm_tokens(name: str) -> tuple[str, ...]:
    return tuple([fold(word) for word in TOKEN_RE.findall(name)])


# the same names ('Adur District Council') are normalised again in every message
_norm_tokens_cached = lru_cache(maxsize=16384)(_norm_tokens)


class StatusWords:
    """The words that say what kind of council a name is, not which one.

    ``prefixes`` are phrases stripped from the front (``london borough of``), ``suffixes``
    single words stripped from the end (``district``, ``council``, ``mbc``); ``and``
    between two status words goes too (``City and District Council``).
    """

    def __init__(self, prefixes: list[str], suffixes: list[str]) -> None:
        phrases = sorted((norm_tokens(p) for p in prefixes), key=len, reverse=True)
        self.prefixes: dict[str, list[tuple[str, ...]]] = {}  # first word -> phrases, longest first
        for phrase in phrases:
            self.prefixes.setdefault(phrase[0], []).append(phrase)
        self.suffixes = frozenset(fold(s) for s in suffixes)

    def prefix_length(self, tokens: tuple[str, ...] | list[str], at: int = 0) -> int:
        """Length of the longest status phrase starting at ``tokens[at]`` (0 when none)."""
        if at >= len(tokens):
            return 0
        for phrase in self.prefixes.get(tokens[at], ()):
            if tuple(tokens[at : at + len(phrase)]) == phrase:
                return len(phrase)
        return 0

    def suffix_length(self, tokens: tuple[str, ...] | list[str], at: int) -> int:
        """How many status words follow from ``tokens[at]`` on (``district council`` -> 2)."""
        n = 0
        while at + n < len(tokens):
            word = tokens[at + n]
            if word in self.suffixes:
                n += 1
            elif word == "and" and n and at + n + 1 < len(tokens):
                if tokens[at + n + 1] not in self.suffixes:
                    break
                n += 1
            else:
                break
        return n

    def strip(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """The name without its status words; unchanged when nothing would be left."""
        rest = tokens
        cut = self.prefix_length(rest)
        if cut and len(rest) > cut:
            rest = rest[cut:]
        while len(rest) > 1 and (
            rest[-1] in self.suffixes or (rest[-1] in {"and", "of"} and rest[-2] in self.suffixes)
        ):
            rest = rest[:-1]
            if rest[-1] in {"and", "of"}:
                rest = rest[:-1]
        return rest


class TokenTrie:
    """Longest-match lookup of token sequences: one dict step per word of text."""

    END = ""

    def __init__(self) -> None:
        self.root: dict[str, dict] = {}  # type: ignore[type-arg]

    def add(self, tokens: tuple[str, ...]) -> None:
        node = self.root
        for word in tokens:
            node = node.setdefault(word, {})
        node[self.END] = {}

    def longest(self, words: list[str], at: int) -> int:
        """Number of words of the longest key starting at ``words[at]`` (0 when none)."""
        node, best = self.root, 0
        for i in range(at, len(words)):
            nxt = node.get(words[i])
            if nxt is None:
                break
            node = nxt
            if self.END in node:
                best = i - at + 1
        return best
