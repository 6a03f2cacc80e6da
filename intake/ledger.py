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
        return self.record_many([raw])[0]

    def record_many(self, raws: list[RawMessage]) -> list[Recorded]:
        """Store a fetched batch in one transaction: raw bytes, ledger rows, events, cursor.

        Plain SQL expressions, a few statements for the whole batch: this runs for every
        message fetched, and a transaction (and the ORM's unit of work) per message costs
        many times more. One message per transaction would not be safer: the batch is
        committed before any of it is parsed, and a crash before the commit keeps none of
        it, cursor included, so the batch is fetched again.
        """
        if not raws:
            return []
        if len({(raw.mailbox, raw.folder, raw.uidvalidity) for raw in raws}) > 1:
            return [self.record_many([raw])[0] for raw in raws]  # one folder's cursor each
        shas = [hashlib.sha256(raw.data).hexdigest() for raw in raws]
        recorded: list[Recorded] = []
        with self.engine.begin() as conn:
            held = self._held(conn, raws, shas)
            fresh: list[tuple[int, RawMessage, str]] = []  # (position, raw, sha)
            seen_in_batch: dict[str, int] = {}  # the same bytes twice in one batch
            for position, (raw, sha) in enumerate(zip(raws, shas, strict=True)):
                key = held.get(("uid", raw.uid)) if raw.uid is not None else None
                key = key if key is not None else held.get(("sha", sha))
                if key is None and sha in seen_in_batch:
                    key = -1 - seen_in_batch[sha]  # filled in once the first one has its id
                if key is None:
                    seen_in_batch[sha] = position
                    fresh.append((position, raw, sha))
                recorded.append(Recorded(key if key is not None else 0, key is None))
            ids = self._insert(conn, fresh)
            for (position, _, _), row_id in zip(fresh, ids, strict=True):
                recorded[position] = Recorded(row_id, True)
            for position, item in enumerate(recorded):
                if item.id < 0:  # a repeat of a message first seen in this batch
                    recorded[position] = Recorded(recorded[-1 - item.id].id, False)
            self._advance_cursor(conn, raws)
        crash_point("ledger.recorded")
        return recorded

    def _held(self, conn: Connection, raws: list[RawMessage],
              shas: list[str]) -> dict[tuple[str, object], int]:  # fmt: skip
        """Ledger ids of messages already held, by ("uid", uid) and by ("sha", sha256)."""
        table = table_of(MessageRecord).c
        held: dict[tuple[str, object], int] = {}
        first = raws[0]
        uids = [raw.uid for raw in raws if raw.uid is not None]
        if uids:
            rows = conn.execute(
                select(table.uid, table.id).where(
                    table.mailbox == first.mailbox,
                    table.folder == first.folder,
                    table.uidvalidity == first.uidvalidity,
                    table.uid.in_(uids),
                )
            )
            held.update((("uid", uid), int(row_id)) for uid, row_id in rows)
        rows = conn.execute(
            select(table.sha256, func.min(table.id))
            .where(table.sha256.in_(set(shas)))
            .group_by(table.sha256)
        )
        held.update((("sha", sha), int(row_id)) for sha, row_id in rows)
        return held

    def _insert(self, conn: Connection, fresh: list[tuple[int, RawMessage, str]]) -> list[int]:
        """Insert new blobs, ledger rows and their 'received' events; the new row ids."""
        if not fresh:
            return []
        blobs = {sha: raw.data for _, raw, sha in fresh}
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            dialect_insert(table_of(RawBlob)).on_conflict_do_nothing(index_elements=["sha256"]),
            [{"sha256": sha, "size": len(data), "data": data} for sha, data in blobs.items()],
        )
        now = utcnow()
        message = table_of(MessageRecord)
        ids = conn.execute(
            insert(message).returning(message.c.id, sort_by_parameter_order=True),
            [{"mailbox": raw.mailbox, "folder": raw.folder, "uidvalidity": raw.uidvalidity,
              "uid": raw.uid, "message_id": header_message_id(raw.data), "sha256": sha,
              "size": len(raw.data), "state": "received", "attempts": 0, "received_at": now}
             for _, raw, sha in fresh],
        ).scalars().all()  # fmt: skip
        conn.execute(
            insert(table_of(Event)),
            [{"at": now, "actor": "poller", "action": "received", "message_id": row_id,
              "submission_id": None, "detail": {"uid": raw.uid, "folder": raw.folder}}
             for (_, raw, _), row_id in zip(fresh, ids, strict=True)],
        )  # fmt: skip
        return [int(i) for i in ids]

    def _advance_cursor(self, conn: Connection, raws: list[RawMessage]) -> None:
        first = raws[0]
        uids = [raw.uid for raw in raws if raw.uid is not None]
        table = table_of(MailboxCursor)
        key = (table.c.mailbox == first.mailbox) & (table.c.folder == first.folder)
        row = conn.execute(select(table.c.uidvalidity, table.c.last_uid).where(key)).first()
        if row is None:
            conn.execute(insert(table), {"mailbox": first.mailbox, "folder": first.folder,
                                         "uidvalidity": first.uidvalidity,
                                         "last_uid": max(uids, default=0)})  # fmt: skip
            return
        last_uid = row.last_uid if row.uidvalidity == first.uidvalidity else 0
        last_uid = max([last_uid, *uids])
        if (row.uidvalidity, row.last_uid) != (first.uidvalidity, last_uid):
            conn.execute(update(table).where(key).values(uidvalidity=first.uidvalidity,
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
