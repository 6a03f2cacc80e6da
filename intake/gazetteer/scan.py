"""Finds every council and other body named in free text, in one pass over its words.

Non-council bodies ('Kent Fire and Rescue Service') are found first so that their place
names do not count as councils. Then each word position is tried against the name trie
(longest match, status words before and after taken in), and the match is checked the
way a reader would: written with capitals, not part of a longer proper name, and, for
names that are also ordinary words ('Reading', 'Hart'), only with a status word after
them or in a list beside another council. Unknown '<Name> Borough Council' phrases get
one fuzzy lookup, for typos.
"""

import re
from typing import TYPE_CHECKING

from intake.gazetteer.text import TextTokens, Token, tokenize

if TYPE_CHECKING:
    from intake.gazetteer import CouncilMatch, Gazetteer, MatchContext

LOWER_OK = frozenset({"and", "of", "upon", "on", "under", "in", "le", "the", "with", "nan", "by"})
LEADING_OK = frozenset(
    {"the", "and", "with", "between", "including", "for", "from", "by", "to", "at", "in", "of",
     "dear", "both", "also", "partners", "councils", "authorities", "re", "cc", "team"}
)  # fmt: skip
LIST_GAP = re.compile(r"^(?:\s|,|;|/|&|\band\b|\bor\b|\bplus\b)*$", re.IGNORECASE)
_PLURAL_STATUS = frozenset({"councils", "authorities"})
_TIER_WORDS = frozenset({"district", "borough"})
COUNCIL_PHRASE = re.compile(
    r"\b((?:[A-Z][\w'’-]+\s+){1,4}?)(?:(?:Metropolitan\s+)?(?:Borough|District|City|County)\s+)?Council\b"
)


def _is_capitalised(tokens: list[Token]) -> bool:
    return all(t.raw[0].isupper() or t.raw[0].isdigit() or t.norm in LOWER_OK for t in tokens)


def _blank_between(text: str, left: Token, right: Token) -> bool:
    return text[left.end : right.start].strip() == "" and left.end < right.start


def _same_line(text: str, left: Token, right: Token) -> bool:
    """Only spaces between: a capitalised word on the line before ('Head of Legal' above
    'Adur District Council' in a signature) is not part of the name."""
    return _blank_between(text, left, right) and "\n" not in text[left.end : right.start]


