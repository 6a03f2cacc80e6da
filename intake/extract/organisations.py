"""Organisations: council and other bodies named in a value or a text, as contract models."""

import re

from intake.contract import Organisation, Role
from intake.gazetteer import CouncilMatch, Gazetteer, MatchContext

# Words that join names in a list; what is left between matches may be a body we
# do not know ('Sussex Police', 'Acme Trust'), kept by name.
_JOINERS = re.compile(r"^(?:[\s,;/&+.()-]|\band\b|\bwith\b|\bthe\b|\bplus\b)*$", re.IGNORECASE)
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


def from_value(value: str, role: Role, gazetteer: Gazetteer,
               context: MatchContext | None, warnings: list[str]) -> list[Organisation]:  # fmt: skip
    """Bodies listed in a field value ('Adur, Worthing & Mid Sussex Police')."""
    matches = gazetteer.match_all(value, context)
    orgs: list[Organisation] = []
    covered = 0
    for m in sorted(matches, key=lambda m: m.start):
        orgs.extend(_unknown(value[covered : m.start], role, gazetteer))
        orgs.append(to_organisation(m, role))
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
              lead_words: re.Pattern[str], warnings: list[str]) -> list[Organisation]:  # fmt: skip
    """Bodies named in prose, in order; a body next to a lead word ('hosted by') is lead."""
    orgs = []
    lead_taken = False
    for m in gazetteer.find_in_text(text, context):
        if m.warning:
            warnings.append(m.warning)
        window = text[max(0, m.start - 40) : m.end + 40]
        is_lead = not lead_taken and bool(lead_words.search(window))
        lead_taken = lead_taken or is_lead
        orgs.append(to_organisation(m, "lead" if is_lead else "partner"))
    return orgs


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
