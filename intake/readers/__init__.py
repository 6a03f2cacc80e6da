"""Attachment readers: PDF (form fields, then layout), Word, Excel and CSV.

A reader fills ``attachment.text``, ``.fields`` (label -> value), ``.rows`` (one dict
per table row) and ``.warnings``; it never raises on a bad document, it warns.
``READERS`` maps a sniffed type to its reader, using the project's
rules/form_fields.yaml; ``make_readers(rules)`` binds other rules.
"""

from collections.abc import Callable
from functools import partial
from importlib import import_module

from intake.config import LimitsSettings
from intake.messages import Attachment
from intake.readers.labels import FormFieldRules

Reader = Callable[[Attachment, LimitsSettings], None]


def _deferred(module: str, name: str) -> Callable[..., None]:
    """A reader whose document library (pdfplumber, python-docx, openpyxl) loads on first
    use: most messages carry no attachment, and the command line starts faster."""

    def read(attachment: Attachment, limits: LimitsSettings,
             rules: FormFieldRules | None = None) -> None:  # fmt: skip
        reader = getattr(import_module(f"intake.readers.{module}"), name)
        reader(attachment, limits, rules=rules)

    read.__name__ = name
    return read


read_pdf = _deferred("pdf", "read_pdf")
read_docx = _deferred("docx", "read_docx")
read_xlsx = _deferred("sheet", "read_xlsx")
read_csv = _deferred("sheet", "read_csv")

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
