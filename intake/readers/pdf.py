"""PDF attachments: form fields first (cheap, exact), page layout only for flat PDFs.

A form's field names are often meaningless ("Text1"), so a field not recognised by its
name or tooltip is labelled with the words printed just left of, or above, its box.
"""

import logging
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pdfplumber
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from intake.config import LimitsSettings
from intake.messages import Attachment
from intake.readers.labels import (
    FormFieldRules,
    canonical_label,
    default_rules,
    field_key,
    fields_from_blocks,
    put_field,
    read_table,
)

Rect = tuple[float, float, float, float]  # x0, top, x1, bottom in pdfplumber's top-down space
LINE_GAP = 0.8  # a vertical gap above this many line heights starts a new paragraph
LEFT_GAP = 30.0  # words further apart than this (points) are not one label
COLUMN_GAP = 10.0  # a gap this wide (points) inside a line separates a label from its value

for _noisy in ("pypdf", "pdfminer"):  # damaged files are reported as warnings instead
    logging.getLogger(_noisy).setLevel(logging.ERROR)


@dataclass
class FormValue:
    name: str  # the field's own (partial) name
    tooltip: str
    value: str


def read_pdf(
    attachment: Attachment, limits: LimitsSettings, rules: FormFieldRules | None = None
) -> None:
    """Fill ``attachment`` from a PDF; a damaged or locked file only adds a warning."""
    rules = rules or default_rules()
    name = attachment.filename
    try:
        reader = PdfReader(BytesIO(attachment.data))
        if reader.is_encrypted and not _decrypts(reader):
            attachment.warnings.append(f"{name} is password-protected: not read")
            return
        values = _form_values(reader)
        if values:
            _read_form(attachment, reader, values, limits, rules)
        if not rules.fields.keys() & attachment.fields.keys():  # no form, or none of ours
            _read_layout(attachment, limits, rules)
    except Exception as e:  # parsers raise many kinds of error on damaged files
        attachment.warnings.append(f"{name} is damaged or not a PDF: not read ({_brief(e)})")


def _brief(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:200]


def _decrypts(reader: PdfReader) -> bool:
    try:
        return bool(reader.decrypt(""))
    except Exception:
        return False


def _form_values(reader: PdfReader) -> list[FormValue]:
    """Filled fields in form order (empty and unticked fields left out)."""
    out: list[FormValue] = []
    for full_name, field in (reader.get_fields() or {}).items():
        value = _value_text(field.get("/V"))
        if value:
            name = str(field.get("/T", full_name.rsplit(".", 1)[-1]))
            out.append(FormValue(name, str(field.get("/TU", "")), value))
    return out


def _value_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, NameObject):  # tick box or radio: its export name, "Off" = empty
        return "" if raw == "/Off" else str(raw)[1:]
    if isinstance(raw, ArrayObject):
        return ", ".join(str(v) for v in raw)
    return str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()


def _read_form(
    attachment: Attachment,
    reader: PdfReader,
    values: list[FormValue],
    limits: LimitsSettings,
    rules: FormFieldRules,
) -> None:
    keys = [canonical_label(v.name, rules) or canonical_label(v.tooltip, rules) for v in values]
    if None in keys:  # only unfamiliar names need the page's printed words
        printed = _printed_labels(attachment.data, reader, limits)
        keys = [
            k or field_key(printed.get(v.name) or v.tooltip or v.name, rules)
            for k, v in zip(keys, values, strict=True)
        ]
    for key, value in zip(keys, values, strict=True):
        put_field(attachment.fields, key or value.name, value.value, value.tooltip or value.name)
    titles = {k: spec.label for k, spec in rules.fields.items()}
    attachment.text = "\n".join(f"{titles.get(k, k)}: {v}" for k, v in attachment.fields.items())


def _widget_rects(reader: PdfReader, page_count: int) -> list[dict[str, Rect]]:
    """Per page, each widget's field name -> its box (top-down coordinates)."""
    pages: list[dict[str, Rect]] = []
    for page in reader.pages[:page_count]:
        height = float(page.mediabox.top)
        boxes: dict[str, Rect] = {}
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        for annot in annots if isinstance(annots, ArrayObject) else []:
            widget = annot.get_object()
            if not isinstance(widget, DictionaryObject) or widget.get("/Subtype") != "/Widget":
                continue
            owner = widget if "/T" in widget else widget.get("/Parent", widget).get_object()
            rect = widget["/Rect"].get_object()
            if not isinstance(rect, ArrayObject) or len(rect) != 4:
                continue
            x0, y0, x1, y1 = (float(n) for n in rect)
            box = (min(x0, x1), height - max(y0, y1), max(x0, x1), height - min(y0, y1))
            boxes.setdefault(str(owner.get("/T", "")), box)
        pages.append(boxes)
    return pages


def _printed_labels(data: bytes, reader: PdfReader, limits: LimitsSettings) -> dict[str, str]:
    """Field name -> the words printed beside its box."""
    labels: dict[str, str] = {}
    count = min(len(reader.pages), limits.max_pdf_pages)
    with pdfplumber.open(BytesIO(data)) as pdf:
        for page, boxes in zip(pdf.pages[:count], _widget_rects(reader, count), strict=False):
            if not boxes:
                continue
            words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            for name, box in boxes.items():
                others = [b for n, b in boxes.items() if n != name]
                labels[name] = _label_left(words, box, others) or _label_above(words, box)
    return labels


