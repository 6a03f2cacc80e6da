"""Staff edits: the edit form read into a contract entry, then written with its history.

The form is checked exactly as intake checks an entry (the contract's models and
the validation rules), councils come from the gazetteer by code, and every
changed field is kept in ``submission_history`` with the member of staff.
"""

from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import delete
from sqlmodel import Session, col

from intake.contract import SERVICE_AREAS, Contact, Organisation, Saving, SubmissionEntry
from intake.dedupe import Fingerprint, index_arrangement
from intake.gazetteer import Gazetteer
from intake.records import _add_children, add_event, load_entry
from intake.store import (
    Submission,
    SubmissionHistory,
    SubmissionOrganisation,
    SubmissionSaving,
    SubmissionServiceArea,
    utcnow,
)
from intake.validate import ValidationRules, missing_fields
from intake.web.detail import FIELD_LABELS

MAX_ROWS = 30


class EditError(ValueError):
    """Raised when the edit form holds something intake would not accept; says what."""


def _text(form: Mapping[str, str], name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def _year(value: str | None, label: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 1950 <= int(value) <= datetime.now(UTC).year + 10:
        raise EditError(f"{label}: {value!r} is not a year")
    return int(value)


def _organisations(form: Mapping[str, str], gazetteer: Gazetteer) -> list[Organisation]:
    orgs = []
    for i in range(MAX_ROWS):
        code, name = _text(form, f"org_code_{i}"), _text(form, f"org_name_{i}")
        role = form.get(f"org_role_{i}") or "partner"
        if code:
            council = gazetteer.get(code)
            if council is None:
                raise EditError(f"council {code!r} is not in the gazetteer")
            current = gazetteer.current_code(code)
            fields = {"name": council.name, "code": code, "current_code": current}
            orgs.append(Organisation.model_validate(fields | {"role": role, "kind": "council"}))
        elif name:
            kind = gazetteer.classify_body(name)
            orgs.append(Organisation.model_validate({"name": name, "role": role, "kind": kind}))
    return orgs


def _savings(form: Mapping[str, str]) -> list[Saving]:
    savings = []
    for i in range(MAX_ROWS):
        amount = _text(form, f"saving_amount_{i}")
        if amount is None:
            continue
        digits = amount.replace(",", "").replace("£", "").strip()
        if not digits.isdigit():
            raise EditError(f"saving {i + 1}: {amount!r} is not a whole number of pounds")
        fields = {
            "amount_gbp": int(digits),
            "period": form.get(f"saving_period_{i}") or "annual",
            "basis": form.get(f"saving_basis_{i}") or "achieved",
            "year": _text(form, f"saving_year_{i}"),
        }
        savings.append(Saving.model_validate(fields))
    return savings


def entry_from_form(
    form: Mapping[str, str], areas: list[str], gazetteer: Gazetteer, sources: dict[str, str]
) -> SubmissionEntry:
    """The entry the form describes; EditError naming the first thing wrong."""
    unknown = [a for a in areas if a not in SERVICE_AREAS]
    if unknown:
        raise EditError(f"unknown service area {unknown[0]!r}")
    contact = Contact(
        name=_text(form, "contact_name"),
        email=_text(form, "contact_email"),
        phone=_text(form, "contact_phone"),
    )
    try:
        return SubmissionEntry(
            title=_text(form, "title"),
            organisations=_organisations(form, gazetteer),
            service_areas=list(dict.fromkeys(areas)),
            arrangement_type=_text(form, "arrangement_type"),
            status=_text(form, "status"),
            start_year=_year(_text(form, "start_year"), "start year"),
            savings=_savings(form),
            savings_none_reason=_text(form, "savings_none_reason"),
            description=_text(form, "description"),
            benefits=_text(form, "benefits"),
            contact=contact if contact.name or contact.email or contact.phone else None,
            sources=dict(sources),
        )
    except ValidationError as e:
        err = e.errors()[0]
        raise EditError(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from e


def apply_edit(
    session: Session, sub: Submission, new: SubmissionEntry, rules: ValidationRules, actor: str
) -> list[str]:
    """Write ``new`` over ``sub`` (not committed); the names of the fields that changed."""
    from intake.web.detail import entry_text

    old = load_entry(session, sub)
    changed = [f for f in FIELD_LABELS if entry_text(old, f) != entry_text(new, f)]
    if not changed:
        return []
    assert sub.id is not None
    for name in changed:
        before, after = getattr(old, name), getattr(new, name)
        session.add(
            SubmissionHistory(
                submission_id=sub.id, field=name, actor=actor, old=_json(before), new=_json(after)
            )
        )
        new.sources[name] = "staff"
    for name in (
        "title",
        "arrangement_type",
        "status",
        "start_year",
        "savings_none_reason",
        "description",
        "benefits",
    ):
        setattr(sub, name, getattr(new, name))
    contact = new.contact or Contact()
    sub.contact_name, sub.contact_email, sub.contact_phone = (
        contact.name,
        contact.email,
        contact.phone,
    )
    sub.sources = dict(new.sources)
    sub.missing = list(missing_fields(new, rules))
    sub.updated_at = utcnow()
    for table in (SubmissionOrganisation, SubmissionServiceArea, SubmissionSaving):
        session.execute(delete(table).where(col(table.submission_id) == sub.id))
    _add_children(session, sub.id, new)
    session.add(sub)
    # Staff corrections change what later messages are compared with for duplicates.
    index_arrangement(session, Fingerprint.of(new), reference=sub.reference or "",
                      submission_id=sub.id)  # fmt: skip
    add_event(
        session,
        actor=actor,
        action="edited",
        message_id=sub.message_id,
        submission_id=sub.id,
        detail={"fields": changed},
    )
    return changed


def _json(value: object) -> object:
    if isinstance(value, list):
        return [v.model_dump() if hasattr(v, "model_dump") else v for v in value]
    return value.model_dump() if hasattr(value, "model_dump") else value
