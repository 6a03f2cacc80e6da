"""Store stage: write extracted entries as submission rows, and read them back."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session, col, select

from intake.contract import Contact, ExtractResult, Organisation, Saving, SubmissionEntry
from intake.store import (
    Event,
    MessageRecord,
    Submission,
    SubmissionOrganisation,
    SubmissionSaving,
    SubmissionServiceArea,
    table_of,
    utcnow,
)

# Submission columns that are contract fields of the same name.
_ENTRY_COLUMNS = {"title", "arrangement_type", "status", "start_year", "savings_none_reason",
                  "description", "benefits"}  # fmt: skip


# Built once: these run for every new submission, and building a statement costs more than
# running it.
_SUBMISSION = table_of(Submission)
_INSERT_SUBMISSIONS = insert(_SUBMISSION).returning(_SUBMISSION.c.id, sort_by_parameter_order=True)
_SET_REFERENCE = (
    update(_SUBMISSION)
    .where(_SUBMISSION.c.id == bindparam("row_id"))
    .values(reference=bindparam("ref"))
)
_INSERT = {
    model: insert(table_of(model))
    for model in (Event, SubmissionOrganisation, SubmissionServiceArea, SubmissionSaving)
}


_HELD_EVENTS = "intake.held_events"


def make_reference(year: int, submission_id: int) -> str:
    """``SS-2026-00042``: the year of receipt and the row's own number, so it is unique."""
    return f"SS-{year}-{submission_id:05d}"


@dataclass(frozen=True)
class Held:
    """A stored submission, as the reply and the log name it."""

    id: int
    reference: str


@dataclass(frozen=True)
class Decided:
    """How one new entry is to be held, decided before it is written."""

    review_state: str | None = None  # None: 'pending', or 'awaiting_council' if facts lack
    flag: str | None = None
    unverified: bool = False
    duplicate_of: int | None = None
    duplicate_of_map: int | None = None


def save_entries(session: Session, message: MessageRecord, result: ExtractResult,
                 decided: list[Decided] | None = None) -> list[Held]:  # fmt: skip
    """Add one submission per entry (with organisations, areas, savings) and its event.

    Plain SQL on the session's connection, a few statements for all the entries: this runs
    for every new submission, and the ORM's unit of work costs several times more.
    """
    assert message.id is not None
    entries = result.submissions
    decided = decided or [Decided() for _ in entries]
    now = utcnow()
    rows = []
    for position, (entry, how) in enumerate(zip(entries, decided, strict=True)):
        contact = entry.contact or Contact()
        state = how.review_state or ("awaiting_council" if entry.missing else "pending")
        rows.append({
            "message_id": message.id, "position": position, "reference": None,
            **{name: getattr(entry, name) for name in _ENTRY_COLUMNS},
            "contact_name": contact.name, "contact_email": contact.email,
            "contact_phone": contact.phone, "sender_email": result.sender.email,
            "missing": list(entry.missing), "sources": dict(entry.sources),
            "warnings": list(result.warnings), "review_state": state, "flag": how.flag,
            "unverified": how.unverified, "duplicate_of": how.duplicate_of,
            "duplicate_of_map": how.duplicate_of_map, "created_at": now, "updated_at": now,
        })  # fmt: skip
    if not rows:
        return []
    conn = session.connection()
    ids = conn.execute(_INSERT_SUBMISSIONS, rows).scalars().all()
    held = [Held(int(i), make_reference(message.received_at.year, int(i))) for i in ids]
    conn.execute(_SET_REFERENCE, [{"row_id": h.id, "ref": h.reference} for h in held])
    for h, entry in zip(held, entries, strict=True):
        _add_children(session, h.id, entry)
    add_events(session, [
        {"actor": "pipeline", "action": "submission_created", "message_id": message.id,
         "submission_id": h.id, "detail": {"reference": h.reference, "missing": list(e.missing)}}
        for h, e in zip(held, entries, strict=True)
    ])  # fmt: skip
    return held


