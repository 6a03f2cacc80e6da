"""Writes small Outlook winmail.dat (TNEF) files, for tests and the sample messages.

Only what a reader needs: the version and code page, a plain body (attBody), MAPI body
properties (HTML, compressed RTF) and attached files (title and data). The layout is
MS-OXTNEF's: a signature and key, then attributes of level, id, type, length, data and
a checksum (the sum of the data bytes).
"""

import struct

SIGNATURE = 0x223E9F78
LEVEL_MESSAGE, LEVEL_ATTACHMENT = 1, 2
TYPE_TEXT, TYPE_BYTE, TYPE_DWORD = 0x0002, 0x0006, 0x0008
ATT_BODY, ATT_ATTACH_DATA, ATT_ATTACH_TITLE = 0x800C, 0x800F, 0x8010
ATT_ATTACH_REND_DATA, ATT_MAPI_PROPS, ATT_TNEF_VERSION, ATT_OEM_CODEPAGE = (
    0x9002,
    0x9003,
    0x9006,
    0x9007,
)
PT_BINARY = 0x0102
PR_RTF_COMPRESSED, PR_BODY_HTML = 0x1009, 0x1013


def _attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
    head = struct.pack("<BHHI", level, name, kind, len(data))
    return head + data + struct.pack("<H", sum(data) & 0xFFFF)


def _binary_props(props: list[tuple[int, bytes]]) -> bytes:
    out = struct.pack("<I", len(props))
    for prop_id, value in props:
        padding = b"\0" * (-len(value) % 4)
        out += struct.pack("<HHII", PT_BINARY, prop_id, 1, len(value)) + value + padding
    return out


def winmail_dat(
    body: str | None = None,
    files: list[tuple[str, bytes]] | None = None,
    *,
    html: str | None = None,
    rtf: bytes | None = None,
) -> bytes:
    """A TNEF stream with a cp1252 body, an HTML or RTF body, and the files given."""
    out = struct.pack("<IH", SIGNATURE, 0x0001)
    out += _attribute(LEVEL_MESSAGE, ATT_TNEF_VERSION, TYPE_DWORD, struct.pack("<I", 0x10000))
    out += _attribute(LEVEL_MESSAGE, ATT_OEM_CODEPAGE, TYPE_BYTE, struct.pack("<II", 1252, 0))
    if body is not None:
        out += _attribute(LEVEL_MESSAGE, ATT_BODY, TYPE_TEXT, body.encode("cp1252"))
    props = [(PR_BODY_HTML, html.encode("utf-8"))] if html else []
    props += [(PR_RTF_COMPRESSED, rtf)] if rtf else []
    if props:
        out += _attribute(LEVEL_MESSAGE, ATT_MAPI_PROPS, TYPE_BYTE, _binary_props(props))
    for name, data in files or []:
        out += _attribute(
            LEVEL_ATTACHMENT, ATT_ATTACH_REND_DATA, TYPE_BYTE, b"\x01\x00" + b"\xff" * 12
        )
        out += _attribute(
            LEVEL_ATTACHMENT, ATT_ATTACH_TITLE, TYPE_TEXT, name.encode("cp1252") + b"\0"
        )
        out += _attribute(LEVEL_ATTACHMENT, ATT_ATTACH_DATA, TYPE_BYTE, data)
    return out
