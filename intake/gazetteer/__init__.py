"""The gazetteer of UK councils: codes, names, successors, e-mail domains, and name matching.

    gaz = Gazetteer.load(Path("rules"))
    gaz.match("Aylesbury Vale DC")          # code E07000004, current_code E06000060
    gaz.find_in_text("Adur, Worthing & Mid Sussex")   # three matches, in order
    gaz.by_email("jo@legal.adur-worthing.gov.uk")

Facts live in rules/councils.csv, rules/council_aliases.yaml and rules/partners.yaml;
everything is indexed once at load, so a lookup is a few dict accesses. An ambiguous
name ('SCC', 'North Yorkshire') is resolved from ``MatchContext`` or left with
``council=None`` and a warning naming the candidates: never guessed silently.
"""

from dataclasses import dataclass, field
from pathlib import Path

from intake.contract import OrgKind
from intake.gazetteer.bodies import BodyRules
from intake.gazetteer.context import by_status_words, choose
from intake.gazetteer.index import Lookup, NameIndex
from intake.gazetteer.rules import Council, load_councils
from intake.gazetteer.text import norm_tokens

__all__ = ["Council", "CouncilMatch", "Gazetteer", "MatchContext"]


@dataclass
class MatchContext:
    """What is known around a name: who sent it, where the other partners are, when.

    ``year`` is the arrangement's start year or the message's year: pass it whenever
    known, since it alone tells 'North Yorkshire' (county to 2023, unitary since) apart.
    ``partner_regions`` takes any collection of region names ('South East', 'Wales').
    """

    sender_code: str | None = None
    partner_regions: frozenset[str] = field(default_factory=frozenset)
    year: int | None = None
    sender_email: str | None = None

    def __post_init__(self) -> None:
        self.partner_regions = frozenset(self.partner_regions)


@dataclass
class CouncilMatch:
    """One body named in text.

    ``code`` is the council as named (abolished ones keep theirs); ``current_code`` is the
    council covering it today; ``candidates`` lists the codes an ambiguous name may mean.
    """

    text: str
    council: Council | None
    code: str | None
    current_code: str | None
    kind: OrgKind = "council"
    score: float = 1.0
    warning: str | None = None
    start: int = 0
    end: int = 0
    candidates: tuple[str, ...] = ()


def _years(c: Council) -> str:
    since = f"{c.start_date.year}" if c.start_date else ""
    until = f"{c.end_date.year}" if c.end_date else ""
    return f", {since}-{until}" if since or until else ""


def describe(c: Council) -> str:
    return f"{c.name} ({c.code}{_years(c)})"


