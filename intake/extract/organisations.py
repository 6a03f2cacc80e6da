"""Organisations: council and other bodies named in a value or a text, as contract models."""

import re
from collections import Counter

from intake.contract import Organisation, Role
from intake.extract.arrangement import ArrangementRules
from intake.extract.figures import ABOUT_MONEY
from intake.gazetteer import CouncilMatch, Gazetteer, MatchContext

# Words that join names in a list; what is left between matches may be a body we
# do not know ('Sussex Police', 'Acme Trust'), kept by name.
_JOINERS = re.compile(r"^(?:[\s,;/&+.()-]|\band\b|\bwith\b|\bthe\b|\bplus\b)*$", re.IGNORECASE)
# "Babergh and Mid Suffolk provides": a name right after another name and "and" or a comma
_LIST_BEFORE = re.compile(r"[A-Z][\w'’-]*\s*(?:,|&|\band)\s*(?:the\s+)?(?:[A-Z][\w'’-]*\s+)?$")
_TYPE_REFERENCE = re.compile(r"\bthe (?:(county|city|district|borough) )?council\b", re.IGNORECASE)
_STATUS_WORDS = frozenset(
    [
        "council",
        "councils",
        "district",
        "borough",
        "city",
        "county",
        "metropolitan",
        "royal",
        "london",
        "of",
        "the",
        "and",
        "north",
        "south",
        "east",
        "west",
        "mid",
        "upper",
        "lower",
        "great",
        "greater",
        "new",
    ]
)
_SPLIT = re.compile(r"\s*(?:[,;\n/+]|\band\b|&)\s*", re.IGNORECASE)


def to_organisation(match: CouncilMatch, role: Role) -> Organisation:
    council = match.council
    return Organisation(
        name=council.name if council else match.text.strip(),
        code=match.code,
        current_code=match.current_code,
        role=role,
        kind=match.kind,
    )


def from_value(
    value: str,
    role: Role,
    gazetteer: Gazetteer,
    context: MatchContext | None,
    warnings: list[str],
    lead_after: re.Pattern[str] | None = None,
) -> list[Organisation]:
    """Bodies listed in a field value ('Adur, Worthing & Mid Sussex Police'); with
    ``lead_after``, one marked as the lead ('Mansfield District Council (lead)') is."""
    matches = gazetteer.match_all(value, context)
    orgs: list[Organisation] = []
    covered = 0
    for m in sorted(matches, key=lambda m: m.start):
        orgs.extend(_unknown(value[covered : m.start], role, gazetteer))
        marked = lead_after is not None and lead_after.match(value[m.end : m.end + 40])
        orgs.append(to_organisation(m, "lead" if marked else role))
        if m.warning:
            warnings.append(m.warning)
        covered = max(covered, m.end)
    orgs.extend(_unknown(value[covered:], role, gazetteer))
    return orgs


def _unknown(gap: str, role: Role, gazetteer: Gazetteer) -> list[Organisation]:
    if _JOINERS.match(gap):
        return []
    names = [n.strip(" .()-") for n in _SPLIT.split(gap)]
    return [
        Organisation(name=n, role=role, kind=gazetteer.classify_body(n))
        for n in names
        if len(n) > 2 and any(c.isupper() for c in n)
    ]


def from_text(text: str, gazetteer: Gazetteer, context: MatchContext | None,
              roles: ArrangementRules, warnings: list[str]) -> list[Organisation]:  # fmt: skip
    """Bodies named in prose, in order; the lead is the one a lead phrase points at
    ("hosted by Mid Suffolk", "Tewkesbury acts as lead authority", "led by the county
    council"). Bodies that never take part (the recipient) are left out."""
    orgs: list[Organisation] = []
    matches = gazetteer.find_in_text(text, context)
    spans = Counter((m.start, m.end) for m in matches)
    for m in matches:
        if m.text.strip().casefold() in roles.not_participants:
            continue
        if m.warning:
            warnings.append(m.warning)
        before, after = text[max(0, m.start - 40) : m.start], text[m.end : m.end + 40]
        # 'Adur and Worthing provides': no one of a list (or a group name) is the lead
        in_list = _LIST_BEFORE.search(before) or spans[(m.start, m.end)] > 1
        said_after = roles.lead_after.search(after) and not in_list
        is_lead = bool(roles.lead_before.search(before) or said_after)
        orgs.append(to_organisation(m, "lead" if is_lead else "partner"))
    if orgs and not any(o.role == "lead" for o in orgs):
        _lead_by_type(text, orgs, roles)
    return drop_successors(orgs, gazetteer)


