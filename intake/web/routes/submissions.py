"""One submission: its facts beside the original message, its thread and history, decisions."""

from collections.abc import Callable
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from intake.contract import SERVICE_AREAS, ArrangementStatus, ArrangementType
from intake.records import load_entry
from intake.store import MessageRecord, Submission, SuppressedAddress
from intake.web import decisions
from intake.web.csrf import csrf_protect
from intake.web.deps import Staff, Web
from intake.web.detail import FIELD_LABELS, comparison, events, history, thread
from intake.web.edits import EditError, apply_edit, entry_from_form
from intake.web.original import original_view
from intake.web.queue import OPEN_STATES, status_of
from intake.web.routes.queue import councils

router = APIRouter(dependencies=[Depends(csrf_protect)])
# The contract's own lists, so the edit form offers exactly what intake accepts.
ARRANGEMENT_TYPES: tuple[str, ...] = get_args(ArrangementType)
STATUSES: tuple[str, ...] = get_args(ArrangementStatus)


def _page(request: Request, web: Web, submission_id: int, **extra: object) -> Response:
    with Session(web.intake.engine) as session:
        sub = session.get(Submission, submission_id)
        if sub is None:
            raise HTTPException(404, f"There is no submission {submission_id}.")
        entry = load_entry(session, sub)
        context: dict[str, Any] = dict(
            title=sub.reference or f"Submission {submission_id}",
            sub=sub,
            entry=entry,
            labels=FIELD_LABELS,
            original=original_view(web.intake, sub.message_id),
            thread=thread(session, sub),
            events=events(session, sub),
            history=history(session, sub),
            compare=comparison(session, sub, entry),
            is_open=sub.review_state in OPEN_STATES,
            can_reopen=sub.review_state in decisions.REOPENABLE,
            queue_status=status_of(sub),
            done=request.query_params.get("done"),
        )
    return web.render(request, "submission.html", **(context | extra))


@router.get("/submissions/{submission_id}")
def show(request: Request, web: Web, staff: Staff, submission_id: int) -> Response:
    return _page(request, web, submission_id)


def _edit_form(
    request: Request,
    web: Web,
    sub: Submission,
    session: Session,
    error: str | None,
    status_code: int = 200,
) -> Response:
    entry = load_entry(session, sub)
    return web.render(
        request,
        "edit.html",
        status_code,
        title=f"Edit {sub.reference}",
        sub=sub,
        entry=entry,
        councils=councils(web),
        areas=SERVICE_AREAS,
        types=ARRANGEMENT_TYPES,
        statuses=STATUSES,
        error=error,
    )


@router.get("/submissions/{submission_id}/edit")
def edit_page(request: Request, web: Web, staff: Staff, submission_id: int) -> Response:
    with Session(web.intake.engine) as session:
        sub = _open(session, submission_id)
        return _edit_form(request, web, sub, session, None)


def _open(session: Session, submission_id: int) -> Submission:
    try:
        return decisions.open_submission(session, submission_id)
    except LookupError as e:
        raise HTTPException(404, str(e)) from e
    except decisions.DecisionError as e:
        raise HTTPException(409, str(e)) from e


@router.post("/submissions/{submission_id}/edit")
async def edit(request: Request, web: Web, staff: Staff, submission_id: int) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    areas = [v for v in form.getlist("service_areas") if isinstance(v, str)]
    with Session(web.intake.engine) as session:
        sub = _open(session, submission_id)
        try:
            entry = entry_from_form(fields, areas, web.intake.rules.gazetteer, dict(sub.sources))
        except EditError as e:
            return _edit_form(request, web, sub, session, str(e), 400)
        changed = apply_edit(session, sub, entry, web.intake.rules.validation, staff.email)
        session.commit()
    done = "edited" if changed else "unchanged"
    return RedirectResponse(f"/submissions/{submission_id}?done={done}", status_code=303)


def _done(submission_id: int, act: Callable[[], str]) -> Response:
    """Run a decision; unknown -> 404, refused (already decided...) -> 409, else back to it."""
    try:
        state = act()
    except LookupError as e:
        raise HTTPException(404, str(e)) from e
    except decisions.DecisionError as e:
        raise HTTPException(409, str(e)) from e
    return RedirectResponse(f"/submissions/{submission_id}?done={state}", status_code=303)


def _decide(
    web: Web, staff: Staff, submission_id: int, decision: str, reason: str = ""
) -> Response:
    return _done(submission_id, lambda: decisions.decide(
        web.intake, submission_id, decision, staff.email, reason))  # fmt: skip


@router.post("/submissions/{submission_id}/approve")
def approve(web: Web, staff: Staff, submission_id: int) -> Response:
    return _decide(web, staff, submission_id, "approve")


@router.post("/submissions/{submission_id}/reject")
def reject(
    web: Web, staff: Staff, submission_id: int, reason: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    return _decide(web, staff, submission_id, "reject", reason)


@router.post("/submissions/{submission_id}/not-submission")
def not_submission(web: Web, staff: Staff, submission_id: int) -> Response:
    return _decide(web, staff, submission_id, "not_submission")


@router.post("/submissions/{submission_id}/merge")
def merge(web: Web, staff: Staff, submission_id: int) -> Response:
    def act() -> str:
        decisions.merge(web.intake, submission_id, staff.email)
        return "merged"

    return _done(submission_id, act)


@router.post("/submissions/{submission_id}/reopen")
def reopen(web: Web, staff: Staff, submission_id: int) -> Response:
    def act() -> str:
        decisions.reopen(web.intake, submission_id, staff.email)
        return "reopened"

    return _done(submission_id, act)


@router.get("/submissions/{submission_id}/ask")
def ask_page(request: Request, web: Web, staff: Staff, submission_id: int) -> Response:
    with Session(web.intake.engine) as session:
        sub = _open(session, submission_id)
        message = session.get(MessageRecord, sub.message_id)
        to = (message.from_email if message else None) or sub.sender_email or ""
        suppressed = session.get(SuppressedAddress, to.lower()) if to else None
    draft = decisions.query_draft(web.intake, submission_id)
    return web.render(
        request,
        "ask.html",
        title=f"Ask the council: {sub.reference}",
        sub=sub,
        to=to,
        subject=draft.subject,
        text=draft.text,
        error=None,
        suppressed=suppressed,
    )


@router.post("/submissions/{submission_id}/ask")
def ask(
    request: Request,
    web: Web,
    staff: Staff,
    submission_id: int,
    subject: Annotated[str, Form(max_length=500)],
    text: Annotated[str, Form(max_length=50_000)],
) -> Response:
    try:
        decisions.ask_council(web.intake, submission_id, subject, text, staff.email)
    except LookupError as e:
        raise HTTPException(404, str(e)) from e
    except decisions.DecisionError as e:
        raise HTTPException(409, str(e)) from e
    return RedirectResponse(f"/submissions/{submission_id}?done=asked", status_code=303)
