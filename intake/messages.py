"""Plain data passed between the pipeline's stages (besides the contract models)."""

from datetime import datetime

from pydantic import BaseModel, Field


class RawMessage(BaseModel):
    """One message as fetched from a mailbox, before anything reads it.

    ``uid`` is the IMAP UID (or a Maildir key's stable number); ``key`` is the
    backend's own handle for after-processing actions (IMAP UID as text, Maildir key).
    """

    mailbox: str
    folder: str
    uidvalidity: int | None = None
    uid: int | None = None
    key: str
    data: bytes


class Attachment(BaseModel):
    """An attachment with its sniffed type; readers fill ``text`` and ``fields``."""

    filename: str
    content_type: str  # as declared in the message
    sniffed_type: str  # pdf | docx | xlsx | csv | eml | msg | text | image | other
    size: int
    data: bytes = Field(repr=False)
    text: str = ""
    fields: dict[str, str] = Field(default_factory=dict)  # label/value pairs (form fields)
    rows: list[dict[str, str]] = Field(default_factory=list)  # one dict per table row
    warnings: list[str] = Field(default_factory=list)


class ParsedMessage(BaseModel):
    """A message read from MIME: headers decoded, text separated from quotes."""

    message_id: str | None = None
    subject: str = ""
    from_name: str | None = None
    from_email: str | None = None
    return_path: str | None = None
    to: list[str] = Field(default_factory=list)
    date: datetime | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)  # lower-cased name -> decoded value
    content_type: str = "text/plain"
    body_text: str = ""  # the whole readable body (plain text, or HTML turned to text)
    new_text: str = ""  # only what the sender wrote now: no quote, no signature
    quoted_text: str = ""  # earlier messages quoted below or above
    signature: str = ""
    forwarded_from: str | None = None  # original sender of a forwarded message
    attachments: list[Attachment] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
