"""Replies: what to say (policy), how it reads (render), how it leaves (outbox, transport)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from intake.contract import MissingField, SubmissionEntry

ReplyKind = Literal["acknowledgement", "query", "duplicate"]


class MissingItem(BaseModel):
    """One fact to ask for, worded for the council (wording lives in rules/replies.yaml)."""

    field: MissingField
    question: str
    example: str


class ReplyContext(BaseModel):
    """Everything a reply template may show."""

    kind: ReplyKind
    reference: str
    recipient_name: str | None = None
    original_subject: str = ""
    entries: list[SubmissionEntry] = Field(default_factory=list)
    missing: list[MissingItem] = Field(default_factory=list)
    duplicate_of: str | None = None  # reference of the record already held
    form_url: str | None = None


class RenderedReply(BaseModel):
    subject: str
    text: str
    html: str


class OutgoingReply(BaseModel):
    """A reply as stored in the outbox: fixed at enqueue time, so a resend is identical."""

    message_id: str  # "<...@domain>", assigned at enqueue
    from_address: str
    from_name: str
    to: str
    subject: str
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    text: str
    html: str
    date: datetime
