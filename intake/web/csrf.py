"""CSRF protection: every form carries a token bound to the visitor's session.

The token is an HMAC of the session id, so it needs no storage and changes when
the session does (at sign-in and sign-out). Every POST is checked before its
route runs; a missing or wrong token is refused with 403.
"""

import hashlib
import hmac

from fastapi import HTTPException, Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"


def token_for(secret: str, sid: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()


def request_token(request: Request) -> str:
    web = request.app.state.web
    return token_for(web.secret, request.state.session.sid)


async def csrf_protect(request: Request) -> None:
    """Dependency for routers: refuse any unsafe method without the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, request_token(request)):
        raise HTTPException(
            status_code=403,
            detail="The form has expired or came from elsewhere: reload the page and try again.",
        )
