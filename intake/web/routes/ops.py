"""Operations: /healthz and /metrics, open without sign-in (they show counts only)."""

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from intake.web.deps import Web
from intake.web.health import check, metrics_text

router = APIRouter()


@router.get("/healthz")
def healthz(web: Web) -> Response:
    health = check(web.intake)
    body = {
        "ok": health.ok,
        "database": health.database,
        "mailbox": health.mailbox,
        "last_successful_poll": health.last_poll.isoformat() if health.last_poll else None,
        "last_error": health.last_error,
    }
    return JSONResponse(body, status_code=200 if health.ok else 503)


@router.get("/metrics")
def metrics(web: Web) -> Response:
    return PlainTextResponse(
        metrics_text(check(web.intake)), media_type="text/plain; version=0.0.4"
    )