def _label_left(words: list[dict[str, Any]], box: Rect, others: list[Rect]) -> str:
    x0, top, _, bottom = box
    fence = max((b[2] for b in others if b[2] <= x0 and b[1] < bottom and b[3] > top), default=0)
    near = [
        w
        for w in words
        if fence <= w["x0"]
        and w["x1"] <= x0 + 2
        and top - 2 <= (w["top"] + w["bottom"]) / 2
        and (w["top"] + w["bottom"]) / 2 <= bottom + 2
    ]
    lines: dict[int, list[dict[str, Any]]] = {}
    for word in near:
        lines.setdefault(round(word["top"]), []).append(word)
    texts = [
        _rightmost_cluster(sorted(ws, key=lambda w: w["x0"])) for _, ws in sorted(lines.items())
    ]
    return " ".join(texts[:1]) if len(texts) > 1 and _too_long(texts) else " ".join(texts)


def _too_long(texts: list[str]) -> bool:
    return sum(len(t.split()) for t in texts) > 6


def _rightmost_cluster(words: list[dict[str, Any]]) -> str:
    """The run of words nearest the box: a wide gap separates another column's text."""
    start = 0
    for i in range(1, len(words)):
        if words[i]["x0"] - words[i - 1]["x1"] > LEFT_GAP:
            start = i
    return " ".join(w["text"] for w in words[start:])


def _label_above(words: list[dict[str, Any]], box: Rect) -> str:
    x0, top, x1, _ = box
    band = [w for w in words if top - 25 <= w["bottom"] <= top + 1 and w["x1"] > x0 - 5]
    band = [w for w in band if w["x0"] < x1]
    if not band:
        return ""
    lowest = max(w["top"] for w in band)
    return " ".join(
        w["text"] for w in sorted(band, key=lambda w: w["x0"]) if w["top"] >= lowest - 2
    )


def _read_layout(attachment: Attachment, limits: LimitsSettings, rules: FormFieldRules) -> None:
    """A flat PDF (or a form of unknown fields): tables, 'Label: value' lines and headings,
    page by page."""
    paragraphs: list[list[str]] = []
    free: list[list[str]] = []  # paragraphs outside tables, where labels are looked for
    with pdfplumber.open(BytesIO(attachment.data)) as pdf:
        if len(pdf.pages) > limits.max_pdf_pages:
            attachment.warnings.append(
                f"{attachment.filename} has {len(pdf.pages)} pages: "
                f"only the first {limits.max_pdf_pages} were read"
            )
        for page in pdf.pages[: limits.max_pdf_pages]:
            boxes = _read_tables(attachment, page, rules)
            for para, inside in _paragraphs(page.extract_text_lines(), boxes):
                paragraphs.append(para)
                if not inside:
                    free.append(para)
    for key, value in fields_from_blocks(free, rules, joiner=" ").items():
        put_field(attachment.fields, key, value, key)
    layout_text = "\n\n".join("\n".join(p) for p in paragraphs)
    attachment.text = "\n\n".join(filter(None, [attachment.text, layout_text]))


def _read_tables(attachment: Attachment, page: Any, rules: FormFieldRules) -> list[Rect]:
    boxes: list[Rect] = []
    for table in page.find_tables():
        cells = [[(c or "").strip() for c in row] for row in table.extract()]
        fields, rows = read_table(cells, rules)
        for key, value in fields.items():
            put_field(attachment.fields, key, value, key)
        attachment.rows.extend(rows)
        boxes.append(table.bbox)
    return boxes


def _paragraphs(lines: list[dict[str, Any]], boxes: list[Rect]) -> list[tuple[list[str], bool]]:
    """Lines grouped into paragraphs by vertical gaps and changes of type size; each
    paragraph flagged when inside a table."""
    out: list[tuple[list[str], bool]] = []
    previous: dict[str, Any] | None = None
    for line in lines:
        inside = any(b[0] - 1 <= line["x0"] and line["bottom"] <= b[3] + 1
                     and line["top"] >= b[1] - 1 for b in boxes)  # fmt: skip
        height = line["bottom"] - line["top"]
        gap = line["top"] - previous["bottom"] if previous else 0
        resized = previous is not None and abs(_size(line) - _size(previous)) > 0.15 * _size(line)
        if not out or gap > LINE_GAP * height or gap < -height or resized or out[-1][1] != inside:
            out.append(([], inside))
        out[-1][0].append(_columns_text(line))
        previous = line
    return out


def _size(line: dict[str, Any]) -> float:
    sizes = sorted(round(c["size"], 1) for c in line["chars"]) or [0.0]
    return float(sizes[len(sizes) // 2])


def _columns_text(line: dict[str, Any]) -> str:
    """A line's text with a tab where a wide gap separates columns ("Lead council   Adur").

    The line's text and its visible characters come in the same order, so each letter of
    the text is matched to its character to measure the gap before it.
    """
    text = str(line["text"])
    ink = [c for c in line["chars"] if c["text"].strip()]
    if len(ink) != sum(1 for ch in text if not ch.isspace()):
        return text  # ligatures or the like: keep the text as extracted
    out: list[str] = []
    at = 0
    for ch in text:
        if not ch.isspace():
            if at and ink[at]["x0"] - ink[at - 1]["x1"] > COLUMN_GAP and out and out[-1] == " ":
                out[-1] = "\t"
            at += 1
        out.append(ch)
    return "".join(out)
