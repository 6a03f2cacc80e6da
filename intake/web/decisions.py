"""Staff decisions on a submission, each written with its event (who, what, when) at once.

Decisions apply to open submissions only; a decided one (approved, rejected,
merged, not a submission) is refused with DecisionError rather than changed twice.
"""

import html

from sqlmodel import Session

from intake.app import App
from intake.records import add_event, load_entry
from intake.reply import RenderedReply, ReplyContext
from intake.reply.outbox import Outbox
from intake.reply.render import ReplyRenderer
from intake.store import MessageRecord, Submission, utcnow
from intake.web.edits import apply_edit
from intake.web.queue import OPEN_STATES

# review_state after each decision
FINAL_STATES = {"approve": "approved", "reject": "rejected", "not_submission": "not_submission"}


class DecisionError(ValueError):
    """Raised when a decision does not apply to the submission as it now stands."""


def open_submission(session: Session, submission_id: int) -> Submission:
    """The submission, locked until commit (PostgreSQL), so two staff cannot decide it twice."""
    sub = session.get(Submission, submission_id, with_for_update=True)
    if sub is None:
        raise LookupError(f"no submission {submission_id}")
    if sub.review_state not in OPEN_STATES:
        raise DecisionError(f"{sub.reference} is already {sub.review_state.replace('_', ' ')}")
    return sub


def decide(app: App, submission_id: int, decision: str, actor: str, reason: str = "") -> str:
    """Approve, reject (with a reason) or mark not a submission; the new review state."""
    with Session(app.engine) as session:
        sub = open_submission(session, submission_id)
        if decision == "reject" and not reason.strip():
            raise DecisionError("say why it is rejected")
        if decision == "approve" and not load_entry(session, sub).organisations:
            raise DecisionError("an arrangement needs at least one council before it is published")
        sub.review_state, sub.updated_at = FINAL_STATES[decision], utcnow()
        session.add(sub)
        detail = {"reason": reason.strip()} if reason.strip() else {}
        add_event(
            session,
            actor=actor,
            action=FINAL_STATES[decision],
            message_id=sub.message_id,
            submission_id=sub.id,
            detail=detail,
        )
        session.commit()
        return sub.review_state


REOPENABLE = ("approved", "rejected", "not_submission")


def reopen(app: App, submission_id: int, actor: str) -> str:
    """Undo a decision (an approval unpublishes): the submission waits for review again."""
    with Session(app.engine) as session:
        sub = session.get(Submission, submission_id, with_for_update=True)
        if sub is None:
            raise LookupError(f"no submission {submission_id}")
        if sub.review_state not in REOPENABLE:
            raise DecisionError(f"{sub.reference} is {sub.review_state.replace('_', ' ')}")
        was, sub.review_state, sub.updated_at = sub.review_state, "pending", utcnow()
        session.add(sub)
        add_event(
            session,
            actor=actor,
            action="reopened",
            message_id=sub.message_id,
            submission_id=sub.id,
            detail={"was": was},
        )
        session.commit()
        return sub.review_state


class _Written(ReplyRenderer):
    """A renderer that returns what staff wrote, so the outbox builds and stores it as usual."""

    def __init__(self, rendered: RenderedReply) -> None:
        self.rendered = rendered

    def render(self, ctx: ReplyContext) -> RenderedReply:
        return self.rendered


def query_draft(app: App, submission_id: int) -> RenderedReply:
    """The query reply the templates would send now, for staff to edit before sending."""
    with Session(app.engine) as session:
        sub = session.get(Submission, submission_id)
        if sub is None:
            raise LookupError(f"no submission {submission_id}")
        message = session.get(MessageRecord, sub.message_id)
        entry = load_entry(session, sub)
    renderer = app.outbox.renderer
    ctx = ReplyContext(
        kind="query",
        reference=sub.reference or "",
        entries=[entry],
        original_subject=message.subject or "" if message else "",
        missing=renderer.missing_items(list(entry.missing)),
    )
    try:
        return renderer.render(ctx)
    except ValueError:  # nothing missing: staff write the question themselves
        subject = renderer.subject_for(ctx.original_subject, ctx.reference)
        return RenderedReply(subject=subject, text="Hello,\n\n", html="")


