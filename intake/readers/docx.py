"""Word (.docx) attachments: label/value tables, tables of arrangements, content controls,
and 'Label: value' or heading-then-paragraph text.

Text is read from the XML (every w:t), not python-docx's ``.text``, so words inside
content controls and hyperlinks are kept.
"""

from io import BytesIO
from typing import Any

from docx import Document
from docx.oxml.ns import qn

from intake.config import LimitsSettings
from intake.messages import Attachment
from intake.readers.labels import (
    FormFieldRules,
    canonical_label,
    clean_label,
    default_rules,
    fields_from_blocks,
    put_field,
    read_table,
)

W_P, W_TBL, W_SDT = qn("w:p"), qn("w:tbl"), qn("w:sdt")
BREAKS = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n"}


def read_docx(
    attachment: Attachment, limits: LimitsSettings, rules: FormFieldRules | None = None
) -> None:
    """Fill ``attachment`` from a Word document; a damaged file only adds a warning."""
    rules = rules or default_rules()
    try:
        body = Document(BytesIO(attachment.data)).element.body
        _read_body(attachment, body, rules)
        _read_content_controls(attachment, body, rules)
    except Exception as e:  # zip, XML and package errors all mean the same to the sender
        brief = (str(e).splitlines() or [type(e).__name__])[0][:200]
        attachment.warnings.append(f"{attachment.filename} could not be read as Word: {brief}")


def _read_body(attachment: Attachment, body: Any, rules: FormFieldRules) -> None:
    blocks: list[list[str]] = []
    texts: list[str] = []
    for element in _blocks(body):
        if element.tag == W_TBL:
            table = _table_cells(element)
            fields, rows = read_table(table, rules)
            for key, value in fields.items():
                put_field(attachment.fields, key, value, key)
            attachment.rows.extend(rows)
            texts.extend(" | ".join(c.replace("\n", " ") for c in row) for row in table)
            blocks.append([])  # a table ends any paragraph value before it
        else:
            text = _xml_text(element).strip()
            if text:
                blocks.append(text.splitlines())
                texts.append(text)
    for key, value in fields_from_blocks(blocks, rules).items():
        put_field(attachment.fields, key, value, key)
    attachment.text = "\n\n".join(texts)


def _blocks(body: Any) -> list[Any]:
    """Paragraphs and tables in reading order, looking inside block-level content controls."""
    out: list[Any] = []
    for child in body.iterchildren():
        if child.tag in (W_P, W_TBL):
            out.append(child)
        elif child.tag == W_SDT and not _is_placeholder(child):
            content = child.find(qn("w:sdtContent"))
            out.extend(_blocks(content) if content is not None else [])
    return out


def _is_placeholder(sdt: Any) -> bool:
    """A content control still showing its prompt ("Click or tap here to enter text.")."""
    return sdt.find(f"{qn('w:sdtPr')}/{qn('w:showingPlcHdr')}") is not None


def _table_cells(table: Any) -> list[list[str]]:
    """Cell texts row by row; a cell spanning columns is read once."""
    rows: list[list[str]] = []
    for tr in table.iterchildren(qn("w:tr")):
        cells = [tc for tc in tr.iter(qn("w:tc")) if _owning_table(tc) is table]
        rows.append(["\n".join(_paragraph_texts(tc)) for tc in cells])
    return rows


def _owning_table(tc: Any) -> Any:
    parent = tc.getparent()
    while parent is not None and parent.tag != W_TBL:
        parent = parent.getparent()
    return parent


def _paragraph_texts(cell: Any) -> list[str]:
    texts = (
        _xml_text(p).strip() for p in cell.iter(W_P) if _owning_table(p) is _owning_table(cell)
    )
    return [t for t in texts if t]


def _xml_text(element: Any) -> str:
    parts: list[str] = []
    for node in element.iter():
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag in BREAKS:
            parts.append(BREAKS[node.tag])
        elif node.tag == W_P and node is not element:
            parts.append("\n")
    return "".join(parts)


def _read_content_controls(attachment: Attachment, body: Any, rules: FormFieldRules) -> None:
    """Each filled content control: its tag or title is the label, its text the value."""
    for sdt in body.iter(W_SDT):
        props = sdt.find(qn("w:sdtPr"))
        content = sdt.find(qn("w:sdtContent"))
        if props is None or content is None or _is_placeholder(sdt):
            continue
        names = [_prop(props, "w:tag"), _prop(props, "w:alias")]
        names = [n for n in names if n]
        if not names:
            continue
        key = next((k for k in (canonical_label(n, rules) for n in names) if k), None)
        value = _xml_text(content).strip()
        put_field(attachment.fields, key or clean_label(names[-1]), value, names[-1])


def _prop(props: Any, tag: str) -> str:
    element = props.find(qn(tag))
    return "" if element is None else str(element.get(qn("w:val"), "")).strip()
