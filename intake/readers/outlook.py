"""Outlook's own formats: winmail.dat (TNEF, with tnefparse) and saved .msg messages
(OLE compound files, with olefile).

Outlook wraps a rich-text message's attachments (and often its body) in one
``application/ms-tnef`` part; a message dragged out of Outlook and attached is a
.msg. Either way the body becomes the attachment's text, as an attached .eml's does,
and each file inside is returned as ``Contained``, so that it is sniffed and read
like any other attachment (a PDF form inside is read as a PDF form). A body held only
as compressed RTF is not read: a warning says so. The libraries load on first use.

A .msg stores MAPI properties as streams named '__substg1.0_PPPPTTTT' (property id,
then type: 001F UTF-16 text, 001E 8-bit text, 0102 binary) and each attachment in a
'__attach_version1.0_#N' storage (MS-OXMSG).
"""

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from intake.config import LimitsSettings
from intake.messages import Attachment
from intake.parse.attachments import Contained
from intake.parse.charset import decode_bytes
from intake.parse.html import html_to_text

if TYPE_CHECKING:
    from olefile import OleFileIO
    from tnefparse.tnef import TNEF, TNEFAttachment

_CONTAINED_TYPE = "application/octet-stream"  # sniffed from content, never trusted
_MSG_SENDER_NAME, _MSG_BODY, _MSG_HTML = 0x0C1A, 0x1000, 0x1013
_MSG_SENDER_EMAILS = (0x5D01, 0x0C1F, 0x0065)  # SMTP address first: 0C1F may be an X.500 DN
_MSG_RTF = 0x1009
_MSG_ATTACHMENT = "__attach_version1.0_#"
_MSG_ATTACH_DATA, _MSG_ATTACH_NAMES = 0x3701, (0x3707, 0x3704, 0x3001)  # long, 8.3, display
_MSG_EMBEDDED = "__substg1.0_3701000D"  # a message attached to the message


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


def _base_name(name: str) -> str:
    """A file name without any folder a sender's machine put before it."""
    return name.strip("\x00").replace("\\", "/").rpartition("/")[2].strip(" .")


def _filename(item: "TNEFAttachment", index: int) -> str:
    """The long file name when there is one (the short one is 8.3), else a made-up one."""
    for name in (item.long_filename(), item.name):
        text = name.decode("latin-1") if isinstance(name, bytes) else str(name or "")
        text = _base_name(text)
        if text:
            return text
    return f"winmail-part{index}.bin"


def _damaged(attachment: Attachment, error: Exception) -> list[Contained]:
    reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
    attachment.warnings.append(f"{attachment.filename} is damaged: not read ({reason})")
    return []


def read_tnef(attachment: Attachment, limits: LimitsSettings) -> Sequence[Contained]:
    """Fill ``attachment.text`` with the TNEF body; return the files it holds."""
    from tnefparse.tnef import TNEF

    try:
        tnef = TNEF(attachment.data, do_checksum=False)
    except Exception as e:  # the library raises many kinds of error on damaged files
        return _damaged(attachment, e)
    codepage = tnef.codepage
    attachment.text, warning = _body(tnef, codepage)
    attachment.warnings.extend([f"{attachment.filename}: {warning}"] if warning else [])
    return [
        Contained(_filename(item, index), _CONTAINED_TYPE, bytes(item.data))
        for index, item in enumerate(tnef.attachments, 1)
        if item.data
    ]


def msg_property(ole: "OleFileIO", storage: str, prop_id: int) -> str | bytes | None:
    """A property's value: text for 001F/001E streams, bytes for 0102, None if absent."""
    for suffix in ("001F", "001E", "0102"):
        path = f"{storage}__substg1.0_{prop_id:04X}{suffix}"
        if ole.exists(path):
            data: bytes = ole.openstream(path).read()
            if suffix == "001F":
                return data.decode("utf-16-le", "replace").rstrip("\x00")
            return decode_bytes(data)[0].rstrip("\x00") if suffix == "001E" else data
    return None


def msg_text(ole: "OleFileIO", storage: str, prop_id: int) -> str:
    value = msg_property(ole, storage, prop_id)
    return value.strip() if isinstance(value, str) else ""


def sender_of(ole: "OleFileIO") -> tuple[str, str]:
    emails = (msg_text(ole, "", prop_id) for prop_id in _MSG_SENDER_EMAILS)
    email = next((e for e in emails if "@" in e), "")
    return msg_text(ole, "", _MSG_SENDER_NAME), email.lower()


def body_of(ole: "OleFileIO") -> tuple[str, str | None]:
    plain = msg_property(ole, "", _MSG_BODY)
    if isinstance(plain, str) and plain.strip():
        return _as_text(plain, None), None
    html = msg_property(ole, "", _MSG_HTML)
    if html:
        return html_to_text(_as_text(html, None)), None
    if msg_property(ole, "", _MSG_RTF):
        return "", "its body is in rich text (RTF) only: not read"
    return "", None


def files_of(ole: "OleFileIO", warnings: list[str], label: str) -> list[Contained]:
    """The files a .msg carries; a message attached to it is skipped with a warning."""
    storages = sorted({path[0] for path in ole.listdir() if path[0].startswith(_MSG_ATTACHMENT)})
    files = []
    for index, storage in enumerate(storages, 1):
        if ole.exists(f"{storage}/{_MSG_EMBEDDED}"):
            warnings.append(f"{label}: a message inside it is not read")
            continue
        data = msg_property(ole, f"{storage}/", _MSG_ATTACH_DATA)
        names = (_base_name(msg_text(ole, f"{storage}/", p)) for p in _MSG_ATTACH_NAMES)
        name = next((n for n in names if n), f"msg-part{index}.bin")
        if isinstance(data, bytes) and data:
            files.append(Contained(name, _CONTAINED_TYPE, data))
    return files


def read_msg(attachment: Attachment, limits: LimitsSettings) -> Sequence[Contained]:
    """Fill ``attachment.text`` with a saved Outlook message's body; return its files."""
    from olefile import OleFileIO

    try:
        with OleFileIO(io.BytesIO(attachment.data)) as ole:
            attachment.text, warning = body_of(ole)
            files = files_of(ole, attachment.warnings, attachment.filename)
    except Exception as e:  # the library raises many kinds of error on damaged files
        return _damaged(attachment, e)
    attachment.warnings.extend([f"{attachment.filename}: {warning}"] if warning else [])
    return files


def msg_sender(data: bytes) -> tuple[str, str] | None:
    """(name, address) of a saved Outlook message's sender, None when unreadable."""
    from olefile import OleFileIO

    try:
        with OleFileIO(io.BytesIO(data)) as ole:
            name, email = sender_of(ole)
    except Exception:  # an unreadable .msg has already been warned about by read_msg
        return None
    return (name, email) if email else None
