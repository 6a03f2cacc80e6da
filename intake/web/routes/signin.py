"""Sign-in and sign-out: the only pages (with health) open to anyone."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from intake.web.auth import WebSession, authenticate, throttle
from intake.web.csrf import csrf_protect
from intake.web.deps import Staff, Web

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


@router.get("/")
def home(staff: Staff) -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/sign-in")
def sign_in_page(request: Request, web: Web, next: str | None = None) -> Response:
    return web.render(
        request, "sign_in.html", title="Sign in", next=_safe_next(next), email="", error=None
    )


@router.post("/sign-in")
def sign_in(
    request: Request,
    web: Web,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    engine = web.intake.engine
    gate = throttle(engine, email, web.policy)
    if not gate.allowed:
        error = (
            f"Too many failed attempts: this account is locked for {gate.wait_seconds} s."
            if gate.locked
            else f"Too many failed attempts: wait {gate.wait_seconds} s, then try again."
        )
        return web.render(
            request,
            "sign_in.html",
            429,
            title="Sign in",
            next=_safe_next(next),
            email=email,
            error=error,
        )
    client = request.client.host if request.client else None
    account = authenticate(engine, email, password, client)
    if account is None:
        return web.render(
            request,
            "sign_in.html",
            401,
            title="Sign in",
            next=_safe_next(next),
            email=email,
            error="That e-mail address and password do not match.",
        )
    fresh = WebSession.new()  # a new session id at sign-in: no session fixation
    fresh.account_id = account.id
    request.state.session = fresh
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    request.state.session = WebSession.new()
    return RedirectResponse("/sign-in", status_code=303)