def text_to_html(text: str) -> str:
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f'<!DOCTYPE html><html lang="en-GB"><body>{body}</body></html>'


def ask_council(app: App, submission_id: int, subject: str, text: str, actor: str) -> int:
    """Queue the reply staff wrote through the outbox; the reply's id."""
    if not subject.strip() or not text.strip():
        raise DecisionError("the reply needs a subject and some text")
    with Session(app.engine) as session:
        sub = open_submission(session, submission_id)
        message = session.get(MessageRecord, sub.message_id)
        to = (message.from_email if message else None) or sub.sender_email
        if not to:
            raise DecisionError("the message has no sender address to reply to")
        written = RenderedReply(subject=subject.strip(), text=text, html=text_to_html(text))
        outbox = Outbox(app.engine, app.settings.outbox, _Written(written))
        ctx = ReplyContext(kind="query", reference=sub.reference or "")
        reply_id = outbox.enqueue(
            session,
            answers_message_id=sub.message_id,
            submission_id=sub.id,
            to=to,
            in_reply_to=message.message_id if message else None,
            references=[message.message_id] if message and message.message_id else [],
            ctx=ctx,
        )
        sub.review_state, sub.updated_at = "awaiting_council", utcnow()
        session.add(sub)
        session.flush()
        add_event(
            session,
            actor=actor,
            action="asked_council",
            message_id=sub.message_id,
            submission_id=sub.id,
            detail={"reply_id": reply_id, "to": to},
        )
        session.commit()
        return reply_id


def merge(app: App, submission_id: int, actor: str) -> int | None:
    """Fold a duplicate candidate into the record it repeats; that record's id (None: map)."""
    with Session(app.engine) as session:
        sub = open_submission(session, submission_id)
        if sub.duplicate_of is None and sub.duplicate_of_map is None:
            raise DecisionError(f"{sub.reference} is not marked as a duplicate")
        target_id = sub.duplicate_of
        if target_id is not None:
            target = session.get(Submission, target_id)
            if target is None:
                raise DecisionError("the record it repeats no longer exists")
            _fill_gaps(session, target, sub, app, actor)
        sub.review_state, sub.updated_at = "merged", utcnow()
        session.add(sub)
        detail = {"into": target_id, "into_map": sub.duplicate_of_map}
        add_event(
            session,
            actor=actor,
            action="merged",
            message_id=sub.message_id,
            submission_id=sub.id,
            detail=detail,
        )
        session.commit()
        return target_id


def _fill_gaps(session: Session, target: Submission, dup: Submission, app: App, actor: str) -> None:
    """What the duplicate adds: fields the target lacks, and councils, areas, savings it lacks."""
    have, extra = load_entry(session, target), load_entry(session, dup)
    merged = have.model_copy(deep=True)
    for name in (
        "title",
        "arrangement_type",
        "status",
        "start_year",
        "description",
        "benefits",
        "savings_none_reason",
        "contact",
    ):
        if getattr(merged, name) in (None, "") and getattr(extra, name) not in (None, ""):
            setattr(merged, name, getattr(extra, name))
    codes = {o.current_code or o.code or o.name for o in merged.organisations}
    merged.organisations += [
        o for o in extra.organisations if (o.current_code or o.code or o.name) not in codes
    ]
    merged.service_areas = list(dict.fromkeys(merged.service_areas + extra.service_areas))
    merged.savings += [s for s in extra.savings if s not in merged.savings]
    apply_edit(session, target, merged, app.rules.validation, actor)


def replay(app: App, message_row_id: int, actor: str) -> str:
    """Re-run a failed or quarantined message; its new state."""
    with Session(app.engine) as session:
        if session.get(MessageRecord, message_row_id) is None:
            raise LookupError(f"no message {message_row_id}")
        add_event(session, actor=actor, action="replay_requested", message_id=message_row_id)
        session.commit()
    outcome = app.pipeline.replay(message_row_id)
    return outcome.state if outcome else "unchanged"
