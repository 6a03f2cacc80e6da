"""``PhraseMatcher``: the keyword engine shared by the field parsers.

It compiles a label -> phrases table into ONE regular expression shaped as a character
trie, so a 3 KB text is scanned once in a fraction of a millisecond whatever the number
of phrases (a plain alternation of hundreds of phrases is about 100 times slower).

Phrase syntax (the same in every rules file that uses it):
- matched case-insensitively, as whole words, the longest phrase winning;
- a phrase written in capitals ("IT", "HR", "R&B", "S151") matches only in
  capitals, so "IT" never matches the pronoun "it";
- a space or hyphen matches any run of spaces or hyphens ("one-off" = "one off");
- an apostrophe is optional ("children's" = "childrens");
- a standalone capital N stands for a number in digits or words ("over N years").

Speed: Python's regex engine skips a trie branch by its first character only when
that character is matched case-sensitively, so a case-insensitive scan costs about
four times a case-sensitive one. Text whose characters all lower-case to themselves
or to one plain letter (ASCII, and the usual typographic symbols) is therefore scanned
lower-cased by a case-sensitive twin of the expression; where the twin finds one of
the case-sensitive phrases, the exact expression decides at that place. The hits are
the same as the exact expression's, in the same order.
"""

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

NUMBER_WORDS: tuple[str, ...] = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty",
)  # fmt: skip
_SEP = r"[\s\-–]+"
_NUMBER = rf"(?:\d+|{'|'.join(NUMBER_WORDS)})"
_N = "\x00"  # stands for the N placeholder inside the trie
_APOSTROPHES = "'’"
_SEEN_LIMIT = 20_000
_NEVER = "(?!)"
# Characters without case: text made only of these and ASCII lower-cases in place.
_CASELESS = "£€–—‘’“”…•·▪\u00a0"
_HAS_CASED = re.compile(rf"[^\x00-\x7f{_CASELESS}]")
_PROBE = [chr(c) for c in range(128)] + list(_CASELESS)


class PhraseHit(NamedTuple):
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
    return "(?:" + "|".join(alternatives) + ")" if alternatives else _NEVER


def _expression(cs: list[str], ci: list[str], plural: str, *, case_flags: bool) -> str:
    """The one expression: word phrases after a word start (case-sensitive ones first),
    then phrases that start with a symbol. Alternatives that can never match are left
    out: the engine would try each at every position of the text."""
    cs_word, cs_other = _trie_regex(cs, plural)
    ci_word, ci_other = _trie_regex(ci, plural)

    def exact(regex: str) -> str:
        return f"(?-i:{regex})" if case_flags else regex

    word = [f"(?P<cs>{exact(cs_word)})"] if cs_word != _NEVER else []
    word += [f"(?P<ci>{ci_word})"] if ci_word != _NEVER else []
    branches = [rf"(?<!\w)(?:{'|'.join(word)})"] if word else []
    branches += [f"(?P<cs_>{exact(cs_other)})"] if cs_other != _NEVER else []
    branches += [f"(?P<ci_>{ci_other})"] if ci_other != _NEVER else []
    return "|".join(branches) or _NEVER


def _lowered_twin_fits(forms: list[str]) -> bool:
    """Whether matching lower-cased text case-sensitively is exact for these phrases:
    no phrase starts with an (optional) apostrophe, and no character of a phrase matches,
    ignoring case, another character that lower-cased text may hold."""
    if any(form[:1] in _APOSTROPHES for form in forms):
        return False
    for char in {c for form in forms for c in form if not c.isascii()} - {_N}:
        pattern = re.compile(re.escape(char), re.IGNORECASE)
        if any(p != char and pattern.fullmatch(p) for p in _PROBE):
            return False
    return True


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
        self._regex = re.compile(
            _expression(forms[True], forms[False], plural, case_flags=True), re.IGNORECASE
        )
        self._has_cs = bool(forms[True])
        lowered_cs = [form.lower() for form in forms[True]]
        self._twin = (
            re.compile(_expression(lowered_cs, forms[False], plural, case_flags=False))
            if _lowered_twin_fits(forms[True] + forms[False])
            else None
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

    def _matches(self, text: str) -> Iterator[re.Match[str]]:
        """The exact expression's matches; through the lower-cased twin where it fits."""
        twin = self._twin
        if twin is None or not (text.isascii() or _HAS_CASED.search(text) is None):
            yield from self._regex.finditer(text)
            return
        lowered = text.lower()  # the same length: every character lower-cases to one
        if not self._has_cs:
            yield from twin.finditer(lowered)
            return
        pos = 0
        while (m := twin.search(lowered, pos)) is not None:
            if m.lastgroup in ("cs", "cs_"):  # 'it' for 'IT': the exact expression decides
                exact = self._regex.match(text, m.start())
                if exact is None:
                    pos = m.start() + 1
                    continue
                m = exact
            yield m
            pos = m.end()

    def finditer(self, text: str) -> Iterator[PhraseHit]:
        if not text:
            return
        for m in self._matches(text):
            start, end = m.span()
            label = self._label_of(text[start:end], m.lastgroup in ("cs", "cs_"))
            yield PhraseHit(start, end, label)

    def labels(self, text: str) -> list[str]:
        """Labels in order of first appearance, each once."""
        return list(dict.fromkeys(hit.label for hit in self.finditer(text)))

    def first(self, text: str) -> PhraseHit | None:
        return next(self.finditer(text), None)

    def last(self, text: str) -> PhraseHit | None:
        hits = list(self.finditer(text))
        return hits[-1] if hits else None
