"""Sessions, sign-in throttling and the signed-in staff member of each request.

The session is a signed cookie (itsdangerous) holding a random session id and,
once signed in, the account id; it is HttpOnly, SameSite=Lax, and Secure when
the app is served over HTTPS. The account is read again on every request, so a
deactivated account or a changed role takes effect at once. Failed sign-ins
slow an address down (each failure doubles the wait before the next try) and
then lock it for a while, across all processes, since attempts are stored.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from intake.store import utcnow
from intake.web.accounts import (
    SignInAttempt,
    StaffAccount,
    hash_password,
    normalise_email,
    password_matches,
)

SESSION_COOKIE = "intake_session"


class SignInPolicy(BaseModel):
    """How hard repeated failures are slowed (see rules/web.yaml)."""

    window_minutes: int = 15
    first_delay_seconds: float = 1.0
    max_delay_seconds: float = 60.0
    lock_after_failures: int = 10
    lock_minutes: int = 15
    min_password_length: int = 12


@dataclass
class WebSession:
    sid: str
    account_id: int | None = None
    changed: bool = False

    @classmethod
    def new(cls) -> "WebSession":
        return cls(sid=secrets.token_urlsafe(24), changed=True)


class SessionCodec:
    """Signs and reads the session cookie; a cookie older than ``max_age`` is refused."""

    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="intake-session")
        self.max_age = max_age_seconds

    def dumps(self, session: WebSession) -> str:
        return self.serializer.dumps({"sid": session.sid, "uid": session.account_id})

    def loads(self, cookie: str | None) -> WebSession:
        if not cookie:
            return WebSession.new()
        try:
            data = self.serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return WebSession.new()
        if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
            return WebSession.new()
        uid = data.get("uid")
        return WebSession(sid=data["sid"], account_id=uid if isinstance(uid, int) else None)


@dataclass(frozen=True)
class Throttle:
    """Whether an address may try now; ``wait_seconds`` says how long until it may."""

    allowed: bool
    wait_seconds: int = 0
    locked: bool = False


def _failures(session: Session, email: str, since: datetime) -> tuple[int, datetime | None]:
    last_success = session.scalar(
        select(func.max(SignInAttempt.at)).where(
            col(SignInAttempt.email) == email,
            col(SignInAttempt.succeeded).is_(True),
        )
    )
    start = max(since, last_success) if last_success else since
    count, last = session.execute(
        select(func.count(), func.max(SignInAttempt.at)).where(
            col(SignInAttempt.email) == email,
            col(SignInAttempt.succeeded).is_(False),
            col(SignInAttempt.at) > start,
        )
    ).one()
    return int(count or 0), last


def throttle(
    engine: Engine, email: str, policy: SignInPolicy, now: datetime | None = None
) -> Throttle:
    now = now or utcnow()
    with Session(engine) as session:
        count, last = _failures(
            session, normalise_email(email), now - timedelta(minutes=policy.window_minutes)
        )
    if count == 0 or last is None:
        return Throttle(True)
    if last.tzinfo is None:  # SQLite hands back naive UTC
        last = last.replace(tzinfo=now.tzinfo)
    if count >= policy.lock_after_failures:
        until = last + timedelta(minutes=policy.lock_minutes)
        return Throttle(
            now >= until, max(0, int((until - now).total_seconds()) + 1), locked=now < until
        )
    delay = min(policy.first_delay_seconds * 2 ** (count - 1), policy.max_delay_seconds)
    until = last + timedelta(seconds=delay)
    if now >= until:
        return Throttle(True)
    return Throttle(False, max(1, int((until - now).total_seconds() + 0.999)))


def authenticate(
    engine: Engine, email: str, password: str, remote_addr: str | None
) -> StaffAccount | None:
    """The active account whose password this is, or None; the attempt is recorded either way."""
    address = normalise_email(email)
    with Session(engine) as session:
        account = session.scalars(
            select(StaffAccount).where(col(StaffAccount.email) == address)
        ).first()
        ok = account is not None and account.active and password_matches(account, password)
        if account is None:
            # Hash anyway so a missing account takes as long to refuse as a wrong password.
            password_matches(StaffAccount(email="", password_hash=_dummy_hash()), password)
        session.add(SignInAttempt(email=address[:320], succeeded=ok, remote_addr=remote_addr))
        if ok and account is not None:
            account.last_sign_in_at = utcnow()
            session.add(account)
        session.commit()
        if ok and account is not None:
            session.refresh(account)
            session.expunge(account)
            return account
        return None


def load_account(engine: Engine, account_id: int | None) -> StaffAccount | None:
    if account_id is None:
        return None
    with Session(engine) as session:
        account = session.get(StaffAccount, account_id)
        if account is None or not account.active:
            return None
        session.expunge(account)
        return account


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(8))