class Gazetteer:
    """The councils table with its indexes; build with ``Gazetteer.load(rules_dir)``."""

    def __init__(self, councils: dict[str, Council], index: NameIndex, bodies: BodyRules) -> None:
        self.councils = councils
        self.index = index
        self.bodies = bodies
        self.former = {f: c.code for c in councils.values() for f in c.former_codes}
        self.domains: dict[str, list[Council]] = {}
        for council in councils.values():
            for domain in council.domains:
                self.domains.setdefault(domain, []).append(council)

    @classmethod
    def load(cls, rules_dir: Path) -> "Gazetteer":
        """Read and validate the rules files; raises RulesError naming file and line."""
        councils = load_councils(rules_dir)
        return cls(councils, NameIndex(rules_dir, councils), BodyRules(rules_dir, set(councils)))

    def get(self, code: str) -> Council | None:
        code = code.strip().upper()
        return self.councils.get(code) or self.councils.get(self.former.get(code, ""))

    def current_code(self, code: str) -> str | None:
        """Today's council covering ``code``; None when it was split or is unknown."""
        council, seen = self.get(code), set()
        while council is not None and council.successors and council.code not in seen:
            seen.add(council.code)
            if len(council.successors) > 1:
                return None
            council = self.get(council.successors[0])
        return council.code if council else None

    def successors_of(self, code: str) -> set[str]:
        """Every council that took over from ``code``, directly or later in the chain
        (Taunton Deane -> Somerset West and Taunton -> Somerset)."""
        found: set[str] = set()
        todo = list(council.successors) if (council := self.get(code)) else []
        while todo:
            successor = todo.pop()
            if successor not in found:
                found.add(successor)
                todo.extend(c.successors if (c := self.get(successor)) else ())
        return found

    def councils_by_email(self, address: str) -> tuple[Council, ...]:
        """Every council using the address's domain or its nearest listed parent domain."""
        domain = address.rpartition("@")[2].strip().strip(">").lower()
        labels = domain.split(".")
        for i in range(len(labels) - 1):
            found = self.domains.get(".".join(labels[i:]))
            if found:
                return tuple(found)
        return ()

    def by_email(self, address: str) -> Council | None:
        """The one council an address belongs to; None when unknown or shared (adur-worthing)."""
        found = self.councils_by_email(address)
        current = [c for c in found if c.is_current] or list(found)
        return current[0] if len(current) == 1 else None

    def classify_body(self, name: str) -> OrgKind:
        """fire, police, health, combined_authority or other; council for a known council."""
        kind = self.bodies.classify(name)
        if kind is not None:
            return kind
        return "council" if self.index.lookup(norm_tokens(name)) else "other"

    def brand(self, name: str) -> list[str] | None:
        """The council codes behind a partnership brand (Orbis, LGSS, Publica, ...)."""
        return self.bodies.brand(name)

    def match(self, name: str, context: MatchContext | None = None) -> CouncilMatch | None:
        """The council (or other body) a name stands for; None when it names nothing known.

        A name for several councils at once ('Adur & Worthing') gives council None and a
        warning: use ``match_all`` for those.
        """
        matches = self.match_all(name, context)
        if len(matches) <= 1:
            return matches[0] if matches else None
        codes = ", ".join(m.code or "?" for m in matches)
        warning = f"'{name}' names {len(matches)} councils: {codes}"
        return CouncilMatch(name, None, None, None, "council", 1.0, warning, 0, len(name))

    def match_all(self, name: str, context: MatchContext | None = None) -> list[CouncilMatch]:
        """Every body a name stands for: one, or several for a pair or list of councils.

        Tried in turn: a known name; the names in a list ('Adur, Worthing & Sussex Police');
        the kind its words show ('WMCA'); a misspelt council name.
        """
        from intake.gazetteer.scan import scan

        text, tokens = name.strip(), norm_tokens(name)
        found = self.index.lookup(tokens, fuzzy=False)
        if found is not None:
            return self.resolve(text, found, context, 0, len(name))
        listed = scan(self, name, context, strict=False)
        if listed:
            return listed
        kind = self.bodies.classify(name)
        if kind is not None:
            return [CouncilMatch(text, None, None, None, kind, 1.0, None, 0, len(name))]
        found = self.index.lookup(tokens)
        return self.resolve(text, found, context, 0, len(name)) if found else []

    def find_in_text(self, text: str, context: MatchContext | None = None) -> list[CouncilMatch]:
        """Every council and other body named in free text, in order of appearance."""
        from intake.gazetteer.scan import scan

        return scan(self, text, context, strict=True)

    def resolve(
        self, text: str, found: Lookup, context: MatchContext | None, start: int, end: int
    ) -> list[CouncilMatch]:
        """Turn index candidates into matches, choosing by context where several fit."""
        if found.group:
            return [
                self._matched(text, self.councils[c], 1.0, None, start, end) for c in found.codes
            ]
        candidates = [self.councils[c] for c in found.codes]
        score, warning = 1.0, None
        if found.fuzzy_key:
            score, warning = 0.9, f"'{text}' read as a misspelling of '{found.fuzzy_key}'"
        candidates = by_status_words(candidates, text)
        chosen = candidates[0] if len(candidates) == 1 else choose(self, candidates, context)
        if chosen is not None:
            return [self._matched(text, chosen, score, warning, start, end)]
        currents = {self.current_code(c.code) for c in candidates}
        current = currents.pop() if len(currents) == 1 else None
        names = "; ".join(describe(c) for c in candidates)
        note = f"'{text}' is ambiguous: {names}"
        codes = tuple(c.code for c in candidates)
        return [CouncilMatch(text, None, None, current, "council", 0.5, note, start, end, codes)]

    def resolve_council(self, text: str, council: Council, start: int, end: int) -> CouncilMatch:
        """A match for a council known by other means (a county's districts)."""
        return self._matched(text, council, 1.0, None, start, end)

    def _matched(
        self, text: str, council: Council, score: float, warning: str | None, start: int, end: int
    ) -> CouncilMatch:
        current = self.current_code(council.code)
        if current is None and council.successors:
            parts = ", ".join(describe(self.councils[s]) for s in council.successors)
            split = f"{describe(council)} was split between {parts}"
            warning = f"{warning}; {split}" if warning else split
        return CouncilMatch(
            text, council, council.code, current, "council", score, warning, start, end
        )
