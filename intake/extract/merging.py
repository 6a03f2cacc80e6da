"""One arrangement told in several places of one message: in the body and an attached
sheet, or in the same form attached twice. Their entries become one: the first's facts
stand and the others fill what it lacks, each fact keeping its own source."""

from intake.contract import SubmissionEntry

Found = list[tuple[SubmissionEntry, dict[str, str], str]]  # entry, its fields, its source

_FACTS = ("title", "organisations", "service_areas", "arrangement_type", "status", "start_year",
          "savings", "savings_none_reason", "description", "benefits")  # fmt: skip
_EMPTY: tuple[object, ...] = (None, [], "")


def told_in_parts(body: Found, attached: Found) -> Found:
    """'The savings and a description are in the attached sheet': one entry from the
    body and one from one attachment are one arrangement told in two parts when they do
    not name different councils (one names some of the other's, or none) or different
    services. The body's facts stand, but for a fuller list of the same councils."""
    if len(body) != 1 or len(attached) != 1:
        return body + attached
    (entry, fields, source), (other, other_fields, other_source) = body[0], attached[0]
    codes, other_codes = council_codes(entry), council_codes(other)
    areas, other_areas = set(entry.service_areas), set(other.service_areas)
    if (codes and other_codes and not (codes <= other_codes or other_codes <= codes)) or (
        areas and other_areas and not areas & other_areas
    ):
        return body + attached
    if codes < other_codes:  # the other part names more of the same councils
        entry.organisations = other.organisations
        entry.sources["organisations"] = other.sources.get("organisations", other_source)
    _fill(entry, other, other_source)
    return [(entry, {**other_fields, **{k: v for k, v in fields.items() if v}}, source)]


def once_each(found: Found) -> Found:
    """One form sent twice (as PDF and as Word) is one arrangement: entries naming the
    same councils and the same services are one."""
    first_of: dict[tuple[frozenset[str], frozenset[str]], SubmissionEntry] = {}
    once: Found = []
    for entry, fields, source in found:
        key = (frozenset(council_codes(entry)), frozenset(entry.service_areas))
        if all(key) and key in first_of:
            _fill(first_of[key], entry, source)
            continue
        if all(key):
            first_of[key] = entry
        once.append((entry, fields, source))
    return once


def council_codes(entry: SubmissionEntry) -> set[str]:
    return {o.current_code for o in entry.organisations if o.current_code}


def _fill(entry: SubmissionEntry, other: SubmissionEntry, other_source: str) -> None:
    for name in _FACTS:
        if getattr(entry, name) in _EMPTY and getattr(other, name) not in _EMPTY:
            setattr(entry, name, getattr(other, name))
            entry.sources[name] = other.sources.get(name, other_source)
