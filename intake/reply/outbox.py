"""The outbox: replies enqueued with their submission, delivered later, each once.

Enqueue happens inside the pipeline's transaction, so a reply exists exactly
when its submission does. Delivery claims up to ``BATCH_SIZE`` due rows in one
statement (compare-and-set, plus ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so
instances never wait on each other or share a row), then:

- to an idempotent transport (the Maildir: one file per Message-ID, never
  written twice) hands the whole batch over, made durable together, and marks it
  sent in one transaction. After a crash in between, the claims go stale and the
  batch is offered again: files already there are left alone and recorded sent;
- to SMTP delivers one reply at a time and marks each sent right after the
  server's acceptance. A crash between the two is the one window SMTP leaves
  open: the claim goes stale and the identical message (same Message-ID) is
  offered again. Replies of the batch not yet handed over are released when the
  run stops early (an error, or claims at risk of going stale).
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from intake.config import OutboxSettings
from intake.errors import DeliveryError, PermanentDeliveryError
from intake.faults import crash_point
from intake.reply import OutgoingReply, ReplyContext
from intake.reply.delivered import ClaimedReply, DeliveryRecord
from intake.reply.mime import build_mime, new_message_id
from intake.reply.render import ReplyRenderer
from intake.reply.transport import Envelope, Transport
from intake.store import Reply, table_of, utcnow

log = logging.getLogger("intake.outbox")

# Replies claimed a transaction: enough to spread the claim, the Maildir's sync and the
# record over many, few enough that one sender never holds much back from another.
BATCH_SIZE = 100


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


# Built once: these run for every message, and building a statement costs more than running it.
_REPLY = table_of(Reply)
_REPLIES_SINCE = (
    select(func.count())
    .select_from(_REPLY)
    .where(_REPLY.c.to_address == bindparam("address"), _REPLY.c.created_at >= bindparam("since"))
)
_ENQUEUE = insert(_REPLY).returning(_REPLY.c.id)


class Outbox:
    def __init__(self, engine: Engine, settings: OutboxSettings, renderer: ReplyRenderer) -> None:
        self.engine = engine
        self.settings = settings
        self.renderer = renderer
        self.domain = settings.from_address.rpartition("@")[2] or "localhost"
        self.record = DeliveryRecord(engine, settings)

    def replies_today(self, session: Session, address: str, now: datetime) -> int:
        """Automatic replies to ``address`` in the last 24 hours (addresses are stored lower
        case, so this is an index lookup)."""
        since = now - timedelta(days=1)
        found = session.connection().execute(
            _REPLIES_SINCE, {"address": address.lower(), "since": since}
        )
        return int(found.scalar() or 0)

    def enqueue(
        self,
        session: Session,
        *,
        answers_message_id: int,
        submission_id: int | None,
        to: str,
        in_reply_to: str | None,
        references: list[str],
        ctx: ReplyContext,
    ) -> int:
        """Render and store one reply in the caller's transaction; its id."""
        rendered = self.renderer.render(ctx)
        now = utcnow()
        outgoing = OutgoingReply(
            message_id=new_message_id(self.domain, ctx.reference),
            from_address=self.settings.from_address,
            from_name=self.settings.from_name,
            to=to,
            subject=rendered.subject,
            in_reply_to=in_reply_to,
            references=references,
            text=rendered.text,
            html=rendered.html,
            date=now,
        )
        return int(
            session.connection().execute(
                _ENQUEUE,
                [{"message_id": answers_message_id, "submission_id": submission_id,
                  "kind": ctx.kind, "to_address": to.lower(), "subject": rendered.subject,
                  "header_message_id": outgoing.message_id, "raw": build_mime(outgoing),
                  "state": "pending", "attempts": 0, "next_attempt_at": now,
                  "created_at": now}],
            ).scalar_one()
        )  # fmt: skip

    def send_due(self, transport: Transport, instance: str, limit: int | None = None) -> SendReport:
        """Deliver every due reply (or ``limit`` of them); never raises for one reply."""
        report = SendReport()
        while limit is None or report.attempted < limit:
            size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - report.attempted)
            batch = self._claim(instance, size)
            if not batch:
                if not self._any_due():
                    break
                time.sleep(0.01)  # another sender claimed them as we looked: look again
                continue
            if transport.idempotent:
                self._send_batch(transport, batch, report)
            else:
                self._send_each(transport, batch, report)
        return report

    def _send_batch(self, transport: Transport, batch: list[ClaimedReply],
                    report: SendReport) -> None:  # fmt: skip
        """The whole batch in one hand-over, then one record of all that were delivered."""
        for _ in batch:
            crash_point("outbox.claimed")
        sender = self.settings.from_address
        try:
            errors = transport.deliver_many(
                [Envelope(c.raw, sender, [c.to_address]) for c in batch]
            )
        except BaseException:
            self._release(batch)  # delivered or not, offering them again writes nothing twice
            raise
        delivered = [c for c, error in zip(batch, errors, strict=True) if error is None]
        for _ in delivered:
            crash_point("outbox.delivered")
        self.record.sent(delivered)
        report.sent += len(delivered)
        for claimed, error in zip(batch, errors, strict=True):
            if error is not None:
                self._not_delivered(claimed, error, report)

    def _send_each(self, transport: Transport, batch: list[ClaimedReply],
                   report: SendReport) -> None:  # fmt: skip
        """One reply at a time, each marked sent as soon as the server took it."""
        # Stop well before the claims could go stale and be taken by another sender.
        deadline = time.monotonic() + self.settings.stale_claim_seconds / 2
        waiting = list(batch)
        try:
            while waiting and not (len(waiting) < len(batch) and time.monotonic() > deadline):
                claimed = waiting.pop(0)  # once handed over, its fate is unknown until recorded
                crash_point("outbox.claimed")
                try:
                    transport.deliver(claimed.raw, self.settings.from_address,
                                      [claimed.to_address])  # fmt: skip
                except DeliveryError as e:
                    self._not_delivered(claimed, e, report)
                else:
                    crash_point("outbox.delivered")
                    self.record.sent([claimed])
                    report.sent += 1
        finally:
            self._release(waiting)

    def _not_delivered(self, claimed: ClaimedReply, e: DeliveryError, report: SendReport) -> None:
        if isinstance(e, PermanentDeliveryError):
            self.record.failed(claimed, str(e))
            report.failed += 1
        elif claimed.attempts >= self.settings.max_attempts:
            self.record.failed(claimed, f"gave up after {claimed.attempts} attempts: {e}")
            report.failed += 1
        else:
            self.record.deferred(claimed, str(e))
            report.retrying += 1
        report.errors.append(str(e))

    def _due(self, now: datetime) -> ColumnElement[bool]:
        reply = table_of(Reply).c
        stale = now - timedelta(seconds=self.settings.stale_claim_seconds)
        return or_(
            and_(reply.state == "pending", reply.next_attempt_at <= now),
            and_(reply.state == "sending", reply.claimed_at < stale),
        )

    def _any_due(self) -> bool:
        reply = table_of(Reply).c
        with self.engine.connect() as conn:
            return (
                conn.execute(select(reply.id).where(self._due(utcnow())).limit(1)).first()
                is not None
            )

    def _claim(self, instance: str, size: int) -> list[ClaimedReply]:
        """Claim up to ``size`` due replies, oldest first, in one statement."""
        # Plain SQL expressions: this runs for every batch, and the ORM costs ten times more.
        reply = table_of(Reply).c
        now = utcnow()
        due = self._due(now)
        ids = select(reply.id).where(due).order_by(reply.id).limit(size)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                ids = ids.with_for_update(skip_locked=True)
            # The ids first, then the update: PostgreSQL may run an "IN (SELECT ... LIMIT n
            # FOR UPDATE SKIP LOCKED)" subquery more than once, and claim far more than n.
            chosen = list(conn.execute(ids).scalars())
            if not chosen:
                return []
            rows = conn.execute(
                update(table_of(Reply))
                .where(reply.id.in_(chosen), due)  # set only if still due
                .values(state="sending", claimed_by=instance, claimed_at=now,
                        attempts=reply.attempts + 1)
                .returning(reply.id, reply.message_id, reply.submission_id, reply.kind,
                           reply.to_address, reply.header_message_id, reply.raw,
                           reply.attempts, reply.claimed_at)
            ).all()  # fmt: skip
        return sorted((ClaimedReply(*row) for row in rows), key=lambda c: c.id)

    def _release(self, claimed: list[ClaimedReply]) -> None:
        """Give back claims never handed to the transport, so they are due again at once."""
        if not claimed:
            return
        reply = table_of(Reply).c
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    update(table_of(Reply))
                    .where(reply.id.in_([c.id for c in claimed]), reply.state == "sending",
                           reply.claimed_at == claimed[0].claimed_at)  # still our batch's claim
                    .values(state="pending", attempts=reply.attempts - 1)
                )  # fmt: skip
        except SQLAlchemyError as e:  # then they go stale, and are offered again after that
            log.warning("claims not released", extra={"replies": len(claimed), "error": str(e)})
