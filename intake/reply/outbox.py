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

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlmodel import Session

from intake.config import OutboxSettings
from intake.errors import DeliveryError, PermanentDeliveryError
from intake.faults import crash_point
from intake.reply import OutgoingReply, ReplyContext
from intake.reply.mime import build_mime, new_message_id
from intake.reply.render import ReplyRenderer
from intake.reply.transport import Transport
from intake.store import Event, Reply, Submission, table_of, utcnow

log = logging.getLogger("intake.outbox")


@dataclass(frozen=True)
class ClaimedReply:
    """A reply this sender has claimed: what delivery and its record need."""

    id: int
    message_id: int
    submission_id: int | None
    kind: str
    to_address: str
    header_message_id: str
    raw: bytes
    attempts: int


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
        """Automatic replies to ``address`` in the last 24 hours (addresses are stored lower
        case, so this is an index lookup)."""
        reply = table_of(Reply).c
        since = now - timedelta(days=1)
        count = session.execute(
            select(func.count())
            .select_from(table_of(Reply))
            .where(reply.to_address == address.lower(), reply.created_at >= since)
        ).scalar()
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
    ) -> int:
        """Render and store one reply in the caller's transaction; its id."""
        rendered = self.renderer.render(ctx)
        now = utcnow()
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
            date=now,
        )
        reply = table_of(Reply)
        return int(
            session.execute(
                insert(reply).returning(reply.c.id),
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

    def _claim(self, instance: str) -> ClaimedReply | None:
        # Plain SQL expressions: this runs for every reply, and the ORM costs ten times more.
        reply = table_of(Reply).c
        with self.engine.begin() as conn:
            while True:
                now = utcnow()
                stale = now - timedelta(seconds=self.settings.stale_claim_seconds)
                due = or_(
                    and_(reply.state == "pending", reply.next_attempt_at <= now),
                    and_(reply.state == "sending", reply.claimed_at < stale),
                )
                query = select(reply.id).where(due).order_by(reply.id).limit(1)
                if conn.dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True)
                reply_id = conn.execute(query).scalar()
                if reply_id is None:
                    return None
                claimed = conn.execute(
                    update(table_of(Reply))
                    .where(reply.id == reply_id, due)
                    .values(state="sending", claimed_by=instance, claimed_at=now,
                            attempts=reply.attempts + 1)
                    .returning(reply.id, reply.message_id, reply.submission_id, reply.kind,
                               reply.to_address, reply.header_message_id, reply.raw,
                               reply.attempts)
                ).first()  # fmt: skip
                if claimed is not None:
                    return ClaimedReply(*claimed)

    def _finish(self, claimed: ClaimedReply, action: str, detail: dict[str, object],
                **values: object) -> None:  # fmt: skip
        """Record the outcome of one delivery attempt, with its event, in one transaction."""
        reply = table_of(Reply).c
        with self.engine.begin() as conn:
            conn.execute(update(table_of(Reply)).where(reply.id == claimed.id).values(**values))
            if action == "reply_failed" and claimed.submission_id is not None:
                sub = table_of(Submission).c
                flag = f"reply to {claimed.to_address} failed: {detail['error']}"
                conn.execute(
                    update(table_of(Submission))
                    .where(sub.id == claimed.submission_id)
                    .values(flag=flag)
                )
            if action != "reply_deferred":
                conn.execute(insert(table_of(Event)), {
                    "at": utcnow(), "actor": "outbox", "action": action,
                    "message_id": claimed.message_id, "submission_id": claimed.submission_id,
                    "detail": detail})  # fmt: skip

    def _mark_sent(self, claimed: ClaimedReply) -> None:
        self._finish(claimed, "reply_sent",
                     {"reply": claimed.header_message_id, "to": claimed.to_address},
                     state="sent", sent_at=utcnow(), last_error=None)  # fmt: skip
        log.info(
            "reply sent",
            extra={
                "reply_id": claimed.id,
                "to": claimed.to_address,
                "kind": claimed.kind,
                "attempts": claimed.attempts,
            },
        )

    def _retry(self, claimed: ClaimedReply, error: str) -> None:
        delay = min(
            self.settings.backoff_seconds * 2 ** (claimed.attempts - 1),
            self.settings.max_backoff_seconds,
        )
        self._finish(
            claimed,
            "reply_deferred",
            {"error": error},
            state="pending",
            last_error=error,
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )
        log.warning(
            "reply deferred", extra={"reply_id": claimed.id, "error": error, "retry_in_s": delay}
        )

    def _fail(self, claimed: ClaimedReply, error: str) -> None:
        self._finish(claimed, "reply_failed", {"error": error}, state="failed", last_error=error)
        log.error("reply failed", extra={"reply_id": claimed.id, "error": error})
