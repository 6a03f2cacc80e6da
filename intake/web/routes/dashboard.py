"""The dashboard: headline figures of the map's data, and the intake's own health."""

from fastapi import APIRouter, Depends, Request, Response

from intake.web.csrf import csrf_protect
from intake.web.deps import Staff, Web
from intake.web.stats import dashboard

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/dashboard")
def show(request: Request, web: Web, staff: Staff) -> Response:
    head, health = dashboard(web.intake)
    return web.render(request, "dashboard.html", title="Dashboard", head=head, health=health)
