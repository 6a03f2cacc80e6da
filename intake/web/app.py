"""The web app's composition: ``create_app(app)`` wires settings, sessions, routes, pages.

Everything a route needs hangs off ``request.app.state.web`` (a ``WebState``),
built once here from the service's ``App``; routes never read globals.
"""

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from intake.app import App
from intake.web import pages
from intake.web.auth import SESSION_COOKIE, SessionCodec, SignInPolicy
from intake.web.csrf import request_token
from intake.web.rules import load_web_rules

log = logging.getLogger("intake.web")
STATIC_DIR = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class NotSignedIn(Exception):
    """Raised by the staff dependency when a page needs a signed-in member of staff."""


@dataclass
class WebState:
    intake: App
    templates: jinja2.Environment
    codec: SessionCodec
    secret: str
    policy: SignInPolicy
    secure_cookie: bool

    def render(
        self, request: Request, name: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        page = self.templates.get_template(name).render(
            request=request,
            staff=getattr(request.state, "staff", None),
            csrf_token=request_token(request),
            path=request.url.path,
            **context,
        )
        return HTMLResponse(page, status_code=status_code)


def _secret(intake: App) -> str:
    configured = intake.settings.web.session_secret
    if configured:
        return configured
    log.warning("web.session_secret is not set: sessions end when the service restarts")
    return secrets.token_urlsafe(32)


def _templates(intake: App) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(intake.settings.templates_dir / "web")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    pages.register_filters(env, intake.outbox.renderer.rules.service_areas)
    return env


def create_app(app: App) -> FastAPI:
    """The staff web app over ``app``'s database and rules."""
    secret = _secret(app)
    web = WebState(
        intake=app,
        templates=_templates(app),
        codec=SessionCodec(secret, app.settings.web.session_hours * 3600),
        secret=secret,
        policy=load_web_rules(app.settings.rules_dir),
        secure_cookie=app.settings.web.base_url.startswith("https://"),
    )
    api = FastAPI(title="Shared services intake", docs_url=None, redoc_url=None, openapi_url=None)
    api.state.web = web
    api.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_session_middleware(api, web)
    _install_error_pages(api, web)
    from intake.web.routes import ROUTERS

    for router in ROUTERS:
        api.include_router(router)
    return api


def _install_session_middleware(api: FastAPI, web: WebState) -> None:
    @api.middleware("http")
    async def session_cookie(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.session = web.codec.loads(request.cookies.get(SESSION_COOKIE))
        request.state.staff = None
        response = await call_next(request)
        session = request.state.session
        if session.changed:
            response.set_cookie(
                SESSION_COOKIE,
                web.codec.dumps(session),
                max_age=web.codec.max_age,
                httponly=True,
                samesite="lax",
                secure=web.secure_cookie,
                path="/",
            )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _install_error_pages(api: FastAPI, web: WebState) -> None:
    @api.exception_handler(NotSignedIn)
    async def to_sign_in(request: Request, _exc: NotSignedIn) -> Response:
        if request.method == "GET" and not request.url.path.startswith("/api"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/sign-in?next={quote(target, safe='/')}", status_code=303)
        return web.render(
            request, "error.html", 401, title="Sign in needed", message="Sign in to continue."
        )

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed", 429: "Too many tries"}
        return web.render(
            request,
            "error.html",
            exc.status_code,
            title=titles.get(exc.status_code, "Something went wrong"),
            message=str(exc.detail),
        )

    @api.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("web request failed", extra={"path": request.url.path})
        return web.render(
            request,
            "error.html",
            500,
            title="Something went wrong",
            message="The error has been logged. Try again, or tell the team.",
        )

    @api.exception_handler(RequestValidationError)
    async def bad_input(request: Request, exc: RequestValidationError) -> Response:
        return web.render(
            request,
            "error.html",
            400,
            title="Check the form",
            message="Some of what was sent could not be read.",
        )
