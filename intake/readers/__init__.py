"""Attachment readers: PDF (form fields, then layout), Word, Excel and CSV.

A reader fills ``attachment.text``, ``.fields`` (label -> value), ``.rows`` (one dict
per table row) and ``.warnings``; it never raises on a bad document, it warns.
``READERS`` maps a sniffed type to its reader, using the project's
rules/form_fields.yaml; ``make_readers(rules)`` binds other rules.
"""

from collections.abc import Callable
from functools import partial

from intake.config import LimitsSettings
from intake.messages import Attachment
from intake.readers.docx import read_docx
from intake.readers.labels import FormFieldRules
from intake.readers.pdf import read_pdf
from intake.readers.sheet import read_csv, read_xlsx

Reader = Callable[[Attachment, LimitsSettings], None]

READERS: dict[str, Reader] = {
    "pdf": read_pdf,
    "docx": read_docx,
    "xlsx": read_xlsx,
    "csv": read_csv,
}


def make_readers(rules: FormFieldRules) -> dict[str, Reader]:
    """The same readers bound to ``rules`` (e.g. loaded from settings.rules_dir)."""
    return {
        "pdf": partial(read_pdf, rules=rules),
        "docx": partial(read_docx, rules=rules),
        "xlsx": partial(read_xlsx, rules=rules),
        "csv": partial(read_csv, rules=rules),
    }


__all__ = ["READERS", "Reader", "make_readers"]
