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

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from intake.faults import crash_point
from intake.messages import RawMessage
from intake.store import Event, MailboxCursor, MessageRecord, RawBlob, table_of, utcnow

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
        # Plain SQL expressions on one connection: this runs for every message fetched,
        # and the ORM's unit of work costs ten times more here for nothing.
        sha = hashlib.sha256(raw.data).hexdigest()
        with self.engine.begin() as conn:
            existing = self._find(conn, raw, sha)
            if existing is None:
                self._insert_blob(conn, sha, raw.data)
                row_id = conn.execute(
                    insert(table_of(MessageRecord)).returning(table_of(MessageRecord).c.id),
                    {"mailbox": raw.mailbox, "folder": raw.folder,
                     "uidvalidity": raw.uidvalidity, "uid": raw.uid,
                     "message_id": header_message_id(raw.data), "sha256": sha,
                     "size": len(raw.data), "state": "received", "attempts": 0,
                     "received_at": utcnow()},
                ).scalar_one()  # fmt: skip
                conn.execute(insert(table_of(Event)), {
                    "at": utcnow(), "actor": "poller", "action": "received", "message_id": row_id,
                    "detail": {"uid": raw.uid, "folder": raw.folder}})  # fmt: skip
            self._advance_cursor(conn, raw)
        crash_point("ledger.recorded")
        return Recorded(existing, False) if existing is not None else Recorded(row_id, True)

    def _find(self, conn: Connection, raw: RawMessage, sha: str) -> int | None:
        table = table_of(MessageRecord).c
        if raw.uid is not None:
            same_uid = conn.execute(
                select(table.id).where(
                    table.mailbox == raw.mailbox,
                    table.folder == raw.folder,
                    table.uidvalidity == raw.uidvalidity,
                    table.uid == raw.uid,
                )
            ).scalar()
            if same_uid is not None:
                return int(same_uid)
        same_bytes = conn.execute(select(func.min(table.id)).where(table.sha256 == sha)).scalar()
        return int(same_bytes) if same_bytes is not None else None

    def _insert_blob(self, conn: Connection, sha: str, data: bytes) -> None:
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        stmt = dialect_insert(table_of(RawBlob)).values(sha256=sha, size=len(data), data=data)
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["sha256"]))

    def _advance_cursor(self, conn: Connection, raw: RawMessage) -> None:
        table = table_of(MailboxCursor)
        key = (table.c.mailbox == raw.mailbox) & (table.c.folder == raw.folder)
        row = conn.execute(select(table.c.uidvalidity, table.c.last_uid).where(key)).first()
        if row is None:
            conn.execute(insert(table), {"mailbox": raw.mailbox, "folder": raw.folder,
                                         "uidvalidity": raw.uidvalidity,
                                         "last_uid": raw.uid or 0})  # fmt: skip
            return
        last_uid = row.last_uid if row.uidvalidity == raw.uidvalidity else 0
        if raw.uid is not None and raw.uid > last_uid:
            last_uid = raw.uid
        if (row.uidvalidity, row.last_uid) != (raw.uidvalidity, last_uid):
            conn.execute(update(table).where(key).values(uidvalidity=raw.uidvalidity,
                                                         last_uid=last_uid))  # fmt: skip

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
                select(col(RawBlob.data))
                .join(MessageRecord, col(MessageRecord.sha256) == col(RawBlob.sha256))
                .where(col(MessageRecord.id) == message_row_id)
            ).one()
            return bytes(data)

    def pending_ids(self) -> list[int]:
        """Messages stored but not yet processed (left by a crash, or just fetched)."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(col(MessageRecord.id))
                .where(col(MessageRecord.state) == "received")
                .order_by(col(MessageRecord.id))
            ).all()
            return [int(r) for r in rows if r is not None]

    def last_poll(self) -> datetime | None:
        with Session(self.engine) as session:
            return session.scalar(select(func.max(MailboxCursor.last_success_at)))
