"""The outbox: replies enqueued with their submission, delivered later, each once.

Enqueue happens inside the pipeline's transaction, so a reply exists exactly
when its submission does. Delivery claims one row at a time (compare-and-set,
plus ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so instances never wait on each
other), hands the stored bytes to the transport, then marks the row sent. A
crash between the server's acceptance and that mark is the one window SMTP
leaves open: the claim goes stale and the identical message (same Message-ID)
is offered again.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlmodel import Session

from intake.config import OutboxSettings
from intake.errors import DeliveryError, PermanentDeliveryError
from intake.faults import crash_point
from intake.reply import OutgoingReply, ReplyContext
from intake.reply.mime import build_mime, new_message_id
from intake.reply.render import ReplyRenderer
from intake.reply.transport import Transport
from intake.store import Event, Reply, Submission, utcnow

log = logging.getLogger("intake.outbox")


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Outbox:
    def __init__(self, engine: Engine, settings: OutboxSettings, renderer: ReplyRenderer) -> None:
        self.engine = engine
        self.settings = settings
        self.renderer = renderer
        self.domain = settings.from_address.rpartition("@")[2] or "localhost"

    def replies_today(self, session: Session, address: str, now: datetime) -> int:
        since = now - timedelta(days=1)
        count = session.scalar(
            select(func.count())
            .select_from(Reply)
            .where(func.lower(Reply.to_address) == address.lower(), Reply.created_at >= since)
        )
        return int(count or 0)

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
    ) -> Reply:
        rendered = self.renderer.render(ctx)
        outgoing = OutgoingReply(
            message_id=new_message_id(self.domain),
            from_address=self.settings.from_address,
            from_name=self.settings.from_name,
            to=to,
            subject=rendered.subject,
            in_reply_to=in_reply_to,
            references=references,
            text=rendered.text,
            html=rendered.html,
            date=utcnow(),
        )
        row = Reply(
            message_id=answers_message_id, submission_id=submission_id, kind=ctx.kind,
            to_address=to, subject=rendered.subject, header_message_id=outgoing.message_id,
            raw=build_mime(outgoing),
        )  # fmt: skip
        session.add(row)
        return row

    def send_due(self, transport: Transport, instance: str, limit: int | None = None) -> SendReport:
        """Deliver every due reply (or ``limit`` of them); never raises for one reply."""
        report = SendReport()
        while limit is None or report.sent + report.retrying + report.failed < limit:
            claimed = self._claim(instance)
            if claimed is None:
                break
            crash_point("outbox.claimed")
            try:
                transport.deliver(claimed.raw, self.settings.from_address, [claimed.to_address])
            except PermanentDeliveryError as e:
                self._fail(claimed, str(e))
                report.failed += 1
                report.errors.append(str(e))
            except DeliveryError as e:
                if claimed.attempts >= self.settings.max_attempts:
                    self._fail(claimed, f"gave up after {claimed.attempts} attempts: {e}")
                    report.failed += 1
                else:
                    self._retry(claimed, str(e))
                    report.retrying += 1
                report.errors.append(str(e))
            else:
                crash_point("outbox.delivered")
                self._mark_sent(claimed)
                report.sent += 1
        return report

    def _claim(self, instance: str) -> Reply | None:
        with Session(self.engine) as session:
            while True:
                now = utcnow()
                stale = now - timedelta(seconds=self.settings.stale_claim_seconds)
                due = or_(
                    and_(Reply.state == "pending", Reply.next_attempt_at <= now),
                    and_(Reply.state == "sending", Reply.claimed_at < stale),  # type: ignore[operator]
                )
                query = select(Reply.id).where(due).order_by(Reply.id).limit(1)  # type: ignore[arg-type]
                if self.engine.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                reply_id = session.scalar(query)
                if reply_id is None:
                    session.rollback()
                    return None
                claimed = session.execute(
                    update(Reply)
                    .where(Reply.id == reply_id, due)  # type: ignore[arg-type]
                    .values(state="sending", claimed_by=instance, claimed_at=now,
                            attempts=Reply.attempts + 1)
                )  # fmt: skip
                session.commit()
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    row = session.get(Reply, reply_id)
                    assert row is not None
                    session.expunge(row)
                    return row

    def _mark_sent(self, reply: Reply) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(Reply).where(Reply.id == reply.id)  # type: ignore[arg-type]
                .values(state="sent", sent_at=utcnow(), last_error=None)
            )  # fmt: skip
            session.add(Event(actor="outbox", action="reply_sent", message_id=reply.message_id,
                              submission_id=reply.submission_id,
                              detail={"reply": reply.header_message_id, "to": reply.to_address}))
            session.commit()
        log.info("reply sent", extra={"reply_id": reply.id, "to": reply.to_address,
                                      "kind": reply.kind, "attempts": reply.attempts})

    def _retry(self, reply: Reply, error: str) -> None:
        delay = min(self.settings.backoff_seconds * 2 ** (reply.attempts - 1),
                    self.settings.max_backoff_seconds)
        with Session(self.engine) as session:
            session.execute(
                update(Reply).where(Reply.id == reply.id)  # type: ignore[arg-type]
                .values(state="pending", last_error=error,
                        next_attempt_at=utcnow() + timedelta(seconds=delay))
            )  # fmt: skip
            session.commit()
        log.warning("reply deferred", extra={"reply_id": reply.id, "error": error,
                                             "retry_in_s": delay})

    def _fail(self, reply: Reply, error: str) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(Reply).where(Reply.id == reply.id)  # type: ignore[arg-type]
                .values(state="failed", last_error=error)
            )
            if reply.submission_id is not None:
                sub = session.get(Submission, reply.submission_id)
                if sub is not None:
                    sub.flag = f"reply to {reply.to_address} failed: {error}"
                    session.add(sub)
            session.add(Event(actor="outbox", action="reply_failed", message_id=reply.message_id,
                              submission_id=reply.submission_id, detail={"error": error}))
            session.commit()
        log.error("reply failed", extra={"reply_id": reply.id, "error": error})
