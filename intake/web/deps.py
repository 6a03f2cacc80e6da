"""Route dependencies: the web state, the signed-in member of staff, admin-only pages."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from intake.web.accounts import StaffAccount
from intake.web.app import NotSignedIn, WebState
from intake.web.auth import load_account


def get_web(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


def current_staff(request: Request, web: Annotated[WebState, Depends(get_web)]) -> StaffAccount:
    account = load_account(web.intake.engine, request.state.session.account_id)
    if account is None:
        raise NotSignedIn()
    request.state.staff = account
    return account


def admin_staff(staff: Annotated[StaffAccount, Depends(current_staff)]) -> StaffAccount:
    if staff.role != "admin":
        raise HTTPException(status_code=403, detail="This page is for administrators.")
    return staff


Web = Annotated[WebState, Depends(get_web)]
Staff = Annotated[StaffAccount, Depends(current_staff)]
Admin = Annotated[StaffAccount, Depends(admin_staff)]
