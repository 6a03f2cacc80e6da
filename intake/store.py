"""SQLModel tables: the ledger, submissions, the outbox and the event log.

Migrations under db/ create exactly these tables; ``tests/test_migrations.py``
checks that the two agree.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class RawBlob(SQLModel, table=True):
    """Raw message bytes, content-addressed: one row per distinct SHA-256."""

    __tablename__ = "raw_blob"
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MessageRecord(SQLModel, table=True):
    """The ledger: one row per distinct message fetched, whatever became of it.

    States: received -> processed | failed | quarantined. ``uid`` is unique per
    mailbox, folder and UIDVALIDITY, so a UID is never taken twice.
    """

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_message_uid"),
        Index("ix_message_msgid_sha", "message_id", "sha256"),
        Index("ix_message_state", "state"),
    )
    id: int | None = Field(default=None, primary_key=True)
    mailbox: str = Field(max_length=300)
    folder: str = Field(max_length=300)
    uidvalidity: int | None = None
    uid: int | None = None
    message_id: str | None = Field(default=None, max_length=998)
    sha256: str = Field(foreign_key="raw_blob.sha256", max_length=64, index=True)
    size: int
    state: str = Field(default="received", max_length=20)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    kind: str | None = Field(default=None, max_length=20)
    from_email: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, sa_column=Column(Text))
    attempts: int = 0
    received_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None
    extract: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # normalised sender + subject + body + attachments (intake.dedupe): the same
    # message re-sent under another Message-ID has the same content hash
    content_hash: str | None = Field(default=None, max_length=64, index=True)


class MailboxCursor(SQLModel, table=True):
    """How far the poller has read one mailbox folder, per UIDVALIDITY."""

    __tablename__ = "mailbox_cursor"
    mailbox: str = Field(primary_key=True, max_length=300)
    folder: str = Field(primary_key=True, max_length=300)
    uidvalidity: int | None = None
    last_uid: int = 0
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class Submission(SQLModel, table=True):
    """One arrangement as held for review (an entry of the contract's ``submissions``)."""

    __tablename__ = "submission"
    id: int | None = Field(default=None, primary_key=True)
    reference: str | None = Field(default=None, max_length=20, unique=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    position: int = 0  # index of the entry within its message
    review_state: str = Field(default="pending", max_length=30, index=True)
    title: str | None = Field(default=None, sa_column=Column(Text))
    arrangement_type: str | None = Field(default=None, max_length=30)
    status: str | None = Field(default=None, max_length=30)
    start_year: int | None = None
    savings_none_reason: str | None = Field(default=None, sa_column=Column(Text))
    description: str | None = Field(default=None, sa_column=Column(Text))
    benefits: str | None = Field(default=None, sa_column=Column(Text))
    contact_name: str | None = Field(default=None, max_length=300)
    contact_email: str | None = Field(default=None, max_length=320)
    contact_phone: str | None = Field(default=None, max_length=60)
    sender_email: str | None = Field(default=None, max_length=320, index=True)
    missing: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    sources: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON))
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    flag: str | None = Field(default=None, sa_column=Column(Text))  # needs staff: why
    # the sender failed DMARC or wrote from outside any known public-sector domain
    unverified: bool = False
    # review_state 'duplicate_candidate': the record (or published map entry) it repeats
    duplicate_of: int | None = Field(default=None, index=True)
    duplicate_of_map: int | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SubmissionOrganisation(SQLModel, table=True):
    __tablename__ = "submission_organisation"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    position: int
    name: str = Field(sa_column=Column(Text, nullable=False))
    code: str | None = Field(default=None, max_length=9)
    current_code: str | None = Field(default=None, max_length=9, index=True)
    role: str = Field(max_length=10)
    kind: str = Field(max_length=30)


class SubmissionServiceArea(SQLModel, table=True):
    __tablename__ = "submission_service_area"
    submission_id: int = Field(foreign_key="submission.id", primary_key=True)
    slug: str = Field(primary_key=True, max_length=40)


class SubmissionSaving(SQLModel, table=True):
    __tablename__ = "submission_saving"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    amount_gbp: int
    period: str = Field(max_length=20)
    basis: str = Field(max_length=20)
    year: str | None = Field(default=None, max_length=20)


class Reply(SQLModel, table=True):
    """The outbox: a reply is written here with the submission, sent later, once.

    States: pending -> sending -> sent | failed. ``raw`` holds the full MIME,
    fixed at enqueue time with its own Message-ID, so a resend is byte-identical.
    """

    __tablename__ = "reply"
    __table_args__ = (Index("ix_reply_due", "state", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)  # what it answers
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    kind: str = Field(max_length=20)
    to_address: str = Field(max_length=320, index=True)
    subject: str = Field(sa_column=Column(Text, nullable=False))
    header_message_id: str = Field(max_length=998, unique=True)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class Event(SQLModel, table=True):
    """What happened to each message and submission, when, and by whom or what."""

    __tablename__ = "event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=60)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class SubmissionHistory(SQLModel, table=True):
    """Each change to a submission's facts after it was created, and where it came from."""

    __tablename__ = "submission_history"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    field: str = Field(max_length=40)
    old: Any = Field(default=None, sa_column=Column(JSON))
    new: Any = Field(default=None, sa_column=Column(JSON))
    message_id: int | None = Field(default=None, foreign_key="message.id")  # the source message
    actor: str = Field(max_length=200)  # 'council' for a follow-up; staff changes name the user
    at: datetime = Field(default_factory=utcnow)


class SuppressedAddress(SQLModel, table=True):
    """Addresses never written to again automatically (a reply to them bounced)."""

    __tablename__ = "suppressed_address"
    address: str = Field(primary_key=True, max_length=320)  # lower case
    reason: str = Field(sa_column=Column(Text, nullable=False))
    message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: datetime = Field(default_factory=utcnow)


class MapEntry(SQLModel, table=True):
    """An arrangement already published on the map (``intake import-map``)."""

    __tablename__ = "map_entry"
    id: int | None = Field(default=None, primary_key=True)
    map_id: str = Field(max_length=100, unique=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text))
    organisations: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    council_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    service_areas: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    url: str | None = Field(default=None, sa_column=Column(Text))
    imported_at: datetime = Field(default_factory=utcnow)


class ArrangementFingerprint(SQLModel, table=True):
    """What duplicate matching compares, one row per held submission or map entry."""

    __tablename__ = "arrangement_fingerprint"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", unique=True)
    map_entry_id: int | None = Field(default=None, foreign_key="map_entry.id", unique=True)
    reference: str = Field(max_length=100)
    codes: str = Field(sa_column=Column(Text, nullable=False))  # current codes, space-separated
    areas: str = Field(sa_column=Column(Text, nullable=False))  # slugs, space-separated
    text: str = Field(sa_column=Column(Text, nullable=False))  # title + description, normalised


class ArrangementCouncilKey(SQLModel, table=True):
    """The blocking index: (council current_code, service area) -> fingerprints naming both."""

    __tablename__ = "arrangement_council_key"
    code: str = Field(primary_key=True, max_length=9)
    area: str = Field(primary_key=True, max_length=40)
    fingerprint_id: int = Field(foreign_key="arrangement_fingerprint.id", primary_key=True,
                                index=True)  # fmt: skip


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for the few hot paths written without the ORM."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table