def _add_children(session: Session, submission_id: int, entry: SubmissionEntry) -> None:
    add_organisations(session, submission_id, entry.organisations)
    add_service_areas(session, submission_id, entry.service_areas)
    add_savings(session, submission_id, entry.savings)


# Child rows and events go in as plain multi-row inserts: this runs for every message, and
# the ORM's unit of work costs several times more per row for objects nobody reads back
# through the session (they are queried from the database, in the same transaction).


def add_event(session: Session, **values: Any) -> None:
    """One event log row (actor, action, message_id, submission_id, detail)."""
    add_events(session, [values])


def add_events(session: Session, events: list[dict[str, Any]]) -> None:
    """Event log rows, in order, in one statement (or at the end of ``held_events``)."""
    if events:
        now = utcnow()
        rows = [{"at": now, "message_id": None, "submission_id": None, "detail": {}, **event}
                for event in events]  # fmt: skip
        held = session.info.get(_HELD_EVENTS)
        if held is not None:
            held.extend(rows)
        else:
            session.connection().execute(_INSERT[Event], rows)


@contextmanager
def held_events(session: Session) -> Iterator[None]:
    """Hold the events added inside the block and write them together at its end.

    Nothing reads the event log while messages are processed, and one statement for a
    whole batch's events costs far less than one for each. Each keeps the time it was
    added at, so the log reads in order. An exception discards them with the
    transaction they belonged to.
    """
    session.info[_HELD_EVENTS] = []
    try:
        yield
        rows = session.info[_HELD_EVENTS]
        if rows:
            session.connection().execute(_INSERT[Event], rows)
    finally:
        session.info.pop(_HELD_EVENTS, None)


def add_organisations(session: Session, submission_id: int, orgs: list[Organisation],
                      first_position: int = 0) -> None:  # fmt: skip
    rows = [{"submission_id": submission_id, "position": position, **org.model_dump()}
            for position, org in enumerate(orgs, first_position)]  # fmt: skip
    if rows:
        session.connection().execute(_INSERT[SubmissionOrganisation], rows)


def add_service_areas(session: Session, submission_id: int, slugs: list[str]) -> None:
    rows = [{"submission_id": submission_id, "slug": slug} for slug in dict.fromkeys(slugs)]
    if rows:
        session.connection().execute(_INSERT[SubmissionServiceArea], rows)


def add_savings(session: Session, submission_id: int, savings: list[Saving]) -> None:
    rows = [{"submission_id": submission_id, **saving.model_dump()} for saving in savings]
    if rows:
        session.connection().execute(_INSERT[SubmissionSaving], rows)


def load_entry(session: Session, submission: Submission) -> SubmissionEntry:
    """A stored submission as the contract's entry (for replies, merges and exports)."""
    orgs = session.exec(
        select(SubmissionOrganisation)
        .where(SubmissionOrganisation.submission_id == submission.id)
        .order_by(col(SubmissionOrganisation.position))
    ).all()
    areas = session.exec(
        select(SubmissionServiceArea.slug).where(
            SubmissionServiceArea.submission_id == submission.id
        )
    ).all()
    savings = session.exec(
        select(SubmissionSaving).where(SubmissionSaving.submission_id == submission.id)
    ).all()
    contact = None
    if submission.contact_name or submission.contact_email or submission.contact_phone:
        contact = Contact(
            name=submission.contact_name,
            email=submission.contact_email,
            phone=submission.contact_phone,
        )
    return SubmissionEntry.model_validate(
        {
            **submission.model_dump(include=_ENTRY_COLUMNS),
            "organisations": [Organisation.model_validate(o, from_attributes=True) for o in orgs],
            "service_areas": list(areas),
            "savings": [Saving.model_validate(s, from_attributes=True) for s in savings],
            "contact": contact,
            "missing": list(submission.missing),
            "sources": dict(submission.sources),
        }
    )