class _Scanner:
    def __init__(self, gaz: "Gazetteer", text: str, strict: bool) -> None:
        self.gaz, self.text, self.strict = gaz, text, strict
        self.index = gaz.index
        self.tokens = TextTokens(text)
        self.words = self.tokens.words

    def span_at(self, i: int) -> tuple[int, int] | None:
        """(first, end) token indexes of a council name starting at ``i``, or None.

        The longer of a name read from ``i`` and one read after a status phrase
        ('London Borough of', 'LB') wins.
        """
        length = self.index.trie.longest(self.words, i)
        skip = self.index.status.prefix_length(self.words, i)
        if skip:
            after_prefix = self.index.trie.longest(self.words, i + skip)
            if after_prefix and skip + after_prefix > length:
                length = skip + after_prefix
        if not length:
            return None
        end = i + length
        return i, end + self.index.status.suffix_length(self.words, end)

    def plausible(self, first: int, end: int, key_end: int) -> bool:
        """Whether a reader would take these words for a name (strict scans only)."""
        if not self.strict:
            return True
        span = self.tokens.between(first, end)
        name = span[: key_end - first]  # without the status words after it ('councils')
        if not _is_capitalised(name):
            return False
        key = tuple(self.words[first:key_end])
        stripped = self.index.status.strip(key)
        if (key in self.index.acronyms or stripped in self.index.acronyms) and not all(
            not ch.isalpha() or ch.isupper() for t in name for ch in t.raw
        ):
            return False
        before = self.tokens[first - 1] if first else None
        if (
            before
            and _same_line(self.text, before, span[0])
            and before.raw[0].isupper()
            and before.norm not in LEADING_OK
        ):
            return False
        after = self.tokens[end] if end < len(self.tokens) else None
        if after and _same_line(self.text, span[-1], after):
            return not (after.raw[0].isupper() and after.norm not in LOWER_OK)
        return True

    def names_a_place(self, first: int, key_end: int, end: int) -> bool:
        """A bare name used for the place, not the council: 'a partnership in
        Lincolnshire', 'the Kent districts', 'the Suffolk district councils' (words of
        the same sentence only)."""
        index, text, tokens = self.index, self.text, self.tokens
        if end != key_end:  # status words after the name: the place when they are plural
            return tokens[end - 1].norm in index.place_after
        before = tokens[first - 1] if first else None
        after = tokens[end] if end < len(tokens) else None
        return bool(
            (before and before.norm in index.place_before
             and _blank_between(text, before, tokens[first]))
            or (after and after.norm in index.place_after
                and _blank_between(text, tokens[end - 1], after))
        )  # fmt: skip

    def names_its_districts(self, first: int, key_end: int, end: int) -> bool:
        """'the Suffolk district councils': a place, then 'district' or 'borough', then a
        plural status word."""
        status = self.words[key_end:end]
        return bool(status) and status[-1] in _PLURAL_STATUS and bool(
            _TIER_WORDS.intersection(status))  # fmt: skip

    def is_common_word(self, first: int, key_end: int, end: int) -> bool:
        """A name that is also an ordinary word, written bare: no status words after it
        ('Barnet Council') nor before it ('London Borough of Barnet')."""
        key = tuple(self.words[first:key_end])
        if end != key_end or self.index.status.prefix_length(self.words, first):
            return False
        return self.index.status.strip(key) in self.index.common_words


def _districts_named(
    gaz: "Gazetteer", matches: list["CouncilMatch"], context: "MatchContext | None"
) -> list["CouncilMatch"]:
    """The district councils of the one county matched, as they were in the context's
    year (today's when no year is known)."""
    if len(matches) != 1 or matches[0].council is None or matches[0].council.type != "county":
        return []
    county, year = matches[0], context.year if context else None
    return [
        gaz.resolve_council(county.text, council, county.start, county.end)
        for council in gaz.councils.values()
        if council.county == county.code
        and (council.active_in(year) if year else council.is_current)
    ]


def _in_list(text: str, i: int, found: list[tuple["CouncilMatch", bool]]) -> bool:
    """Whether match ``i`` stands in a list beside another council ('Eden, Copeland and ...')."""
    here = found[i][0]
    for j in (i - 1, i + 1):
        if 0 <= j < len(found):
            other = found[j][0]
            left, right = (other, here) if j < i else (here, other)
            if LIST_GAP.match(text[left.end : right.start]):
                return True
    return False


def scan(
    gaz: "Gazetteer", text: str, context: "MatchContext | None", strict: bool
) -> list["CouncilMatch"]:
    """Every body named in ``text``; ``strict`` applies the reader's checks (free text)."""
    from intake.gazetteer import CouncilMatch

    scanner = _Scanner(gaz, text, strict)
    bodies = gaz.bodies.find(text, scanner.tokens)
    taken = [(b.start, b.end) for b in bodies]
    blocked = _tokens_within(scanner.tokens, taken)
    found: list[tuple[CouncilMatch, bool]] = [
        (CouncilMatch(b.text, None, None, None, b.kind, 1.0, None, b.start, b.end), False)
        for b in bodies
    ]
    starts = scanner.index.start_words
    i, count = 0, len(scanner.words)
    while i < count:
        worth_trying = scanner.words[i] in starts and not (
            strict and scanner.tokens.first_char(i).islower()
        )
        span = scanner.span_at(i) if worth_trying and i not in blocked else None
        if span is None:
            i += 1
            continue
        first, end = span
        if scanner.words[first] == "the" and end - first > 1:  # 'the London Borough of ...'
            first += 1
        key_end = _key_end(scanner, first, end)
        if not scanner.plausible(first, end, key_end):
            i += 1
            continue
        start_c, end_c = scanner.tokens[first].start, scanner.tokens[end - 1].end
        found_lookup = scanner.index.lookup(tuple(scanner.words[first:end]), fuzzy=False)
        if found_lookup is not None:
            # A common word or a place counts only in a list beside another council.
            common = strict and (scanner.is_common_word(first, key_end, end)
                                 or scanner.names_a_place(first, key_end, end))  # fmt: skip
            matches = gaz.resolve(text[start_c:end_c], found_lookup, context, start_c, end_c)
            districts = _districts_named(gaz, matches, context) if (
                strict and scanner.names_its_districts(first, key_end, end)) else []  # fmt: skip
            found.extend((m, False) for m in districts)
            found.extend((m, common) for m in matches if not districts)
            taken.append((start_c, end_c))
        i = end
    found += _typo_phrases(gaz, text, context, taken)
    found.sort(key=lambda pair: pair[0].start)
    kept = [m for n, (m, common) in enumerate(found) if not common or _in_list(text, n, found)]
    return _settle_ambiguous(gaz, kept, context)


