"""Ledger messages: the original e-mail, its attachments as downloads, replay of a failure."""

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlmodel import Session, col

from intake.store import MessageRecord, Submission
from intake.web import decisions
from intake.web.csrf import csrf_protect
from intake.web.deps import Staff, Web
from intake.web.original import attachment, original_view
from intake.web.queue import FAILED_STATES

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _message(web: Web, message_id: int) -> MessageRecord:
    with Session(web.intake.engine) as session:
        row = session.get(MessageRecord, message_id)
        if row is None:
            raise HTTPException(404, f"There is no message {message_id}.")
        session.expunge(row)
        return row


@router.get("/messages/{message_id}")
def show(request: Request, web: Web, staff: Staff, message_id: int) -> Response:
    row = _message(web, message_id)
    with Session(web.intake.engine) as session:
        subs = session.scalars(
            select(Submission).where(col(Submission.message_id) == message_id)
        ).all()
    return web.render(
        request,
        "message.html",
        title=f"Message {message_id}",
        message=row,
        original=original_view(web.intake, message_id),
        submissions=subs,
        can_replay=row.state in FAILED_STATES,
        done=request.query_params.get("done"),
    )


@router.get("/messages/{message_id}/attachments/{index}")
def download(web: Web, staff: Staff, message_id: int, index: int) -> Response:
    _message(web, message_id)
    found = attachment(web.intake, message_id, index)
    if found is None:
        raise HTTPException(404, "There is no such attachment.")
    # Always a download, never shown inline: the file came from outside.
    safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in found.filename)[:150]
    headers = {"Content-Disposition": f'attachment; filename="{safe or "attachment"}"'}
    return Response(found.data, media_type="application/octet-stream", headers=headers)


@router.post("/messages/{message_id}/replay")
def replay(web: Web, staff: Staff, message_id: int) -> Response:
    try:
        state = decisions.replay(web.intake, message_id, staff.email)
    except LookupError as e:
        raise HTTPException(404, str(e)) from e
    except ValueError as e:
        raise HTTPException(409, str(e)) from e
    return RedirectResponse(f"/messages/{message_id}?done={state}", status_code=303)
