"""Spreadsheet attachments (.xlsx, .csv): one row per arrangement under a header row.

The header is found by meaning, not position: the first of the top rows whose cells
include at least two recognised labels ("Lead Authority", "Savings (£)"). A sheet with
no such row but labels down its first column is read as label | value pairs.
"""

import csv
import io
import itertools
import warnings
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any

from openpyxl import load_workbook

from intake.config import LimitsSettings
from intake.messages import Attachment
from intake.readers.labels import (
    FormFieldRules,
    canonical_label,
    default_rules,
    header_keys,
    is_total_row,
    put_field,
    read_table,
    row_record,
)

HEADER_SEARCH_ROWS = 10
MAX_ROWS = 1000  # rows per attachment unless limits.max_table_rows says otherwise
SNIFF_DELIMITERS = ",;\t|"


def read_xlsx(
    attachment: Attachment, limits: LimitsSettings, rules: FormFieldRules | None = None
) -> None:
    """Fill ``attachment.rows`` (or ``fields``) from every sheet of a workbook."""
    rules = rules or default_rules()
    try:
        with warnings.catch_warnings():  # openpyxl warns about features it ignores
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(attachment.data), read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                rows = ([cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
                _read_grid(attachment, rows, rules, _row_cap(limits))
        finally:
            book.close()
    except Exception as e:  # zip and XML errors on a damaged file
        _warn_unreadable(attachment, "Excel", e)


def read_csv(
    attachment: Attachment, limits: LimitsSettings, rules: FormFieldRules | None = None
) -> None:
    """Fill ``attachment.rows`` (or ``fields``) from a CSV file in any common dialect."""
    rules = rules or default_rules()
    try:
        text = _decode(attachment)
        try:
            dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=SNIFF_DELIMITERS)
        except csv.Error:
            dialect = csv.excel
        rows = csv.reader(io.StringIO(text, newline=""), dialect)
        _read_grid(attachment, rows, rules, _row_cap(limits))
    except Exception as e:
        _warn_unreadable(attachment, "CSV", e)


def _row_cap(limits: LimitsSettings) -> int:
    return int(getattr(limits, "max_table_rows", MAX_ROWS))


def _warn_unreadable(attachment: Attachment, kind: str, error: Exception) -> None:
    brief = (str(error).splitlines() or [type(error).__name__])[0][:200]
    attachment.warnings.append(f"{attachment.filename} could not be read as {kind}: {brief}")


def _decode(attachment: Attachment) -> str:
    try:
        return attachment.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return attachment.data.decode("cp1252", errors="replace")


def cell_text(value: Any) -> str:
    """A cell as the sender would write it: 350000.0 -> '350000', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(round(value, 9))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _read_grid(
    attachment: Attachment, rows: Iterable[list[str]], rules: FormFieldRules, cap: int
) -> None:
    """Rows under the header found in the top rows; else label | value pairs."""
    if len(attachment.rows) >= cap:  # an earlier sheet already filled the quota
        return
    stream = iter(rows)
    top: list[list[str]] = []
    for row in stream:
        top.append(row)
        keys = header_keys(row, rules)
        if keys is not None:
            _read_records(attachment, (row, keys), stream, rules, cap)
            return
        if len(top) >= HEADER_SEARCH_ROWS:
            break
    pairs = [p for p in ([c for c in row if c][:2] for row in top) if len(p) == 2]
    if sum(canonical_label(label, rules) is not None for label, _ in pairs) >= 2:
        fields, _ = read_table(pairs, rules)
        for key, value in fields.items():
            put_field(attachment.fields, key, value, key)
    grid = [row for row in itertools.chain(top, itertools.islice(stream, cap)) if any(row)]
    lines = [" | ".join(row) for row in grid]  # kept as text for the extractors
    attachment.text = "\n".join(filter(None, [attachment.text, *lines]))


def _read_records(
    attachment: Attachment,
    header: tuple[list[str], list[str]],
    rows: Iterator[list[str]],
    rules: FormFieldRules,
    cap: int,
) -> None:
    """``header``: the printed header cells and the keys they map to."""
    printed, keys = header
    lines = [" | ".join(printed)]
    for row in rows:
        if not any(row) or is_total_row(row, rules):
            continue
        record = row_record(keys, row)
        if not record:
            continue
        if len(attachment.rows) >= cap:
            attachment.warnings.append(
                f"{attachment.filename} has more than {cap} rows: only the first {cap} were read"
            )
            break
        attachment.rows.append(record)
        lines.append(" | ".join(row))
    attachment.text = "\n".join(filter(None, [attachment.text, *lines]))