def _lead_by_type(text: str, orgs: list[Organisation], roles: ArrangementRules) -> None:
    """'led by the county council': the one body named whose name has that type word;
    'with Lincoln as the host authority': the one body whose name has that place word."""
    for org in orgs:
        word = _place_word(org.name)
        if word is None or sum(word in o.name for o in orgs) != 1:
            continue
        for m in re.finditer(rf"\b{re.escape(word)}\b", text):
            before, after = text[max(0, m.start() - 40) : m.start()], text[m.end() : m.end() + 40]
            said_after = roles.lead_after.search(after) and not _LIST_BEFORE.search(before)
            if roles.lead_before.search(before) or said_after:
                org.role = "lead"
                return
    for m in _TYPE_REFERENCE.finditer(text):
        before, after = text[max(0, m.start() - 40) : m.start()], text[m.end() : m.end() + 40]
        if not (roles.lead_before.search(before) or roles.lead_after.search(after)):
            continue
        # "the council is the lead commissioner" beside a trust: the one council named
        word = (m.group(1) or "").lower()
        fits = [o for o in orgs if word in o.name.lower().split()] if word else [
            o for o in orgs if o.kind == "council"]  # fmt: skip
        if len(fits) == 1:
            fits[0].role = "lead"
            return


def _place_word(name: str) -> str | None:
    """The longest word of a body's name that is not a status or compass word."""
    words = [w for w in re.findall(r"[A-Z][\w'-]+", name) if w.lower() not in _STATUS_WORDS]
    return max(words, key=len) if words else None


def drop_successors(orgs: list[Organisation], gazetteer: Gazetteer) -> list[Organisation]:
    """A council named beside its own predecessors ('before Buckinghamshire Council was
    formed, Aylesbury Vale and Wycombe ...', 'merged to form Somerset West and Taunton')
    dates the story; it is not a partner."""
    successors = {s for o in orgs if o.code for s in gazetteer.successors_of(o.code)}
    kept = [o for o in orgs if not (o.code and o.code in successors)]
    return kept if len(kept) >= 2 else orgs


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£])")


# "... was set up by Bridgend, Cardiff and the Vale. It delivers environmental health":
# the sentence after one naming the councils, speaking of what they set up.
_REFERS_BACK = re.compile(r"(?:it|they|this|the (?:service|partnership|team|arrangement))\b",
                          re.IGNORECASE)  # fmt: skip


def naming_sentences(text: str, orgs: list[Organisation]) -> str:
    """The sentences of ``text`` that name one of ``orgs`` (by name or first word), and
    each one right after such a sentence that speaks of it ('It delivers ...')."""
    if not orgs:
        return ""
    words = {o.name.split()[0].lower() for o in orgs if o.name.split()}
    names = re.compile(
        "|".join(rf"\b{re.escape(w)}\b" for w in sorted(words | {o.name.lower() for o in orgs})),
        re.IGNORECASE,
    )
    sentences = _SENTENCE.split(text)
    kept = [s for i, s in enumerate(sentences) if names.search(s) or (
        i and names.search(sentences[i - 1]) and _REFERS_BACK.match(s)
        and not ABOUT_MONEY.search(s))]  # fmt: skip
    return " ".join(kept)


def dedupe(orgs: list[Organisation]) -> list[Organisation]:
    """One entry per body (by code, else by name); a lead mention wins over a partner one."""
    seen: dict[str, Organisation] = {}
    for org in orgs:
        key = org.code or org.name.lower()
        if key in seen:
            if org.role == "lead":
                seen[key].role = "lead"
            continue
        seen[key] = org
    result = list(seen.values())
    leads = [o for o in result if o.role == "lead"]
    for extra in leads[1:]:  # the contract allows one lead at most
        extra.role = "partner"
    return result
