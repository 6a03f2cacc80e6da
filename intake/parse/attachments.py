"""Attachments: what a file really is, the size limit, and the registry of readers.

``sniff_type`` trusts content first (magic bytes, zip members, OLE stream
names, the shape of text) and the file name only to tell text kinds apart; a
'.pdf' that is not a PDF is not read as one. Readers are plain functions
registered per sniffed type (``register_reader``); ``parse_message`` runs them
and turns any failure into a warning on that attachment alone. A reader of a
container (an Outlook winmail.dat or .msg) may return the files it holds, as
``Contained``: each then becomes an attachment of the message, read in turn.

Sniffed types: pdf docx xlsx pptx zip msg doc xls ole tnef image eml csv html
text other.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from intake.config import LimitsSettings
from intake.messages import Attachment


@dataclass(frozen=True)
class Contained:
    """A file found inside an attachment (the files of a winmail.dat or a .msg)."""

    filename: str
    content_type: str
    data: bytes


Reader = Callable[[Attachment, LimitsSettings], Sequence[Contained] | None]
READERS: dict[str, Reader] = {}

_SAMPLE = 8192
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TNEF_MAGIC = b"\x78\x9f\x3e\x22"  # 0x223E9F78, little-endian
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_ZIP_MEMBERS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
_OLE_STREAMS = (("__substg1.0_", "msg"), ("WordDocument", "doc"), ("Workbook", "xls"))
_TEXT_EXTENSIONS = {"csv": "csv", "tsv": "csv", "eml": "eml", "htm": "html", "html": "html"}
_TEXT_DECLARED = {"text/csv": "csv", "message/rfc822": "eml", "text/html": "html"}
_MAIL_HEADERS = ("from", "received", "return-path", "message-id", "subject", "date", "to")
_CSV_DELIMITERS = ",;\t|"
_CSV_SAMPLE_ROWS = 20


def register_reader(sniffed_type: str, func: Reader) -> None:
    """Have ``func`` read every attachment sniffed as ``sniffed_type`` (replaces any other)."""
    READERS[sniffed_type] = func


def format_mb(size: int) -> str:
    """A size as people read it: '40 MB', '1.5 MB', '120 KB', '15 bytes'."""
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= scale:
            return f"{round(size / scale, 1):g} {unit}"
    return f"{size} bytes"


def _zip_type(data: bytes, extension: str) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        # a damaged Office file is still worth handing to its reader, which will warn
        return extension if extension in ("docx", "xlsx", "pptx") else "zip"
    return next((kind for member, kind in _ZIP_MEMBERS.items() if member in names), "zip")


def _ole_type(data: bytes) -> str:
    for stream, kind in _OLE_STREAMS:
        if stream.encode("utf-16-le") in data:
            return kind
    return "ole"


def _binary_type(data: bytes, extension: str) -> str | None:
    head = data[:16]
    # containers first: a winmail.dat or zip holding a PDF has '%PDF-' near its start too
    if head.startswith(_TNEF_MAGIC):
        return "tnef"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(data, extension)
    if head.startswith(_OLE_MAGIC):
        return _ole_type(data)
    if b"%PDF-" in data[:1024]:  # a PDF may have bytes before its header
        return "pdf"
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    return None


def _sample_text(data: bytes) -> str | None:
    """The start of ``data`` as text, or None when it is binary."""
    sample = data[:_SAMPLE]
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return sample.decode("utf-16", "replace")
    if b"\x00" in sample:
        return None
    text = sample.decode("utf-8", "replace")
    controls = sum(1 for c in text if c < " " and c not in "\t\r\n\f")
    return None if controls > len(text) // 100 + 2 else text.lstrip("\ufeff")


def looks_like_eml(text: str) -> bool:
    """Starts with a header block naming From: or Received: among mail headers."""
    names = []
    for line in text.splitlines()[:40]:
        if not line.strip():
            break
        if line[:1] in " \t":
            continue
        name, colon, _ = line.partition(":")
        if not colon or " " in name.strip():
            return False
        names.append(name.strip().lower())
    known = [n for n in names if n in _MAIL_HEADERS]
    return len(known) >= 2 and ("from" in known or "received" in known)


def _is_label(cell: str) -> bool:
    """A column heading: short, a few words, not the end of a sentence."""
    cell = cell.strip()
    return bool(cell) and len(cell) <= 60 and len(cell.split()) <= 6 and cell[-1] not in ".!?"


def looks_like_csv(text: str) -> bool:
    """At least two rows of the same two-plus columns under a header of short labels."""
    lines = [line for line in text.splitlines()[: _CSV_SAMPLE_ROWS + 1] if line.strip()]
    if len(text) >= _SAMPLE and len(lines) > 2:
        lines = lines[:-1]  # the sample may cut the last row
    if len(lines) < 2:
        return False
    delimiter = max(_CSV_DELIMITERS, key=lines[0].count)
    try:
        rows = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return False
    header = rows[0]
    if len(header) < 2 or not all(_is_label(cell) for cell in header):
        return False
    return all(len(row) == len(header) for row in rows[1:])


def _text_type(text: str, extension: str, declared: str) -> str:
    if looks_like_eml(text):
        return "eml"
    by_name = _TEXT_EXTENSIONS.get(extension) or _TEXT_DECLARED.get(declared)
    if by_name == "csv" or looks_like_csv(text):
        return "csv"
    if by_name == "html" or text.lstrip()[:14].lower().startswith(("<!doctype html", "<html")):
        return "html"
    return "text"


def sniff_type(data: bytes, filename: str, declared: str) -> str:
    """What ``data`` really is: content first, the name and declared type only for text."""
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    found = _binary_type(data, extension)
    if found:
        return found
    text = _sample_text(data)
    if text is None:
        return "other"
    return _text_type(text, extension, declared.lower())


def make_attachment(
    filename: str, declared: str, data: bytes, limits: LimitsSettings, sniffed: str | None = None
) -> tuple[Attachment, str | None]:
    """An Attachment, with its content dropped (and a warning) when over the size limit."""
    attachment = Attachment(
        filename=filename,
        content_type=declared,
        sniffed_type=sniffed or sniff_type(data, filename, declared),
        size=len(data),
        data=data,
    )
    if len(data) <= limits.max_attachment_bytes:
        return attachment, None
    attachment.data = b""
    over = format_mb(limits.max_attachment_bytes)
    return (
        attachment,
        f"attachment {filename} is {format_mb(len(data))}, over the {over} limit: not read",
    )


def run_reader(
    attachment: Attachment, limits: LimitsSettings, readers: Mapping[str, Reader] | None = None
) -> list[Contained]:
    """Let the registered reader fill ``attachment``; its failure becomes a warning.
    Returns the files the attachment holds, when its reader unpacks a container."""
    reader = (READERS if readers is None else readers).get(attachment.sniffed_type)
    if reader is None or not attachment.data:
        return []
    try:
        return list(reader(attachment, limits) or [])
    except Exception as e:  # any reader bug or bad file must not fail the message
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        attachment.warnings.append(f"could not read {attachment.filename}: {reason}")
        return []
