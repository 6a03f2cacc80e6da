"""The original e-mail as staff see it: headers, the text, HTML source as text, attachments.

Nothing from the message is ever rendered as markup: the HTML part is shown as
its source, escaped by the template like any other text, and attachments are
served only as downloads.
"""

from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

from intake.app import App
from intake.messages import Attachment, ParsedMessage

SHOWN_HEADERS = ("from", "to", "cc", "date", "subject", "message-id", "in-reply-to")


@dataclass
class AttachmentView:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass
class OriginalView:
    headers: list[tuple[str, str]]
    text: str
    html_sources: list[str] = field(default_factory=list)
    attachments: list[AttachmentView] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    size: int = 0


def _parse(app: App, data: bytes) -> ParsedMessage | None:
    try:
        return app.stages.parse(data)
    except Exception:  # shown raw instead: staff must always see what arrived
        return None


def html_sources(data: bytes) -> list[str]:
    """The source of every text/html part, as text (for showing escaped, never rendering)."""
    msg = message_from_bytes(data, policy=email_policy.default)
    found = []
    for part in msg.walk():
        if part.get_content_type() == "text/html" and not part.is_attachment():
            try:
                content = part.get_content() if isinstance(part, EmailMessage) else ""
            except (LookupError, ValueError, AssertionError):
                content = part.get_payload(decode=True) or b""
                content = content.decode("utf-8", "replace") if isinstance(content, bytes) else ""
            found.append(str(content))
    return found


def original_view(app: App, message_row_id: int) -> OriginalView:
    data = app.ledger.raw_bytes(message_row_id)
    parsed = _parse(app, data)
    if parsed is None:
        return OriginalView(
            headers=[],
            text=data.decode("utf-8", "replace"),
            size=len(data),
            warnings=["the message could not be read as MIME: shown raw"],
        )
    headers = [(name, parsed.headers[name]) for name in SHOWN_HEADERS if name in parsed.headers]
    attachments = [
        AttachmentView(i, a.filename, a.content_type, a.size)
        for i, a in enumerate(parsed.attachments)
    ]
    try:
        sources = html_sources(data)
    except Exception:  # the text view stands alone if the HTML cannot be walked
        sources = []
    return OriginalView(
        headers, parsed.body_text, sources, attachments, list(parsed.warnings), len(data)
    )


def attachment(app: App, message_row_id: int, index: int) -> Attachment | None:
    parsed = _parse(app, app.ledger.raw_bytes(message_row_id))
    if parsed is None or not 0 <= index < len(parsed.attachments):
        return None
    return parsed.attachments[index]
