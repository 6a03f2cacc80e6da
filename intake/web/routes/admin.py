"""Admin-only pages: staff accounts and the service's settings (secrets hidden)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlmodel import Session, col

from intake.web.accounts import ROLES, AccountError, StaffAccount, add_account
from intake.web.csrf import csrf_protect
from intake.web.deps import Admin, Web

router = APIRouter(prefix="/admin", dependencies=[Depends(csrf_protect)])
SECRET_WORDS = ("password", "secret", "token")


def _accounts_page(
    request: Request, web: Web, error: str | None = None, status: int = 200
) -> Response:
    with Session(web.intake.engine) as session:
        accounts = session.scalars(select(StaffAccount).order_by(col(StaffAccount.email))).all()
    return web.render(
        request,
        "accounts.html",
        status,
        title="Accounts",
        accounts=accounts,
        roles=ROLES,
        error=error,
        done=request.query_params.get("done"),
    )


@router.get("/accounts")
def accounts(request: Request, web: Web, admin: Admin) -> Response:
    return _accounts_page(request, web)


@router.post("/accounts")
def create(
    request: Request,
    web: Web,
    admin: Admin,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    try:
        add_account(
            web.intake.engine, email, role, password, min_length=web.policy.min_password_length
        )
    except AccountError as e:
        return _accounts_page(request, web, str(e), 400)
    return RedirectResponse("/admin/accounts?done=added", status_code=303)


@router.post("/accounts/{account_id}")
def change(
    web: Web,
    admin: Admin,
    account_id: int,
    role: Annotated[str, Form()],
    active: Annotated[str, Form()] = "",
) -> Response:
    if role not in ROLES:
        raise HTTPException(400, "Unknown role.")
    if account_id == admin.id and (role != "admin" or not active):
        raise HTTPException(409, "You cannot remove your own admin rights or account.")
    with Session(web.intake.engine) as session:
        account = session.get(StaffAccount, account_id)
        if account is None:
            raise HTTPException(404, "No such account.")
        account.role, account.active = role, bool(active)
        session.add(account)
        session.commit()
    return RedirectResponse("/admin/accounts?done=changed", status_code=303)


def _masked(data: Any, key: str = "") -> Any:
    if isinstance(data, dict):
        return {k: _masked(v, k) for k, v in data.items()}
    if any(word in key for word in SECRET_WORDS) and data:
        return "(set)"
    return data


@router.get("/settings")
def settings(request: Request, web: Web, admin: Admin) -> Response:
    shown = _masked(web.intake.settings.model_dump(mode="json"))
    return web.render(request, "settings.html", title="Settings", settings=shown)
