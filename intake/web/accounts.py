"""Staff accounts and sign-in attempts: who may use the web app, and how they tried.

Passwords are stored only as argon2id hashes. Every sign-in attempt is kept so
that repeated failures slow and then lock an address, whatever process served them.
"""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

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
