"""Choosing between councils that share a name, from what the text and context say.

The words written with the name come first ('Bucks CC' is the county council, not the
unitary); then the year (a council that did not exist then is out); then closeness to
the sender and the other partners (same council, its county or districts, same e-mail
domain, same region). Only a clear winner is chosen: a tie leaves the name unresolved.
"""

from typing import TYPE_CHECKING

from intake.gazetteer.rules import Council
from intake.gazetteer.text import norm_tokens

if TYPE_CHECKING:
    from intake.gazetteer import Gazetteer, MatchContext

# Status words written with a name, and the word a council's official name must then contain.
TYPE_WORDS = {
    "county": "county",
    "cc": "county",
    "district": "district",
    "dc": "district",
    "borough": "borough",
    "bc": "borough",
    "mbc": "borough",
    "city": "city",
}


def by_status_words(candidates: list[Council], text: str) -> list[Council]:
    """Keep the candidates whose official name has the status words written ('Bucks CC')."""
    if len(candidates) < 2:
        return candidates
    for word in norm_tokens(text):
        wanted = TYPE_WORDS.get(word)
        if wanted is None:
            continue
        kept = [c for c in candidates if wanted in norm_tokens(c.name)]
        candidates = kept or candidates
    return candidates


def choose(
    gaz: "Gazetteer", candidates: list[Council], context: "MatchContext | None"
) -> Council | None:
    """The one candidate the context points to, or None."""
    if context is None:
        return None
    if context.year is not None:
        candidates = [c for c in candidates if c.active_in(context.year)] or candidates
        if len(candidates) == 1:
            return candidates[0]
    scored = sorted(((affinity(gaz, c, context), c.code) for c in candidates), reverse=True)
    best, runner_up = scored[0][0], scored[1][0]
    return gaz.councils[scored[0][1]] if best > 0 and best > runner_up else None


def _sender(gaz: "Gazetteer", context: "MatchContext") -> tuple[Council | None, set[str]]:
    """The sender's council (from its code, else its address) and its e-mail domains."""
    sender = gaz.get(context.sender_code) if context.sender_code else None
    domains = set(sender.domains) if sender else set()
    if context.sender_email:
        by_address = gaz.councils_by_email(context.sender_email)
        domains |= {d for c in by_address for d in c.domains}
        if sender is None:
            sender = gaz.by_email(context.sender_email)
    return sender, domains


def affinity(gaz: "Gazetteer", council: Council, context: "MatchContext") -> int:
    """How strongly the context points at ``council`` (0 = not at all)."""
    score = 0
    sender, domains = _sender(gaz, context)
    if sender is not None:
        if council.code == sender.code:
            score += 8
        if council.code == sender.county or sender.code == council.county:
            score += 4
        elif council.county and council.county == sender.county:
            score += 3
        if council.region == sender.region:
            score += 2
    if domains & set(council.domains):
        score += 6
    if council.region in context.partner_regions:
        score += 2
    return score
