"""The orchestrator: runs the stages on stored messages; the one place that catches.

parse -> extract -> validate (``intake.stages``) -> copy? bounce? follow-up? new
submission? -> store -> decide reply -> enqueue reply (``intake.handling``).

Messages go through in chunks: everything a chunk stores (submissions, replies,
each message's new state) is written in one transaction, so a crash anywhere
leaves the chunk's messages ``received`` (and they are processed again) or fully
done. A message that fails in the store stage rolls its chunk back, and the
chunk is then processed one message per transaction, so that only the failing
message is marked failed, with its reason.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import Engine, bindparam, update
from sqlmodel import Session, col, select

from intake.errors import ParseError
from intake.handling import Handler
from intake.ledger import Ledger
from intake.locks import hold_store_stage
from intake.records import add_event, held_events
from intake.reply.outbox import Outbox
from intake.stages import Prepared, Stages, prepare
from intake.store import MessageRecord, RawBlob, table_of, utcnow
from intake.workers import Pending, PreparePool

log = logging.getLogger("intake.pipeline")

_MESSAGE = table_of(MessageRecord)
_FINISH = update(_MESSAGE).where(_MESSAGE.c.id == bindparam("row_id"))


class Outcome(BaseModel):
    ledger_id: int
    uid: int | None
    message_id: str | None
    state: str
    kind: str | None = None
    references: list[str] = []
    reply: str | None = None
    reason: str | None = None
    seconds: float


@dataclass(frozen=True)
class Started:
    """Messages whose stages that need no database are under way (see ``Pipeline.start``)."""

    ids: list[int]
    prepared: Pending  # for the ids with their bytes at hand, in their order
    order: list[int]


class Pipeline:
    def __init__(self, engine: Engine, ledger: Ledger, stages: Stages, outbox: Outbox,
                 daily_cap: int, *, pool: PreparePool, chunk_size: int = 100) -> None:  # fmt: skip
        self.engine = engine
        self.ledger = ledger
        self.stages = stages
        self.handler = Handler(stages, outbox, daily_cap)
        self.chunk_size = chunk_size
        self.pool = pool

    def process_pending(self) -> list[Outcome]:
        return self.process_many(self.ledger.pending_ids())

    def process(self, message_row_id: int) -> Outcome | None:
        """Process one ``received`` message; None when another instance has it or it is done."""
        outcomes = self.process_many([message_row_id])
        return outcomes[0] if outcomes else None

    def process_many(self, message_row_ids: Sequence[int]) -> list[Outcome]:
        """Process ``received`` messages, chunk by chunk; those another instance has are left."""
        return self.finish(self.start(message_row_ids))

    def start(
        self, message_row_ids: Sequence[int], raws: dict[int, bytes] | None = None
    ) -> Started:
        """Begin parse and extract for these messages (in workers, when there are any), so
        that this process can store the previous batch meanwhile. ``raws``: their bytes, when
        at hand; the others are read when their chunk is stored."""
        raws = raws or {}
        order = [i for i in message_row_ids if i in raws]
        pending = self.pool.submit([raws[i] for i in order])
        return Started(list(message_row_ids), pending, order)

    def finish(self, started: Started) -> list[Outcome]:
        """Store the started messages, chunk by chunk."""
        prepared = dict(zip(started.order, started.prepared(), strict=True))
        outcomes: list[Outcome] = []
        for i in range(0, len(started.ids), self.chunk_size):
            outcomes += self._run(started.ids[i : i + self.chunk_size], prepared)
        if log.isEnabledFor(logging.INFO):  # one line per message, built only when wanted
            for outcome in outcomes:
                log.info("message %s", outcome.state, extra=outcome.model_dump())
        return outcomes

    def _run(self, ids: list[int], prepared: dict[int, Prepared]) -> list[Outcome]:
        started = time.perf_counter()
        try:
            return self._process_chunk(ids, prepared)
        except Exception as e:  # one message never stops the batch
            if len(ids) > 1:  # parsed again: the failed attempt may have changed what it read
                return [outcome for one in ids for outcome in self._run([one], {})]
            state = "quarantined" if isinstance(e, ParseError) else "failed"
            if state == "failed":
                log.exception("message failed", extra={"ledger_id": ids[0]})
            failed = self._set_failed(ids[0], state, _reason(e), started)
            return [failed] if failed is not None else []

    def _process_chunk(self, ids: list[int], prepared: dict[int, Prepared]) -> list[Outcome]:
        with Session(self.engine) as session:
            rows = self._claim(session, ids)
            if not rows:
                return []
            hold_store_stage(session)
            missing = {row.sha256 for row in rows if row.id not in prepared}
            if missing:
                query = select(col(RawBlob.sha256), col(RawBlob.data))
                blobs = {sha: bytes(data) for sha, data in session.execute(
                    query.where(col(RawBlob.sha256).in_(missing)))}  # fmt: skip
                for row in rows:
                    if row.id not in prepared:
                        assert row.id is not None
                        prepared[row.id] = prepare(self.stages, blobs[row.sha256])
            with held_events(session):
                outcomes = [self._store(session, row, prepared[row.id]) for row in rows if row.id]
            session.commit()
            return outcomes

    def _claim(self, session: Session, ids: list[int]) -> list[MessageRecord]:
        query = (
            select(MessageRecord)
            .where(col(MessageRecord.id).in_(ids), MessageRecord.state == "received")
            .order_by(col(MessageRecord.id))
        )
        if self.engine.dialect.name == "postgresql":  # another instance's claim is skipped
            query = query.with_for_update(skip_locked=True)
        return list(session.scalars(query).all())

    def _store(self, session: Session, row: MessageRecord, prepared: Prepared) -> Outcome:
        started = time.perf_counter() - prepared.seconds
        if prepared.parsed is None or prepared.result is None:
            state, reason = prepared.failed_state or "failed", prepared.reason or "unknown"
            self._mark_failed(session, row, state, reason)
            return self._outcome(row, started, state=state, reason=reason)
        parsed, result = prepared.parsed, prepared.result
        sender = self.handler.sender_check(parsed, result)
        handled = self.handler.handle(session, row, parsed, result, sender, prepared.content_hash)
        decision = self.handler.reply(session, row, parsed, result, sender, handled)
        self._finish(session, row, {
            "state": "processed", "kind": result.kind, "reason": None,
            "from_email": parsed.from_email, "subject": parsed.subject[:2000],
            "content_hash": prepared.content_hash, "processed_at": utcnow(),
            "attempts": row.attempts + 1, "extract": result.model_dump(mode="json"),
        })  # fmt: skip
        add_event(session, actor="pipeline", action="processed", message_id=row.id,
                  detail={"kind": result.kind, "outcome": handled.outcome,
                          "reply": decision.reason, **handled.detail})  # fmt: skip
        session.flush()  # the next message's lookups read the database, not this session
        return self._outcome(
            row, started, state="processed", kind=result.kind,
            references=[s.reference for s in handled.submissions if s.reference],
            reply=decision.kind, reason=decision.reason,
        )  # fmt: skip

    @staticmethod
    def _finish(session: Session, row: MessageRecord, values: dict[str, object]) -> None:
        """The message's new state, as plain SQL: the session's copy of the row is not used
        again (nor flushed over it)."""
        session.connection().execute(_FINISH, [{"row_id": row.id, **values}])

    @staticmethod
    def _outcome(row: MessageRecord, started: float, **values: object) -> Outcome:
        assert row.id is not None
        seconds = round(time.perf_counter() - started, 4)
        ids = {"ledger_id": row.id, "uid": row.uid, "message_id": row.message_id}
        return Outcome.model_validate({**ids, "seconds": seconds, **values})

    @staticmethod
    def _mark_failed(session: Session, row: MessageRecord, state: str, reason: str) -> None:
        row.state, row.reason = state, reason[:4000]
        row.attempts += 1
        row.processed_at = utcnow()
        session.add(row)
        add_event(session, actor="pipeline", action=state, message_id=row.id,
                  detail={"reason": reason[:4000]})  # fmt: skip

    def _set_failed(self, message_row_id: int, state: str, reason: str,
                    started: float) -> Outcome | None:  # fmt: skip
        with Session(self.engine) as session:
            row = session.get(MessageRecord, message_row_id)
            if row is None or row.state != "received":
                return None
            self._mark_failed(session, row, state, reason)
            session.commit()
            return self._outcome(row, started, state=state, reason=reason)

    def replay(self, message_row_id: int) -> Outcome | None:
        """Re-run a failed or quarantined message (``intake replay ID``)."""
        with Session(self.engine) as session:
            row = session.get(MessageRecord, message_row_id)
            if row is None:
                raise LookupError(f"no message {message_row_id} in the ledger")
            if row.state not in ("failed", "quarantined"):
                raise ValueError(f"message {message_row_id} is {row.state}, not failed")
            row.state = "received"
            session.add(row)
            add_event(session, actor="operator", action="replay", message_id=row.id)
            session.commit()
        return self.process(message_row_id)


def _reason(e: Exception) -> str:
    return str(e) if isinstance(e, ParseError) else f"{type(e).__name__}: {e}"
