"""HTML mail to plain text that keeps the structure extraction needs.

Paragraphs and line breaks stay lines; list items become '- item'; a table row
of two cells becomes 'Label: Value' (the label/value forms people paste from
Word), other rows ' | '-joined cells; ``<blockquote>`` becomes '> ' lines so
quote detection works as on plain text. Scripts, styles and the head are
dropped and no attribute is ever output, so the text is inert.

Hostile input is bounded: the tree is walked without recursion, nested tables
and quotes are only rendered specially down to ``_MAX_NESTING`` levels, and
input beyond ``MAX_HTML_CHARS`` is cut (the caller warns); very long attribute
values (inline ``data:`` images) are removed before parsing.
"""

import re
import warnings
from html import unescape

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning
from bs4.element import Comment, Declaration, Doctype, NavigableString, PageElement, Tag
from bs4.element import ProcessingInstruction as Instruction

MAX_HTML_CHARS = 2_000_000
_MAX_NESTING = 8
_MAX_LABEL = 80  # a longer first cell is content, not the label of a form row
_DROPPED = frozenset({
    "script", "style", "head", "title", "meta", "link", "noscript", "template", "iframe",
    "object", "embed", "svg", "math", "button", "select", "option", "textarea", "canvas",
    "audio", "video",
})  # fmt: skip
_SKIPPED_STRINGS = (Comment, Declaration, Doctype, Instruction)
_PARAGRAPHS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "pre", "address",
    "fieldset",
})  # fmt: skip
_LINES = frozenset({
    "div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "nav", "aside",
    "main", "form", "center", "hr", "caption", "figure", "figcaption", "tbody", "thead", "tfoot",
})  # fmt: skip
_CELLS = ("td", "th")
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_BLANK_RUNS = re.compile(r"\n{3,}")
# attribute values this long are inline images or attacks, never text: removed before parsing
_LONG_ATTRIBUTE = re.compile(r"""=\s*(?:"[^"]{4096,}+"|'[^']{4096,}+')""")


class _Text:
    """Collects text as lines; blocks ask for line or paragraph breaks."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current = ""
        self.item_prefix = ""

    def write(self, text: str, pre: bool = False) -> None:
        if pre:
            first, *rest = text.split("\n")
            self.current += first
            for line in rest:
                self.newline()
                self.current = line
            return
        text = _SPACES.sub(" ", text)
        if not self.current.strip():
            text = text.lstrip()
        if text:
            self.current += self.item_prefix + text
            self.item_prefix = ""

    def newline(self) -> None:
        if self.current.strip():
            self.lines.append(self.current.strip())
        self.current = ""

    def line_break(self) -> None:
        """<br>: ends a line; on an empty line it makes a blank one (Gmail's <div><br></div>)."""
        if self.current.strip():
            self.newline()
        else:
            self.paragraph()

    def paragraph(self) -> None:
        self.newline()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def block(self, text: str, prefix: str = "") -> None:
        self.newline()
        self.lines.extend(prefix + line if line else prefix.rstrip() for line in text.split("\n"))

    def result(self) -> str:
        self.newline()
        text = "\n".join(line.rstrip() for line in self.lines)
        return _BLANK_RUNS.sub("\n\n", text).strip("\n")


def _cells(row: Tag) -> list[Tag]:
    return [c for c in row.find_all(_CELLS, recursive=False) if isinstance(c, Tag)]


def _render_row(row: Tag, out: _Text, depth: int) -> None:
    texts = [_render(cell, depth + 1) for cell in _cells(row)]
    texts = [t for t in texts if t]
    if not texts:
        return
    flat = all("\n" not in t for t in texts)
    label = texts[0].rstrip(" :")
    if len(texts) == 2 and "\n" not in label and len(label) <= _MAX_LABEL:
        out.block(f"{label}: {texts[1]}")  # a form row; the value may run over lines
    elif flat:
        out.block(" | ".join(texts))
    else:
        for text in texts:
            out.block(text)
            out.paragraph()


def _open(node: Tag, out: _Text, depth: int) -> bool:
    """Handle an opening tag; False when its children are already rendered."""
    name = node.name
    if name in _PARAGRAPHS:
        out.paragraph()
    elif name in _LINES:
        out.newline()
    elif name == "br":
        out.line_break()
    if name == "li":
        out.item_prefix = "- "
    elif name == "tr" and depth < _MAX_NESTING:
        _render_row(node, out, depth)
        return False
    elif name == "blockquote" and depth < _MAX_NESTING:
        out.block(_render(node, depth + 1, inner=True), prefix="> ")
        out.paragraph()
        return False
    elif name in _CELLS:
        out.write(" ")
    return True


def _close(name: str, out: _Text) -> None:
    if name in _PARAGRAPHS:
        out.paragraph()
    elif name in _LINES or name == "blockquote":
        out.newline()


def _render(root: Tag, depth: int = 0, inner: bool = False) -> str:
    """Text of ``root``'s subtree, walked with an explicit stack (no recursion limit)."""
    out = _Text()
    stack: list[tuple[PageElement, bool]] = [(child, False) for child in reversed(root.contents)]
    if not inner:
        stack = [(root, False)]
    pre = 0
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, _SKIPPED_STRINGS):
                out.write(str(node), pre=pre > 0)
            continue
        if not isinstance(node, Tag) or node.name in _DROPPED:
            continue
        if closing:
            pre -= node.name == "pre"
            _close(node.name, out)
            continue
        if _open(node, out, depth):
            pre += node.name == "pre"
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
    return _INVISIBLE.sub("", out.result())


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body (see the module docstring)."""
    html = _LONG_ATTRIBUTE.sub('=""', html)[:MAX_HTML_CHARS]
    if "<" not in html:
        return _SPACES.sub(" ", unescape(html)).strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "html.parser")
    return _render(soup)