def _settle_ambiguous(
    gaz: "Gazetteer", matches: list["CouncilMatch"], context: "MatchContext | None"
) -> list["CouncilMatch"]:
    """Resolve ambiguous names from the other councils the same text names.

    'Gloucestershire County Council (GCC)': GCC is the council already named; 'HCC and
    Dacorum': the region of the other partners points to Hertfordshire.
    """
    from intake.gazetteer import MatchContext
    from intake.gazetteer.index import Lookup

    named = {m.council.code: m.council for m in matches if m.council is not None}
    if not named or all(m.council is not None or not m.candidates for m in matches):
        return matches
    base = context or MatchContext()
    regions = base.partner_regions | {c.region for c in named.values()}
    around = MatchContext(base.sender_code, frozenset(regions), base.year, base.sender_email)
    settled = []
    for m in matches:
        if m.council is None and m.candidates:
            already = [code for code in m.candidates if code in named]
            codes = tuple(already) if len(already) == 1 else m.candidates
            resolved = gaz.resolve(m.text, Lookup(codes), around, m.start, m.end)[0]
            if resolved.council is not None:
                resolved.warning = f"'{m.text}' read from the other councils named"
                resolved.score = 0.8
                m = resolved
        settled.append(m)
    return settled


def _tokens_within(tokens: TextTokens, spans: list[tuple[int, int]]) -> set[int]:
    """Indexes of the tokens that start inside one of the (sorted, disjoint) spans."""
    inside: set[int] = set()
    n, count = 0, len(tokens)
    for start, end in spans:
        while n < count and tokens.start(n) < start:
            n += 1
        while n < count and tokens.start(n) < end:
            inside.add(n)
            n += 1
    return inside


def _key_end(scanner: _Scanner, first: int, end: int) -> int:
    """Where the name proper ends, before the trailing status words."""
    key_end = end
    while key_end - 1 > first and scanner.words[key_end - 1] in scanner.index.status.suffixes:
        key_end -= 1
    return key_end


def _typo_phrases(
    gaz: "Gazetteer", text: str, context: "MatchContext | None", taken: list[tuple[int, int]]
) -> list[tuple["CouncilMatch", bool]]:
    """'Worthng Borough Council' and the like: unknown names before a status word, fuzzily."""
    from intake.gazetteer import CouncilMatch

    out: list[tuple[CouncilMatch, bool]] = []
    if "Council" not in text:
        return out
    for m in COUNCIL_PHRASE.finditer(text):
        start = m.start(1)
        if any(s < m.end() and start < e for s, e in taken):
            continue
        found = gaz.index.lookup(tuple(t.norm for t in tokenize(m.group())), fuzzy=True)
        if found is not None and found.fuzzy_key is not None:
            out.extend((r, False) for r in gaz.resolve(m.group(), found, context, start, m.end()))
    return out
