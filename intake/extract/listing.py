"""Several arrangements written in the body: a numbered or bulleted list, a pasted table,
paragraphs of their own.

A list counts when it has at least two items; each item is read as prose, and an item
that names no body takes those named in the lines before the list ("Adur and Worthing
share these services: 1. Legal ... 2. ICT ..."). A table pasted as text has its cells
separated by tabs, pipes or runs of spaces, and a header row of recognised labels.
Paragraphs count when at least two of them each name councils and a service of their
own ("We share building control with Lichfield... / We also share our ICT with
Stafford..."); a paragraph that names no arrangement belongs to the one before it.
"""

import re

from intake.contract import SubmissionEntry
from intake.extract.entries import EntryContext
from intake.extract.organisations import to_organisation
from intake.extract.prose import LIST_ITEM, from_prose
from intake.readers.labels import FormFieldRules, read_table

_CELL_GAP = re.compile(r"\t+|\s*\|\s*|\s{3,}")
_WIDE_GAP = re.compile(r"\s{3}")
_RULE_LINE = re.compile(r"[-=:+|\s]+")
MIN_ITEMS = 2


def list_items(text: str) -> tuple[str, list[str]]:
    """The text before a list, and the list's items (each with its continuation lines).

    No list (fewer than two items) gives ``(text, [])``. The list ends at the first
    unindented line after a blank line that does not start an item.
    """
    intro: list[str] = []
    items: list[list[str]] = []
    gap = False
    for line in text.splitlines():
        if LIST_ITEM.match(line):
            items.append([LIST_ITEM.sub("", line, count=1).strip()])
            gap = False
        elif not line.strip():
            gap = True
        elif items and not (gap and not line[:1].isspace()):
            items[-1].append(line.strip())
        elif items:
            break
        else:
            intro.append(line)
    if len(items) < MIN_ITEMS:
        return text, []
    return "\n".join(intro), [" ".join(item) for item in items]


_HEAD_END = re.compile(r"\s[-–—:]\s|[,:;(]")
MAX_HEAD_WORDS = 4


def item_head(item: str) -> str | None:
    """The few words an item starts with before a dash or comma ('Legal services - ...'),
    which name its service as a form field would; None when the item starts a sentence."""
    head = _HEAD_END.split(item, maxsplit=1)[0].strip()
    return head if head != item.strip() and len(head.split()) <= MAX_HEAD_WORDS else None


def _has_cell_gap(line: str) -> bool:
    return "\t" in line or "|" in line or _WIDE_GAP.search(line) is not None


def pasted_table_rows(text: str, rules: FormFieldRules) -> list[dict[str, str]]:
    """Rows of a table pasted as text, keyed like a form's fields; [] when there is none."""
    grid: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not _has_cell_gap(line):
            continue  # one cell
        if _RULE_LINE.fullmatch(line):
            continue  # "|------|:----:|", "+----+----+": the line under a header
        cells = _CELL_GAP.split(line)
        if len(cells) >= 3:
            grid.append([cell.strip() for cell in cells])
    if len(grid) < 2:
        return []
    _fields, rows = read_table(grid, rules)
    return rows


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def arrangement_paragraphs(text: str, ctx: EntryContext) -> list[SubmissionEntry]:
    """One entry per paragraph that names its own arrangement (with the paragraphs after
    it that name none); [] unless there are two or more, each with its own services."""
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    services = ctx.rules.services
    groups: list[list[str]] = []
    areas: list[set[str]] = []
    for paragraph in paragraphs:
        found = from_prose(paragraph, "body", ctx) if services.classify(paragraph) else None
        named = set(found.service_areas) if found and len(found.organisations) >= 2 else set()
        if named and (not areas or named != areas[-1]):
            groups.append([paragraph])
            areas.append(named)
        elif groups:
            groups[-1].append(paragraph)
    if len(groups) < MIN_ITEMS or len({frozenset(a) for a in areas}) < len(areas):
        return []
    entries = [from_prose("\n\n".join(group), "body", ctx) for group in groups]
    return [entry for entry in entries if entry is not None]


def rows_take_their_intro(entries: list[SubmissionEntry], text: str, ctx: EntryContext) -> None:
    """'Hinckley and Bosworth shares the following services with...' above a table whose
    rows name only the partners: the one council named before the table takes part in
    each row, and the words before it give each row without a type its type."""
    intro = "\n".join(_lines_before_table(text))
    named = {m.code: m for m in ctx.rules.gazetteer.find_in_text(intro, ctx.match) if m.code}
    kind = ctx.rules.arrangements.classify_arrangement_type(intro)
    for entry in entries:
        if len(named) == 1:
            [(code, match)] = named.items()
            if code not in {o.code for o in entry.organisations}:
                entry.organisations.insert(0, to_organisation(match, "partner"))
        if entry.arrangement_type is None and kind is not None:
            entry.arrangement_type, entry.sources["arrangement_type"] = kind, "body"


def _lines_before_table(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if _has_cell_gap(line.strip()):
            break
        lines.append(line)
    return lines
