"""Sign-in, sessions, CSRF, roles: every page but sign-in and health needs staff."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlmodel import Session

from intake.store import utcnow
from intake.web.accounts import SignInAttempt
from intake.web.auth import SESSION_COOKIE, SignInPolicy, throttle
from intake.web.routes import ROUTERS
from tests.support.web import (
    ADMIN,
    PASSWORD,
    REVIEWER,
    WebEnv,
    csrf_of,
    open_env,
    sign_in,
)

OPEN_PATHS = {"/sign-in", "/sign-out", "/healthz", "/metrics"}


@pytest.fixture
def web_env(sqlite_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    yield from open_env(sqlite_url, tmp_path)


def staff_routes(env: WebEnv) -> list[tuple[str, str]]:
    """(method, path with ids filled in) of every route that needs a signed-in member of staff."""
    found = []
    for route in (r for router in ROUTERS for r in router.routes):
        if isinstance(route, APIRoute) and route.path not in OPEN_PATHS:
            path = route.path.replace("{submission_id}", "1").replace("{message_id}", "1")
            path = path.replace("{index}", "0").replace("{account_id}", "1").replace("{fmt}", "csv")
            found += [(method, path) for method in route.methods]
    return found


def test_every_route_refuses_an_anonymous_request(web_env: WebEnv) -> None:
    """GIVEN no session WHEN any staff route is asked, even with a valid CSRF token THEN refused."""
    client = web_env.client()
    token = csrf_of(client.get("/sign-in").text)
    routes = staff_routes(web_env)
    assert len(routes) >= 20
    for method, path in routes:
        response = client.request(method, path, data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code in (303, 401), (method, path, response.status_code)
        if method == "GET":
            assert response.headers["location"].startswith("/sign-in?next=")


def test_a_reviewer_cannot_reach_admin_pages(web_env: WebEnv) -> None:
    """GIVEN a reviewer WHEN admin pages are asked THEN 403; an admin gets them."""
    reviewer = web_env.client()
    token = sign_in(reviewer)
    assert reviewer.get("/admin/accounts").status_code == 403
    assert reviewer.get("/admin/settings").status_code == 403
    posted = reviewer.post(
        "/admin/accounts",
        data={"csrf_token": token, "email": "x@y.uk", "role": "admin", "password": "x" * 20},
    )
    assert posted.status_code == 403
    admin = web_env.client()
    sign_in(admin, ADMIN)
    page = admin.get("/admin/accounts")
    assert page.status_code == 200 and REVIEWER in page.text
    settings = admin.get("/admin/settings").text
    assert "test-secret-not-for-production" not in settings and "(set)" in settings


@pytest.mark.parametrize("token", [None, "", "0" * 64, "from-another-session"])
def test_a_form_without_a_valid_csrf_token_is_refused(web_env: WebEnv, token: str | None) -> None:
    """GIVEN a signed-in reviewer WHEN a form is posted without the session's token THEN 403."""
    client = web_env.client()
    if token == "from-another-session":
        token = sign_in(web_env.client())
    sign_in(client)
    data = {"reason": "no"} | ({"csrf_token": token} if token is not None else {})
    response = client.post("/sign-out", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/queue", follow_redirects=False).status_code == 200  # still signed in


def test_sign_in_without_a_csrf_token_is_refused(web_env: WebEnv) -> None:
    client = web_env.client()
    response = client.post("/sign-in", data={"email": REVIEWER, "password": PASSWORD})
    assert response.status_code == 403


def test_sign_in_sets_a_signed_httponly_samesite_cookie_and_sign_out_ends_it(
    web_env: WebEnv,
) -> None:
    """GIVEN the right password THEN an HttpOnly SameSite cookie; sign-out ends it."""
    client = web_env.client()
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={
            "email": REVIEWER.upper(),
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/queue").status_code == 200
    forged = client.cookies[SESSION_COOKIE][:-2] + "AA"
    stranger = web_env.client()
    stranger.cookies.set(SESSION_COOKIE, forged)
    assert stranger.get("/queue", follow_redirects=False).status_code == 303
    token = csrf_of(client.get("/queue").text)
    assert (
        client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_a_wrong_password_is_refused_and_recorded(web_env: WebEnv) -> None:
    client = web_env.client()
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in", data={"email": REVIEWER, "password": "wrong", "csrf_token": token}
    )
    assert response.status_code == 401 and "do not match" in response.text
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_the_sign_in_delay_refuses_a_quick_retry_even_with_the_right_password(
    web_env: WebEnv,
) -> None:
    """GIVEN one failure WHEN the right password comes at once THEN 429 'wait'; not signed in."""
    web_env.api.state.web.policy = SignInPolicy(first_delay_seconds=30)
    client = web_env.client()
    token = csrf_of(client.get("/sign-in").text)
    client.post("/sign-in", data={"email": REVIEWER, "password": "wrong", "csrf_token": token})
    retry = client.post(
        "/sign-in", data={"email": REVIEWER, "password": PASSWORD, "csrf_token": token}
    )
    assert retry.status_code == 429 and "wait" in retry.text
    assert client.get("/queue", follow_redirects=False).status_code == 303
    other = web_env.client()
    sign_in(other, ADMIN)  # another address is not slowed


def _fail(env: WebEnv, email: str, times: int, ago: timedelta) -> None:
    with Session(env.intake.engine) as session:
        for _ in range(times):
            session.add(SignInAttempt(email=email, succeeded=False, at=utcnow() - ago))
        session.commit()


@pytest.mark.parametrize(
    ("failures", "ago", "allowed", "locked"),
    [
        (0, timedelta(0), True, False),
        (1, timedelta(seconds=0), False, False),
        (1, timedelta(seconds=2), True, False),
        (3, timedelta(seconds=3), False, False),  # third failure: wait 4 s
        (3, timedelta(seconds=5), True, False),
        (10, timedelta(minutes=5), False, True),  # locked for 15 minutes
        (10, timedelta(minutes=16), True, False),
        (10, timedelta(minutes=30), True, False),  # outside the window
    ],
)
def test_throttle_doubles_the_wait_and_then_locks(
    web_env: WebEnv, failures: int, ago: timedelta, allowed: bool, locked: bool
) -> None:
    _fail(web_env, REVIEWER, failures, ago)
    gate = throttle(web_env.intake.engine, REVIEWER, SignInPolicy())
    assert (gate.allowed, gate.locked) == (allowed, locked)


def test_a_locked_account_is_refused_with_the_right_password(web_env: WebEnv) -> None:
    web_env.api.state.web.policy = SignInPolicy()
    _fail(web_env, REVIEWER, 10, timedelta(minutes=1))
    client = web_env.client()
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in", data={"email": REVIEWER, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429 and "locked" in response.text


def test_pages_carry_security_headers(web_env: WebEnv) -> None:
    response = web_env.client().get("/sign-in")
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_sign_in_returns_to_the_page_asked_for(web_env: WebEnv) -> None:
    client = web_env.client()
    first = client.get("/queue?status=failed&q=a b", follow_redirects=False)
    assert first.headers["location"] == "/sign-in?next=/queue%3Fstatus%3Dfailed%26q%3Da%2520b"
    page = client.get(first.headers["location"]).text
    assert 'name="next" value="/queue?status=failed&amp;q=a%20b"' in page
    token = csrf_of(page)
    response = client.post(
        "/sign-in",
        data={
            "email": REVIEWER,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/queue?status=failed",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/queue?status=failed"
