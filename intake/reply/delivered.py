"""What became of each delivery attempt, recorded with its event: sent, deferred, failed."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, update

from intake.config import OutboxSettings
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
    claimed_at: datetime


class DeliveryRecord:
    def __init__(self, engine: Engine, settings: OutboxSettings) -> None:
        self.engine = engine
        self.settings = settings

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

    def sent(self, delivered: list[ClaimedReply]) -> None:
        """Record delivered replies as sent, with their events, in one transaction."""
        if not delivered:
            return
        reply = table_of(Reply).c
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                update(table_of(Reply))
                .where(reply.id.in_([c.id for c in delivered]))
                .values(state="sent", sent_at=now, last_error=None)
            )
            conn.execute(insert(table_of(Event)), [
                {"at": now, "actor": "outbox", "action": "reply_sent",
                 "message_id": c.message_id, "submission_id": c.submission_id,
                 "detail": {"reply": c.header_message_id, "to": c.to_address}}
                for c in delivered])  # fmt: skip
        for c in delivered:
            log.info(
                "reply sent",
                extra={"reply_id": c.id, "to": c.to_address, "kind": c.kind,
                       "attempts": c.attempts},
            )  # fmt: skip

    def deferred(self, claimed: ClaimedReply, error: str) -> None:
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

    def failed(self, claimed: ClaimedReply, error: str) -> None:
        self._finish(claimed, "reply_failed", {"error": error}, state="failed", last_error=error)
        log.error("reply failed", extra={"reply_id": claimed.id, "error": error})
