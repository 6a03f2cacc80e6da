"""Store stage: write extracted entries as submission rows, and read them back."""

from typing import Any

from sqlalchemy import insert
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


def make_reference(year: int, submission_id: int) -> str:
    """``SS-2026-00042``: the year of receipt and the row's own number, so it is unique."""
    return f"SS-{year}-{submission_id:05d}"


def save_entries(
    session: Session, message: MessageRecord, result: ExtractResult
) -> list[Submission]:
    """Add one submission per entry (with organisations, areas, savings); flushes for ids."""
    assert message.id is not None
    saved: list[Submission] = []
    for position, entry in enumerate(result.submissions):
        contact = entry.contact or Contact()
        row = Submission(
            message_id=message.id, position=position, title=entry.title,
            arrangement_type=entry.arrangement_type, status=entry.status,
            start_year=entry.start_year, savings_none_reason=entry.savings_none_reason,
            description=entry.description, benefits=entry.benefits,
            contact_name=contact.name, contact_email=contact.email, contact_phone=contact.phone,
            sender_email=result.sender.email, missing=list(entry.missing),
            sources=dict(entry.sources), warnings=list(result.warnings),
            review_state="pending" if not entry.missing else "awaiting_council",
        )  # fmt: skip
        session.add(row)
        session.flush()
        assert row.id is not None
        row.reference = make_reference(message.received_at.year, row.id)
        _add_children(session, row.id, entry)
        add_event(session, actor="pipeline", action="submission_created",
                  message_id=message.id, submission_id=row.id,
                  detail={"reference": row.reference, "missing": list(entry.missing)})  # fmt: skip
        saved.append(row)
    return saved


def _add_children(session: Session, submission_id: int, entry: SubmissionEntry) -> None:
    add_organisations(session, submission_id, entry.organisations)
    add_service_areas(session, submission_id, entry.service_areas)
    add_savings(session, submission_id, entry.savings)


# Child rows and events go in as plain multi-row inserts: this runs for every message, and
# the ORM's unit of work costs several times more per row for objects nobody reads back
# through the session (they are queried from the database, in the same transaction).


def add_event(session: Session, **values: Any) -> None:
    """One event log row (actor, action, message_id, submission_id, detail)."""
    session.execute(insert(table_of(Event)), [{"at": utcnow(), "detail": {}, **values}])


def add_organisations(session: Session, submission_id: int, orgs: list[Organisation],
                      first_position: int = 0) -> None:  # fmt: skip
    rows = [{"submission_id": submission_id, "position": position, **org.model_dump()}
            for position, org in enumerate(orgs, first_position)]  # fmt: skip
    if rows:
        session.execute(insert(table_of(SubmissionOrganisation)), rows)


def add_service_areas(session: Session, submission_id: int, slugs: list[str]) -> None:
    rows = [{"submission_id": submission_id, "slug": slug} for slug in dict.fromkeys(slugs)]
    if rows:
        session.execute(insert(table_of(SubmissionServiceArea)), rows)


def add_savings(session: Session, submission_id: int, savings: list[Saving]) -> None:
    rows = [{"submission_id": submission_id, **saving.model_dump()} for saving in savings]
    if rows:
        session.execute(insert(table_of(SubmissionSaving)), rows)


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
