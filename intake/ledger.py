"""The ledger: every fetched message stored raw before anything reads it.

``record`` runs in its own transaction: the raw bytes (content-addressed), the
ledger row and the folder's cursor are committed together, so a crash either
keeps the message and its place, or neither (and the message is fetched again).
The same message seen again (same UID, or the same bytes) creates nothing new.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from intake.faults import crash_point
from intake.messages import RawMessage
from intake.store import Event, MailboxCursor, MessageRecord, RawBlob, utcnow

_HEADER_PARSER = BytesHeaderParser(policy=compat32)


@dataclass(frozen=True)
class Recorded:
    id: int
    is_new: bool


def header_message_id(data: bytes) -> str | None:
    """The Message-ID, read from the header block alone (no MIME parsing yet)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
    head = data if end < 0 else data[: end + 2]
    try:
        value = _HEADER_PARSER.parsebytes(head).get("Message-ID")
    except Exception:  # a header block too broken to read still gets stored
        return None
    return str(value).strip()[:998] or None if value is not None else None


class Ledger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def cursor(self, mailbox: str, folder: str) -> MailboxCursor:
        with Session(self.engine) as session:
            row = session.get(MailboxCursor, (mailbox, folder))
            return row or MailboxCursor(mailbox=mailbox, folder=folder)

    def record(self, raw: RawMessage) -> Recorded:
        sha = hashlib.sha256(raw.data).hexdigest()
        with Session(self.engine) as session:
            existing = self._find(session, raw, sha)
            if existing is None:
                self._insert_blob(session, sha, raw.data)
                row = MessageRecord(
                    mailbox=raw.mailbox, folder=raw.folder, uidvalidity=raw.uidvalidity,
                    uid=raw.uid, message_id=header_message_id(raw.data), sha256=sha,
                    size=len(raw.data),
                )  # fmt: skip
                session.add(row)
                session.flush()
                assert row.id is not None
                session.add(Event(actor="poller", action="received", message_id=row.id,
                                  detail={"uid": raw.uid, "folder": raw.folder}))
            self._advance_cursor(session, raw)
            session.commit()
            crash_point("ledger.recorded")
            if existing is not None:
                return Recorded(existing, False)
            assert row.id is not None
            return Recorded(row.id, True)

    def _find(self, session: Session, raw: RawMessage, sha: str) -> int | None:
        if raw.uid is not None:
            same_uid = session.scalar(
                select(MessageRecord.id).where(
                    MessageRecord.mailbox == raw.mailbox,
                    MessageRecord.folder == raw.folder,
                    MessageRecord.uidvalidity == raw.uidvalidity,
                    MessageRecord.uid == raw.uid,
                )
            )
            if same_uid is not None:
                return int(same_uid)
        same_bytes = session.scalar(
            select(func.min(MessageRecord.id)).where(MessageRecord.sha256 == sha)
        )
        return int(same_bytes) if same_bytes is not None else None

    def _insert_blob(self, session: Session, sha: str, data: bytes) -> None:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert(RawBlob).values(sha256=sha, size=len(data), data=data)
        session.execute(stmt.on_conflict_do_nothing(index_elements=["sha256"]))

    def _advance_cursor(self, session: Session, raw: RawMessage) -> None:
        cursor = session.get(MailboxCursor, (raw.mailbox, raw.folder))
        if cursor is None:
            cursor = MailboxCursor(mailbox=raw.mailbox, folder=raw.folder, last_uid=0)
        if cursor.uidvalidity != raw.uidvalidity:
            cursor.uidvalidity, cursor.last_uid = raw.uidvalidity, 0
        if raw.uid is not None and raw.uid > cursor.last_uid:
            cursor.last_uid = raw.uid
        session.add(cursor)

    def mark_poll(self, mailbox: str, folder: str, *, error: str | None) -> None:
        with Session(self.engine) as session:
            cursor = session.get(MailboxCursor, (mailbox, folder)) or MailboxCursor(
                mailbox=mailbox, folder=folder
            )
            now = utcnow()
            cursor.last_poll_at = now
            cursor.last_error = error
            if error is None:
                cursor.last_success_at = now
            session.add(cursor)
            session.commit()

    def raw_bytes(self, message_row_id: int) -> bytes:
        with Session(self.engine) as session:
            data = session.scalars(
                select(RawBlob.data)
                .join(MessageRecord, MessageRecord.sha256 == RawBlob.sha256)
                .where(MessageRecord.id == message_row_id)
            ).one()
            return bytes(data)

    def pending_ids(self) -> list[int]:
        """Messages stored but not yet processed (left by a crash, or just fetched)."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(MessageRecord.id)
                .where(MessageRecord.state == "received")
                .order_by(MessageRecord.id)
            ).all()
            return [int(r) for r in rows]

    def last_poll(self) -> datetime | None:
        with Session(self.engine) as session:
            return session.scalar(select(func.max(MailboxCursor.last_success_at)))
