"""The review queue: open submissions with a status each, filtered, searched and paged.

Open submissions are few (they are worked off daily), so they are read whole and
filtered here, which keeps one definition of each status in one place.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from intake.gazetteer import Gazetteer
from intake.store import (
    MessageRecord,
    Submission,
    SubmissionOrganisation,
    SubmissionSaving,
    SubmissionServiceArea,
)

OPEN_STATES = ("pending", "awaiting_council", "duplicate_candidate")
STATUSES = {
    "needs_review": "Needs review",
    "awaiting_council": "Awaiting council's answer",
    "duplicate_candidate": "Duplicate candidate",
    "unverified_sender": "Unverified sender",
    "failed": "Failed or quarantined message",
}
FAILED_STATES = ("failed", "quarantined")


@dataclass
class QueueRow:
    id: int
    reference: str
    title: str
    status: str
    sender: str
    received_at: datetime
    councils: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    savings: list[SubmissionSaving] = field(default_factory=list)
    text: str = ""


@dataclass
class QueueFilters:
    status: str | None = None
    region: str | None = None
    area: str | None = None
    council: str | None = None
    q: str | None = None
    page: int = 1


@dataclass
class QueuePage:
    rows: list[QueueRow]
    counts: dict[str, int]
    total: int
    page: int
    pages: int
    failed: list[MessageRecord] = field(default_factory=list)


def status_of(sub: Submission) -> str:
    if sub.review_state == "duplicate_candidate":
        return "duplicate_candidate"
    if sub.review_state == "awaiting_council":
        return "awaiting_council"
    if sub.unverified:
        return "unverified_sender"
    return "needs_review"


def load_rows(session: Session, subs: list[Submission], gazetteer: Gazetteer) -> list[QueueRow]:
    """Queue rows for ``subs`` with their councils, areas and savings (three queries)."""
    ids = [s.id for s in subs]
    orgs = session.scalars(
        select(SubmissionOrganisation)
        .where(col(SubmissionOrganisation.submission_id).in_(ids))
        .order_by(col(SubmissionOrganisation.position))
    ).all()
    areas = session.execute(
        select(col(SubmissionServiceArea.submission_id), col(SubmissionServiceArea.slug)).where(
            col(SubmissionServiceArea.submission_id).in_(ids)
        )
    ).all()
    savings = session.scalars(
        select(SubmissionSaving).where(col(SubmissionSaving.submission_id).in_(ids))
    ).all()
    message_ids = {s.message_id for s in subs}
    received: dict[int | None, datetime] = {
        row_id: at
        for row_id, at in session.execute(
            select(col(MessageRecord.id), col(MessageRecord.received_at)).where(
                col(MessageRecord.id).in_(message_ids)
            )
        ).all()
    }
    rows: dict[int, QueueRow] = {}
    for s in subs:
        assert s.id is not None
        rows[s.id] = QueueRow(
            id=s.id,
            reference=s.reference or "",
            title=s.title or "(untitled)",
            status=status_of(s),
            sender=s.sender_email or "",
            received_at=received.get(s.message_id, s.created_at),
            text=" ".join(x or "" for x in (s.reference, s.title, s.description, s.sender_email)),
        )
    for o in orgs:
        row = rows[o.submission_id]
        council = (
            gazetteer.get(o.current_code or o.code or "") if (o.current_code or o.code) else None
        )
        row.councils.append(o.name)
        row.codes += [c for c in (o.code, o.current_code) if c]
        if council is not None:
            row.regions.append(council.region)
        row.text += " " + o.name
    for sub_id, slug in areas:
        rows[sub_id].areas.append(slug)
    for saving in savings:
        rows[saving.submission_id].savings.append(saving)
    return list(rows.values())


def _keep(row: QueueRow, f: QueueFilters) -> bool:
    if f.region and f.region not in row.regions:
        return False
    if f.area and f.area not in row.areas:
        return False
    if f.council and f.council not in row.codes:
        return False
    return not f.q or f.q.casefold().strip() in row.text.casefold()


def failed_messages(session: Session) -> list[MessageRecord]:
    return list(
        session.scalars(
            select(MessageRecord)
            .where(col(MessageRecord.state).in_(FAILED_STATES))
            .order_by(col(MessageRecord.id))
        ).all()
    )


def queue_page(
    session: Session, gazetteer: Gazetteer, f: QueueFilters, per_page: int = 25
) -> QueuePage:
    subs = list(
        session.scalars(
            select(Submission)
            .where(col(Submission.review_state).in_(OPEN_STATES))
            .order_by(col(Submission.id))
        ).all()
    )
    rows = load_rows(session, subs, gazetteer)
    counts = Counter(r.status for r in rows)
    failed = failed_messages(session)
    counts["failed"] = len(failed)
    counts = Counter({k: counts.get(k, 0) for k in STATUSES})
    if f.status == "failed":
        return QueuePage([], dict(counts), len(failed), 1, 1, failed)
    chosen = [r for r in rows if (not f.status or r.status == f.status) and _keep(r, f)]
    chosen.sort(key=lambda r: (r.received_at, r.id))
    pages = max(1, -(-len(chosen) // per_page))
    page = min(max(1, f.page), pages)
    shown = chosen[(page - 1) * per_page : page * per_page]
    return QueuePage(shown, dict(counts), len(chosen), page, pages)


def oldest_open(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(Submission.created_at)).where(col(Submission.review_state).in_(OPEN_STATES))
    )
