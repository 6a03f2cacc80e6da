"""What the submission page shows: the fields with their sources, the thread, the history."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlmodel import Session, col

from intake.contract import SubmissionEntry
from intake.records import load_entry
from intake.store import Event, MapEntry, MessageRecord, Reply, Submission, SubmissionHistory

FIELD_LABELS = {
    "title": "Title",
    "organisations": "Councils and partners",
    "service_areas": "Service areas",
    "arrangement_type": "Type of arrangement",
    "status": "Status",
    "start_year": "Start year",
    "savings": "Savings",
    "savings_none_reason": "Why no savings are given",
    "description": "Description",
    "benefits": "Benefits",
    "contact": "Contact",
}


@dataclass
class ThreadItem:
    at: datetime
    direction: str  # "in" (received) or "out" (we sent)
    subject: str
    state: str
    text: str = ""
    message_id: int | None = None


@dataclass
class Comparison:
    """This submission beside the record it may repeat; ``differs`` marks each row."""

    other_label: str
    other_link: str | None
    rows: list[tuple[str, str, str, bool]] = field(default_factory=list)


def entry_text(entry: SubmissionEntry, name: str) -> str:
    """One field of an entry as plain words, for comparing and showing."""
    value: Any = getattr(entry, name)
    if name == "organisations":
        return "; ".join(f"{o.name} ({o.role})" for o in value)
    if name == "savings":
        return "; ".join(
            f"£{s.amount_gbp:,} {s.period} {s.basis} {s.year or ''}".strip() for s in value
        )
    if name == "service_areas":
        return ", ".join(value)
    if name == "contact":
        return ", ".join(x for x in (value.name, value.email, value.phone) if x) if value else ""
    return "" if value is None else str(value)


def reply_text(raw: bytes) -> str:
    msg = message_from_bytes(raw, policy=email_policy.default)
    body = msg.get_body(("plain",)) if isinstance(msg, EmailMessage) else None
    return str(body.get_content()) if isinstance(body, EmailMessage) else ""


def thread(session: Session, sub: Submission) -> list[ThreadItem]:
    """Messages received about this submission and replies we sent, in time order."""
    history_ids = session.scalars(
        select(col(SubmissionHistory.message_id)).where(
            col(SubmissionHistory.submission_id) == sub.id
        )
    ).all()
    ids = {sub.message_id, *(i for i in history_ids if i is not None)}
    conditions: list[ColumnElement[bool]] = [col(MessageRecord.id).in_(ids)]
    if sub.reference:
        conditions.append(col(MessageRecord.subject).contains(sub.reference))
    received = session.scalars(select(MessageRecord).where(or_(*conditions))).all()
    items = [
        ThreadItem(m.received_at, "in", m.subject or "", m.state, message_id=m.id) for m in received
    ]
    replies = session.scalars(select(Reply).where(col(Reply.submission_id) == sub.id)).all()
    items += [
        ThreadItem(r.sent_at or r.created_at, "out", r.subject, r.state, reply_text(r.raw))
        for r in replies
    ]
    return sorted(items, key=lambda i: _aware(i.at))


def _aware(at: datetime) -> float:
    return at.timestamp() if at.tzinfo else at.replace(tzinfo=UTC).timestamp()


def events(session: Session, sub: Submission) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(or_(col(Event.submission_id) == sub.id, col(Event.message_id) == sub.message_id))
            .order_by(col(Event.at), col(Event.id))
        ).all()
    )


def history(session: Session, sub: Submission) -> list[SubmissionHistory]:
    return list(
        session.scalars(
            select(SubmissionHistory)
            .where(col(SubmissionHistory.submission_id) == sub.id)
            .order_by(col(SubmissionHistory.at))
        ).all()
    )


def comparison(session: Session, sub: Submission, entry: SubmissionEntry) -> Comparison | None:
    """Side by side with the record this one may repeat (a held submission or a map entry)."""
    if sub.duplicate_of is not None:
        other = session.get(Submission, sub.duplicate_of)
        if other is None:
            return None
        other_entry = load_entry(session, other)
        result = Comparison(other.reference or f"#{other.id}", f"/submissions/{other.id}")
        for name, label in FIELD_LABELS.items():
            mine, theirs = entry_text(entry, name), entry_text(other_entry, name)
            result.rows.append((label, mine, theirs, mine != theirs))
        return result
    if sub.duplicate_of_map is not None:
        mapped = session.get(MapEntry, sub.duplicate_of_map)
        if mapped is None:
            return None
        result = Comparison(f"map entry {mapped.map_id}", mapped.url)
        pairs = [
            ("Title", entry_text(entry, "title"), mapped.title),
            ("Councils and partners", ", ".join(o.name for o in entry.organisations),
             ", ".join(mapped.organisations)),
            ("Service areas", entry_text(entry, "service_areas"), ", ".join(mapped.service_areas)),
            ("Description", entry_text(entry, "description"), mapped.description or ""),
        ]  # fmt: skip
        result.rows = [(label, a, b, a != b) for label, a, b in pairs]
        return result
    return None
