"""Staff accounts and sign-in attempts: who may use the web app, and how they tried.

Passwords are stored only as argon2id hashes. Every sign-in attempt is kept so
that repeated failures slow and then lock an address, whatever process served them.
"""

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import Engine, Index, select
from sqlmodel import Field, Session, SQLModel, col

from intake.store import utcnow

ROLES = ("reviewer", "admin")


class StaffAccount(SQLModel, table=True):
    """One member of staff. ``role`` is ``reviewer`` or ``admin``."""

    __tablename__ = "staff_account"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="reviewer", max_length=20)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None


class SignInAttempt(SQLModel, table=True):
    """One attempt to sign in, kept to slow and lock out repeated failures."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (Index("ix_sign_in_attempt_email_at", "email", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    at: datetime = Field(default_factory=utcnow)
    succeeded: bool = False
    remote_addr: str | None = Field(default=None, max_length=64)


_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


def configure_hashing(time_cost: int, memory_kib: int) -> None:
    """Change the cost of new hashes (existing ones keep theirs); tests make it cheap."""
    global _HASHER
    _HASHER = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


class AccountError(ValueError):
    """Raised when an account cannot be created or changed as asked (bad role, e-mail, password)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(account: StaffAccount, password: str) -> bool:
    try:
        return _HASHER.verify(account.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


def check_new_account(email: str, role: str, password: str, min_length: int) -> str:
    """The normalised address, or AccountError saying what is wrong."""
    address = normalise_email(email)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise AccountError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < min_length:
        raise AccountError(f"the password must have at least {min_length} characters")
    return address


def add_account(
    engine: Engine, email: str, role: str, password: str, *, min_length: int = 12
) -> StaffAccount:
    """Create an account; AccountError when the address is taken or the input is unfit."""
    address = check_new_account(email, role, password, min_length)
    with Session(engine) as session:
        if session.scalar(select(col(StaffAccount.id)).where(col(StaffAccount.email) == address)):
            raise AccountError(f"an account for {address} already exists")
        account = StaffAccount(email=address, role=role, password_hash=hash_password(password))
        session.add(account)
        session.commit()
        session.refresh(account)
        return account
