"""The store stage: what one parsed message means for the records held, and its reply.

A copy of an earlier message, our own reply, a bounce, a follow-up to a held
submission, or new submissions (each checked against the held arrangements for a
duplicate); then the reply the policy decides, enqueued in the same transaction.
Runs inside the orchestrator's transaction and never commits.
"""

from dataclasses import dataclass, field

from sqlmodel import Session

from intake import conversation as conv
from intake.contract import ExtractResult, SubmissionEntry
from intake.dedupe import Fingerprint, earlier_copy, find_duplicate, index_arrangement, what_it_adds
from intake.messages import ParsedMessage
from intake.records import Decided, Held, add_event, load_entry, save_entries
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
from intake.stages import Stages
from intake.store import MessageRecord, Submission, utcnow


@dataclass
class Handled:
    """What became of one message: see ``Situation.outcome`` for the outcomes."""

    outcome: str = "none"
    submissions: list[Held] = field(default_factory=list)  # the reply is about these
    entries: list[SubmissionEntry] = field(default_factory=list)  # ... as they now stand
    reply_reference: str | None = None  # the reference the reply shows, when not the first's
    copy_of: int | None = None
    detail: dict[str, object] = field(default_factory=dict)


class Handler:
    def __init__(self, stages: Stages, outbox: Outbox, daily_cap: int) -> None:
        self.stages = stages
        self.outbox = outbox
        self.daily_cap = daily_cap
        self.rules = stages.rules
        self.conversation = stages.rules.conversation

    def sender_check(self, parsed: ParsedMessage, result: ExtractResult) -> SenderCheck:
        address = parsed.from_email or ""
        on_council_domain = bool(address and self.rules.gazetteer.councils_by_email(address))
        return check_sender(
            parsed.headers, parsed.from_email,
            council_domain=on_council_domain or bool(result.sender.organisation_code),
            public_sector_domains=self.conversation.public_sector_domains,
        )  # fmt: skip

    def handle(self, session: Session, row: MessageRecord, parsed: ParsedMessage,
               result: ExtractResult, sender: SenderCheck,
               content_hash: str | None) -> Handled:  # fmt: skip
        assert row.id is not None
        copy = earlier_copy(session, row.id, row.message_id, content_hash)
        if copy is not None:
            return Handled(copy_of=copy, detail={"copy_of": copy})
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
        return Handled(outcome=outcome, submissions=[Held(sub.id, sub.reference or "")],
                       entries=[entry],
                       detail={"matched_by": how})  # fmt: skip

    def _new_submissions(self, session: Session, row: MessageRecord, result: ExtractResult,
                         sender: SenderCheck) -> Handled:  # fmt: skip
        # Every entry is checked before any is indexed: two arrangements of one message
        # are never each other's copy.
        unverified = (
            f"unverified sender: {'; '.join(sender.reasons)}" if sender.unverified else None
        )
        decided: list[Decided] = []
        matches = [find_duplicate(session, entry, self.conversation.duplicates)
                   for entry in result.submissions]  # fmt: skip
        events: list[dict[str, object]] = []
        for entry, match in zip(result.submissions, matches, strict=True):
            if match is None:
                decided.append(Decided(flag=unverified, unverified=sender.unverified))
                continue
            held = None
            if match.submission_id is not None:
                held_row = session.get(Submission, match.submission_id)
                held = load_entry(session, held_row) if held_row is not None else None
            adds = what_it_adds(entry, held)
            flag = f"possible duplicate of {match.reference}; adds: {', '.join(adds) or 'nothing'}"
            decided.append(Decided(review_state="duplicate_candidate", flag=flag,
                                   unverified=sender.unverified,
                                   duplicate_of=match.submission_id,
                                   duplicate_of_map=match.map_entry_id))  # fmt: skip
            events.append({"of": match.reference, "score": match.score, "adds": adds})
        saved = save_entries(session, row, result, decided)
        handled = Handled(outcome="created")
        duplicates: list[str] = []
        for held_sub, entry, match in zip(saved, result.submissions, matches, strict=True):
            if match is None:
                index_arrangement(session, Fingerprint.of(entry), reference=held_sub.reference,
                                  submission_id=held_sub.id, new=True)  # fmt: skip
                handled.submissions.append(held_sub)
                handled.entries.append(entry)
                continue
            add_event(session, actor="pipeline", action="duplicate_candidate", message_id=row.id,
                      submission_id=held_sub.id, detail=events.pop(0))  # fmt: skip
            duplicates.append(match.reference)
        if not handled.submissions:
            handled = Handled(outcome="duplicate", submissions=saved[:1],
                              reply_reference=duplicates[0])  # fmt: skip
        handled.detail = {"duplicates_of": duplicates} if duplicates else {}
        return handled

    def _index(self, session: Session, sub: Submission, entry: SubmissionEntry) -> None:
        if sub.id is not None and sub.review_state != "duplicate_candidate":
            index_arrangement(session, Fingerprint.of(entry), reference=sub.reference or "",
                              submission_id=sub.id)  # fmt: skip

    def reply(self, session: Session, row: MessageRecord, parsed: ParsedMessage,
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
