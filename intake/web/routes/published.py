"""The map's data: the published arrangements, and their exports."""

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from intake.web import exports
from intake.web.csrf import csrf_protect
from intake.web.deps import Staff, Web

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/published")
def published(request: Request, web: Web, staff: Staff) -> Response:
    items = exports.published(web.intake.engine, web.intake.rules.gazetteer)
    return web.render(
        request,
        "published.html",
        title="Published arrangements",
        items=items,
        formats=list(exports.FORMATS),
    )


@router.get("/published/export.{fmt}")
def export(web: Web, staff: Staff, fmt: str) -> Response:
    if fmt not in exports.FORMATS:
        raise HTTPException(404, f"No export as {fmt}.")
    data = exports.export(web.intake.engine, web.intake.rules.gazetteer, fmt)
    headers = {"Content-Disposition": f'attachment; filename="shared-services.{fmt}"'}
    return Response(data, media_type=exports.FORMATS[fmt], headers=headers)
