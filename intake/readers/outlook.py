"""Outlook's winmail.dat (TNEF), read with tnefparse: its body and the files it carries.

Outlook wraps a rich-text message's attachments (and often its body) in one
``application/ms-tnef`` part. The body becomes the attachment's text; each file
inside is returned as ``Contained``, so that it is sniffed and read like any other
attachment (a PDF form inside winmail.dat is read as a PDF form). A body held only
as compressed RTF is not read: a warning says so. tnefparse loads on first use.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from intake.config import LimitsSettings
from intake.messages import Attachment
from intake.parse.attachments import Contained
from intake.parse.charset import decode_bytes
from intake.parse.html import html_to_text

if TYPE_CHECKING:
    from tnefparse.tnef import TNEF, TNEFAttachment

_TNEF_CONTENT_TYPE = "application/octet-stream"  # sniffed from content, never trusted


def _as_text(value: str | bytes | None, codepage: str | None) -> str:
    if not value:
        return ""
    text = value if isinstance(value, str) else decode_bytes(value, codepage)[0]
    return text.replace("\r\n", "\n").strip("\x00").strip()


def _body(tnef: "TNEF", codepage: str | None) -> tuple[str, str | None]:
    """(text, warning): the plain body, else the HTML one as text."""
    plain = _as_text(tnef.body, codepage)
    if plain:
        return plain, None
    html = _as_text(tnef.htmlbody, codepage)
    if html:
        return html_to_text(html), None
    if tnef._rtfbody:
        return "", "its body is in rich text (RTF) only: not read"
    return "", None


def _filename(item: "TNEFAttachment", index: int) -> str:
    """The long file name when there is one (the short one is 8.3), else a made-up one."""
    for name in (item.long_filename(), item.name):
        text = name.decode("latin-1") if isinstance(name, bytes) else str(name or "")
        text = text.strip("\x00").replace("\\", "/").rpartition("/")[2].strip(" .")
        if text:
            return text
    return f"winmail-part{index}.bin"


def read_tnef(attachment: Attachment, limits: LimitsSettings) -> Sequence[Contained]:
    """Fill ``attachment.text`` with the TNEF body; return the files it holds."""
    from tnefparse.tnef import TNEF

    try:
        tnef = TNEF(attachment.data, do_checksum=False)
    except Exception as e:  # the library raises many kinds of error on damaged files
        reason = (str(e).splitlines() or [type(e).__name__])[0][:200]
        attachment.warnings.append(f"{attachment.filename} is damaged: not read ({reason})")
        return []
    codepage = tnef.codepage
    attachment.text, warning = _body(tnef, codepage)
    attachment.warnings.extend([f"{attachment.filename}: {warning}"] if warning else [])
    return [
        Contained(_filename(item, index), _TNEF_CONTENT_TYPE, bytes(item.data))
        for index, item in enumerate(tnef.attachments, 1)
        if item.data
    ]
