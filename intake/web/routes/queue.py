"""The queue: what needs staff, oldest first, with counts per status."""

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from intake.contract import SERVICE_AREAS
from intake.web.csrf import csrf_protect
from intake.web.deps import Staff, Web
from intake.web.queue import STATUSES, QueueFilters, queue_page

router = APIRouter(dependencies=[Depends(csrf_protect)])


def regions(web: Web) -> list[str]:
    return sorted({c.region for c in web.intake.rules.gazetteer.councils.values() if c.region})


def councils(web: Web) -> list[tuple[str, str]]:
    """(code, label) of every council, current ones first, for pickers."""
    rows = web.intake.rules.gazetteer.councils.values()
    ordered = sorted(rows, key=lambda c: (not c.is_current, c.name))
    return [(c.code, c.name if c.is_current else f"{c.name} (former)") for c in ordered]


@router.get("/queue")
def queue(
    request: Request,
    web: Web,
    staff: Staff,
    status: str | None = None,
    region: str | None = None,
    area: str | None = None,
    council: str | None = None,
    q: str | None = None,
    page: int = 1,
) -> Response:
    filters = QueueFilters(
        status=status if status in STATUSES else None,
        region=region or None,
        area=area or None,
        council=council or None,
        q=(q or "").strip() or None,
        page=page,
    )
    with Session(web.intake.engine) as session:
        result = queue_page(session, web.intake.rules.gazetteer, filters)
    return web.render(
        request,
        "queue.html",
        title="Queue",
        result=result,
        filters=filters,
        statuses=STATUSES,
        regions=regions(web),
        areas=SERVICE_AREAS,
        councils=councils(web),
    )
