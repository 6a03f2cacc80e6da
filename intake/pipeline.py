"""The orchestrator: runs the stages on one stored message; the one place that catches.

parse -> extract -> validate -> (copy? bounce? follow-up? new submission?) ->
store -> decide reply -> enqueue reply, all written in one transaction with the
message's new state, so a crash anywhere leaves the message ``received`` (and it
is processed again) or fully done.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, select

from intake import conversation as conv
from intake.contract import ExtractResult, SubmissionEntry
from intake.dedupe import (
    Fingerprint,
    content_hash,
    earlier_copy,
    find_duplicate,
    index_arrangement,
    what_it_adds,
)
from intake.errors import ParseError
from intake.ledger import Ledger
from intake.messages import ParsedMessage
from intake.records import add_event, load_entry, save_entries
from intake.reply import ReplyContext
from intake.reply.outbox import Outbox
from intake.reply.policy import (
    ReplyDecision,
    SenderCheck,
    Situation,
    check_sender,
    decide_reply,
    reply_address,
)
from intake.rules import Rules
from intake.store import MessageRecord, RawBlob, Submission, utcnow
from intake.validate import validate

log = logging.getLogger("intake.pipeline")


@dataclass(frozen=True)
class Stages:
    """The stage functions and the rules they share, built once at start."""

    parse: Callable[[bytes], ParsedMessage]
    extract: Callable[[ParsedMessage], ExtractResult]
    automated_reason: Callable[[ParsedMessage], str | None]
    rules: Rules
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


@dataclass
class Handled:
    """What became of one message: see ``Situation.outcome`` for the outcomes."""

    outcome: str = "none"
    submissions: list[Submission] = field(default_factory=list)  # the reply is about these
    entries: list[SubmissionEntry] = field(default_factory=list)  # ... as they now stand
    reply_reference: str | None = None  # the reference the reply shows, when not the first's
    copy_of: int | None = None
    detail: dict[str, object] = field(default_factory=dict)


class Pipeline:
    def __init__(self, engine: Engine, ledger: Ledger, stages: Stages, outbox: Outbox,
                 daily_cap: int) -> None:  # fmt: skip
        self.engine = engine
        self.ledger = ledger
        self.stages = stages
        self.outbox = outbox
        self.daily_cap = daily_cap
        self.rules = stages.rules
        self.conversation = stages.rules.conversation

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
            result = validate(self.stages.extract(parsed), self.rules.validation)
            row.content_hash = content_hash(parsed, self.rules.kinds.subject_core)
            sender = self._check_sender(parsed, result)
            handled = self._handle(session, row, parsed, result, sender)
            decision = self._reply(session, row, parsed, result, sender, handled)
            row.state, row.kind, row.reason = "processed", result.kind, None
            row.from_email, row.subject = parsed.from_email, parsed.subject[:2000]
            row.processed_at, row.attempts = utcnow(), row.attempts + 1
            row.extract = result.model_dump(mode="json")
            session.add(row)
            add_event(session, actor="pipeline", action="processed", message_id=row.id,
                              detail={"kind": result.kind, "outcome": handled.outcome,
                                      "reply": decision.reason, **handled.detail})  # fmt: skip
            session.commit()
            return Outcome(
                ledger_id=message_row_id, uid=row.uid, message_id=row.message_id,
                state="processed", kind=result.kind,
                references=[s.reference for s in handled.submissions if s.reference],
                reply=decision.kind, reason=decision.reason,
                seconds=round(time.perf_counter() - started, 4),
            )  # fmt: skip

    def _check_sender(self, parsed: ParsedMessage, result: ExtractResult) -> SenderCheck:
        address = parsed.from_email or ""
        on_council_domain = bool(address and self.rules.gazetteer.councils_by_email(address))
        return check_sender(
            parsed.headers, parsed.from_email,
            council_domain=on_council_domain or bool(result.sender.organisation_code),
            public_sector_domains=self.conversation.public_sector_domains,
        )  # fmt: skip

    def _handle(self, session: Session, row: MessageRecord, parsed: ParsedMessage,
                result: ExtractResult, sender: SenderCheck) -> Handled:  # fmt: skip
        assert row.id is not None
        copy = earlier_copy(session, row)
        if copy is not None:
            return Handled(copy_of=copy.id, detail={"copy_of": copy.id})
        if conv.is_our_own(session, parsed):
            return Handled(detail={"own_message": True})
        if result.kind == "bounce":
            flagged = conv.record_bounce(session, parsed, row.id)
            return Handled(detail={"bounce_flagged": flagged})
        if result.kind in ("submission", "follow_up"):
            sub, how = conv.match_submission(session, parsed, self.rules.kinds.reference_pattern)
            if result.kind == "follow_up" or how == "thread":
                result.kind = "follow_up"
                return self._follow_up(session, row, parsed, result, sender, sub, how)
        if result.kind == "submission" and result.submissions:
            return self._new_submissions(session, row, result, sender)
        return Handled()

    def _follow_up(self, session: Session, row: MessageRecord, parsed: ParsedMessage,
                   result: ExtractResult, sender: SenderCheck, sub: Submission | None,
                   how: str) -> Handled:  # fmt: skip
        assert row.id is not None
        if sub is None or sub.id is None:
            return Handled(outcome="unmatched", detail={"reference": result.reference})
        facts = conv.follow_up_facts(parsed, result, self.rules)
        merge = conv.merge_follow_up(session, sub, facts, row.id)
        entry = conv.revalidate(session, sub, self.rules.validation)
        if sender.unverified:
            sub.flag = f"follow-up from an unverified sender: {'; '.join(sender.reasons)}"
        if not merge.changes:  # perhaps a correction of a fact held: staff decide
            sub.flag = sub.flag or f"follow-up message {row.id} filled nothing: please read it"
        self._index(session, sub, entry)
        add_event(session, actor="pipeline", action="follow_up", message_id=row.id,
                          submission_id=sub.id,
                          detail={"matched_by": how, "changed": [c[0] for c in merge.changes],
                                  "missing": list(sub.missing)})  # fmt: skip
        outcome = "merged" if merge.changes else "unchanged"
        return Handled(outcome=outcome, submissions=[sub], entries=[entry],
                       detail={"matched_by": how})  # fmt: skip

    def _new_submissions(self, session: Session, row: MessageRecord, result: ExtractResult,
                         sender: SenderCheck) -> Handled:  # fmt: skip
        saved = save_entries(session, row, result)
        handled = Handled(outcome="created")
        duplicates: list[str] = []
        for sub, entry in zip(saved, result.submissions, strict=True):
            sub.unverified = sender.unverified
            if sender.unverified:
                sub.flag = f"unverified sender: {'; '.join(sender.reasons)}"
            match = find_duplicate(session, entry, self.conversation.duplicates)
            if match is not None and match.submission_id in {s.id for s in saved}:
                match = None  # two arrangements of one message are never each other's copy
            if match is None:
                self._index(session, sub, entry)
                handled.submissions.append(sub)
                handled.entries.append(entry)
                continue
            held = None
            if match.submission_id is not None:
                held_row = session.get(Submission, match.submission_id)
                held = load_entry(session, held_row) if held_row is not None else None
            sub.review_state = "duplicate_candidate"
            sub.duplicate_of, sub.duplicate_of_map = match.submission_id, match.map_entry_id
            adds = what_it_adds(entry, held)
            sub.flag = (
                f"possible duplicate of {match.reference}; adds: {', '.join(adds) or 'nothing'}"
            )
            detail = {"of": match.reference, "score": match.score, "adds": adds}
            add_event(session, actor="pipeline", action="duplicate_candidate",
                      message_id=row.id, submission_id=sub.id, detail=detail)  # fmt: skip
            duplicates.append(match.reference)
            session.add(sub)
        if not handled.submissions:
            handled = Handled(outcome="duplicate", submissions=saved[:1],
                              reply_reference=duplicates[0])  # fmt: skip
        handled.detail = {"duplicates_of": duplicates} if duplicates else {}
        return handled

    def _index(self, session: Session, sub: Submission, entry: SubmissionEntry) -> None:
        if sub.id is not None and sub.review_state != "duplicate_candidate":
            index_arrangement(session, Fingerprint.of(entry), reference=sub.reference or "",
                              submission_id=sub.id)  # fmt: skip

    def _reply(self, session: Session, row: MessageRecord, parsed: ParsedMessage,
               result: ExtractResult, sender: SenderCheck,
               handled: Handled) -> ReplyDecision:  # fmt: skip
        """Decide the reply and enqueue it."""
        assert row.id is not None
        to = reply_address(parsed.headers, parsed.from_email)
        settings = self.outbox.settings
        situation = Situation(
            kind=result.kind, outcome=handled.outcome,
            still_missing=any(e.missing for e in handled.entries),
            automated_reason=self.stages.automated_reason(parsed),
            copy_of_earlier=handled.copy_of is not None, to_address=to,
            suppressed=bool(to) and conv.is_suppressed(session, to or ""),
            unverified=sender.unverified, reply_to_unverified=settings.reply_to_unverified,
            replies_today=self.outbox.replies_today(session, to, utcnow()) if to else 0,
            daily_cap=self.daily_cap,
        )  # fmt: skip
        decision = decide_reply(situation)
        if decision.kind is None or not to or not handled.submissions:
            return decision
        first = handled.submissions[0]
        missing = list(dict.fromkeys(f for e in handled.entries for f in e.missing))
        reference = handled.reply_reference or first.reference or ""
        ctx = ReplyContext(
            kind=decision.kind, reference=reference, recipient_name=parsed.from_name,
            original_subject=parsed.subject, entries=handled.entries,
            missing=self.outbox.renderer.missing_items(missing)
            if decision.kind == "query" else [],
            duplicate_of=handled.reply_reference, form_url=self.stages.form_url,
        )  # fmt: skip
        self.outbox.enqueue(
            session, answers_message_id=row.id, submission_id=first.id, to=to,
            in_reply_to=parsed.message_id, references=parsed.references, ctx=ctx,
        )  # fmt: skip
        return decision

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
            add_event(
                session,
                actor="pipeline",
                action=state,
                message_id=row.id,
                detail={"reason": reason[:4000]},
            )
            session.commit()
            return Outcome(
                ledger_id=message_row_id,
                uid=row.uid,
                message_id=row.message_id,
                state=state,
                reason=reason,
                seconds=round(time.perf_counter() - started, 4),
            )

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
