"""The orchestrator: runs the stages on one stored message; the one place that catches.

parse -> extract -> validate -> store -> decide reply -> enqueue reply, all
written in one transaction with the message's new state, so a crash anywhere
leaves the message ``received`` (and it is processed again) or fully done.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlmodel import Session

from intake.contract import ExtractResult
from intake.errors import ParseError
from intake.ledger import Ledger
from intake.messages import ParsedMessage
from intake.records import save_entries
from intake.reply import ReplyContext
from intake.reply.outbox import Outbox
from intake.reply.policy import decide_reply, reply_address
from intake.store import Event, MessageRecord, RawBlob, utcnow
from intake.validate import ValidationRules, validate

log = logging.getLogger("intake.pipeline")


@dataclass(frozen=True)
class Stages:
    """The stage functions, built once from the settings and rules at start."""

    parse: Callable[[bytes], ParsedMessage]
    extract: Callable[[ParsedMessage], ExtractResult]
    automated_reason: Callable[[ParsedMessage], str | None]
    validation: ValidationRules
    form_url: str | None = None


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


class Pipeline:
    def __init__(self, engine: Engine, ledger: Ledger, stages: Stages, outbox: Outbox,
                 daily_cap: int) -> None:  # fmt: skip
        self.engine = engine
        self.ledger = ledger
        self.stages = stages
        self.outbox = outbox
        self.daily_cap = daily_cap

    def process_pending(self) -> list[Outcome]:
        outcomes = [self.process(i) for i in self.ledger.pending_ids()]
        return [o for o in outcomes if o is not None]

    def process(self, message_row_id: int) -> Outcome | None:
        """Process one ``received`` message; None when another instance has it or it is done."""
        started = time.perf_counter()
        try:
            outcome = self._process(message_row_id, started)
        except ParseError as e:
            outcome = self._set_failed(message_row_id, "quarantined", str(e), started)
        except Exception as e:  # one message never stops the batch
            log.exception("message failed", extra={"ledger_id": message_row_id})
            reason = f"{type(e).__name__}: {e}"
            outcome = self._set_failed(message_row_id, "failed", reason, started)
        if outcome is not None:
            log.info("message %s", outcome.state, extra=outcome.model_dump())
        return outcome

    def _process(self, message_row_id: int, started: float) -> Outcome | None:
        with Session(self.engine) as session:
            query = select(MessageRecord).where(
                MessageRecord.id == message_row_id, MessageRecord.state == "received"
            )
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            row = session.scalars(query).first()
            if row is None:
                return None
            raw = session.get(RawBlob, row.sha256)
            assert raw is not None
            parsed = self.stages.parse(bytes(raw.data))
            result = validate(self.stages.extract(parsed), self.stages.validation)
            saved = save_entries(session, row, result) if result.kind == "submission" else []
            to = reply_address(parsed)
            decision = decide_reply(
                result,
                automated_reason=self.stages.automated_reason(parsed),
                to_address=to,
                replies_today=self.outbox.replies_today(session, to, utcnow()) if to else 0,
                daily_cap=self.daily_cap,
            )
            if decision.kind is not None and to and saved:
                missing = list(dict.fromkeys(f for e in result.submissions for f in e.missing))
                ctx = ReplyContext(
                    kind=decision.kind, reference=saved[0].reference or "",
                    recipient_name=parsed.from_name, original_subject=parsed.subject,
                    entries=result.submissions,
                    missing=self.outbox.renderer.missing_items(missing),
                    form_url=self.stages.form_url,
                )  # fmt: skip
                self.outbox.enqueue(
                    session, answers_message_id=message_row_id, submission_id=saved[0].id,
                    to=to, in_reply_to=parsed.message_id, references=parsed.references, ctx=ctx,
                )  # fmt: skip
            row.state, row.kind, row.reason = "processed", result.kind, None
            row.from_email, row.subject = parsed.from_email, parsed.subject[:2000]
            row.processed_at, row.attempts = utcnow(), row.attempts + 1
            row.extract = result.model_dump(mode="json")
            session.add(row)
            session.add(Event(actor="pipeline", action="processed", message_id=row.id,
                              detail={"kind": result.kind, "reply": decision.reason}))
            session.commit()
            return Outcome(
                ledger_id=message_row_id, uid=row.uid, message_id=row.message_id,
                state="processed", kind=result.kind,
                references=[s.reference for s in saved if s.reference],
                reply=decision.kind, reason=decision.reason,
                seconds=round(time.perf_counter() - started, 4),
            )  # fmt: skip

    def _set_failed(self, message_row_id: int, state: str, reason: str,
                    started: float) -> Outcome | None:  # fmt: skip
        with Session(self.engine) as session:
            row = session.get(MessageRecord, message_row_id)
            if row is None or row.state != "received":
                return None
            row.state, row.reason = state, reason[:4000]
            row.attempts += 1
            row.processed_at = utcnow()
            session.add(row)
            session.add(Event(actor="pipeline", action=state, message_id=row.id,
                              detail={"reason": reason[:4000]}))
            session.commit()
            return Outcome(ledger_id=message_row_id, uid=row.uid, message_id=row.message_id,
                           state=state, reason=reason,
                           seconds=round(time.perf_counter() - started, 4))

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
            session.add(Event(actor="operator", action="replay", message_id=row.id))
            session.commit()
        return self.process(message_row_id)
