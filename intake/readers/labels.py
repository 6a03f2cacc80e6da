"""Printed labels -> canonical field keys, and labelled tables -> fields or rows.

Councils word the same fact many ways ("Lead authority", "Host council"); the wordings
live in rules/form_fields.yaml and are loaded once with ``FormFieldRules.load``.
"""

import re
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from intake.errors import RulesError

RULES_FILE = "form_fields.yaml"
PROJECT_RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
_LABEL_CACHE_LIMIT = 20_000  # printed labels remembered; forgotten all at once past this
_LABEL_CACHE_CHARS = 200  # longer text (a sentence tried as a label) is not remembered


class FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    hint: str = ""
    multiline: bool = False
    variants: list[str] = Field(default_factory=list)


class FormFieldRules(BaseModel):
    """rules/form_fields.yaml: the fields of our form and the wordings that mean them."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, FormField]
    total_row_words: list[str] = Field(default_factory=list)
    max_extra_words: int = 3
    max_label_words: int = 8
    _wordings: dict[str, str] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        for key, spec in self.fields.items():
            for wording in (key, spec.label, *spec.variants):
                norm = normalise_label(wording)
                known = self._wordings.setdefault(norm, key)
                if known != key:
                    raise ValueError(f"wording {wording!r} means both {known!r} and {key!r}")

    @cached_property
    def wordings(self) -> dict[str, str]:
        """Normalised wording -> canonical key (a plain attribute after the first read:
        pydantic's private attributes are slow to reach, and this is read per line)."""
        return self._wordings

    @cached_property
    def label_keys(self) -> dict[str, str | None]:
        """Printed label -> canonical key or None, as ``canonical_label`` found them: the
        same few labels recur in every form and message."""
        return {}

    @classmethod
    def load(cls, rules_dir: Path) -> "FormFieldRules":
        path = rules_dir / RULES_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls.model_validate(data)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise RulesError(f"{path}: {where + ': ' if where else ''}{err['msg']}") from e
        except (OSError, yaml.YAMLError) as e:
            raise RulesError(f"{path}: {e}".splitlines()[0]) from e


@cache
def default_rules() -> FormFieldRules:
    """The project's own rules/form_fields.yaml, loaded once (for readers called bare)."""
    return FormFieldRules.load(PROJECT_RULES_DIR)


_LABEL_WORD = re.compile(r"[a-z0-9]+")


def normalise_label(label: str) -> str:
    """Lower case, words only, "(s)" and plural "s" dropped: "Savings (£):" -> "saving"."""
    text = label.lower().replace("&", " and ").replace("(s)", "s")
    words = _LABEL_WORD.findall(text)
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and w[-2] != "s" else w for w in words)


def canonical_label(label: str, rules: FormFieldRules) -> str | None:
    """The canonical key a printed label means, or None when it is not recognised.

    A label of several lines (a label with a hint under it) is known by its first line.
    """
    known = rules.label_keys
    if label in known:
        return known[label]
    if len(label) > _LABEL_CACHE_CHARS:
        return _canonical_label(label, rules)
    if len(known) >= _LABEL_CACHE_LIMIT:
        known.clear()
    key = known[label] = _canonical_label(label, rules)
    return key


_ASIDE = re.compile(r"\s*\([^)]*\)")  # "Savings (say whether per year or to date)"
_BILINGUAL = re.compile(r"\s+/\s+")  # "Cyngor arweiniol / Lead council"


def _canonical_label(label: str, rules: FormFieldRules) -> str | None:
    first, _, rest = label.strip().partition("\n")
    if rest:
        return canonical_label(label.replace("\n", " "), rules) or canonical_label(first, rules)
    key = _label_key(label, rules)
    if key is None and "(" in label:
        key = _label_key(_ASIDE.sub("", label), rules)
    if key is None and _BILINGUAL.search(label):
        key = next(filter(None, (_label_key(part, rules) for part in _BILINGUAL.split(label))),
                   None)  # fmt: skip
    return key


def _label_key(label: str, rules: FormFieldRules) -> str | None:
    norm = normalise_label(label)
    if not norm or len(norm.split()) > rules.max_label_words:
        return None
    if norm in rules.wordings:
        return rules.wordings[norm]
    words = norm.split()
    for cut in range(len(words) - 1, max(len(words) - 1 - rules.max_extra_words, 0), -1):
        key = rules.wordings.get(" ".join(words[:cut]))
        if key is not None:
            return key
    return None


def field_key(label: str, rules: FormFieldRules) -> str:
    """The key to file a value under: canonical when recognised, else the label as printed."""
    return canonical_label(label, rules) or clean_label(label)


def clean_label(label: str) -> str:
    """A printed label without layout noise: collapsed spaces, no trailing colon or asterisk."""
    return " ".join(label.split()).rstrip(":*? ").strip()


def put_field(fields: dict[str, str], key: str, value: str, label: str) -> None:
    """Add a value unless empty; a second value for a taken key keeps its printed label."""
    value = value.strip()
    if not value or not key:
        return
    if key in fields and fields[key] != value:
        key = clean_label(label)
    fields.setdefault(key, value)


def is_total_row(cells: list[str], rules: FormFieldRules) -> bool:
    """True for a "Total" row under a table of arrangements."""
    first = next((c for c in cells if c.strip()), "")
    norm = " ".join(re.findall(r"[a-z]+", first.lower()))
    return any(norm == w or norm.startswith(w + " ") for w in rules.total_row_words)


def header_keys(cells: list[str], rules: FormFieldRules) -> list[str] | None:
    """Keys for a header row when at least two of its cells are recognised labels."""
    known = [canonical_label(c, rules) for c in cells]
    if sum(k is not None for k in known) < 2:
        return None
    keys: list[str] = []
    for cell, key in zip(cells, known, strict=True):
        name = key if key is not None and key not in keys else clean_label(cell)
        keys.append(name)
    return keys


def row_record(keys: list[str], cells: list[str]) -> dict[str, str]:
    """One table row as header key -> cell text, empty cells and headerless columns left out."""
    return {k: c.strip() for k, c in zip(keys, cells, strict=False) if k and c.strip()}


def read_table(
    table: list[list[str]], rules: FormFieldRules
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A table as (fields, rows): a header row of known labels gives one row per line below
    it; otherwise a two-column table is read as label | value pairs."""
    table = [row for row in table if any(c.strip() for c in row)]
    pairs = [r for r in table if len(r) == 2]
    labelled = sum(canonical_label(r[0], rules) is not None for r in pairs)
    if len(pairs) < len(table) or labelled < 2:
        for at, row in enumerate(table[:10]):
            keys = header_keys(row, rules)
            if keys is not None and len(table) > at + 1:
                body = [r for r in table[at + 1 :] if not is_total_row(r, rules)]
                return {}, [rec for rec in (row_record(keys, r) for r in body) if rec]
    fields: dict[str, str] = {}
    if pairs and len(pairs) == len(table):
        for label, value in pairs:
            put_field(fields, field_key(label, rules), value, label)
    return fields, []


LABEL_LINE = re.compile(r"^\s*([^:]{1,60}?)\s*:\s*(.*)$")


def split_label_line(line: str, rules: FormFieldRules) -> tuple[str, str] | None:
    """("Lead council", "Adur") for "Lead council: Adur" or "Lead council<tab>Adur"; a label
    not recognised counts only when short (at most three words) and followed by a value on
    the same line after a colon."""
    left, tab, right = line.partition("\t")
    if tab and canonical_label(left, rules) is not None:
        return left.strip().rstrip(":").strip(), right.replace("\t", " ").strip()
    match = LABEL_LINE.match(line.replace("\t", " "))
    if match is None or "//" in match[2][:2]:  # "https://..." is not a label
        return None
    label, value = match[1], match[2].strip()
    if canonical_label(label, rules) is not None or (value and len(label.split()) <= 3):
        return label, value
    return None


_RUN_ON_SEPARATOR = re.compile(r"\s+[—–|]\s+")


def _run_on_pair(segment: str, rules: FormFieldRules) -> tuple[str, str] | None:
    """'Partners: A, B' or 'Annual saving £250,000' (a known label, then its value)."""
    pair = split_label_line(segment, rules)
    if pair is not None:
        return pair
    words = segment.split()
    for cut in range(min(len(words) - 1, rules.max_label_words), 0, -1):
        label = " ".join(words[:cut])
        if canonical_label(label, rules) is not None:
            return label, " ".join(words[cut:])
    return None


def split_run_on_line(line: str, rules: FormFieldRules) -> list[str]:
    """'Service: Building Control — Partners: A, B — Annual saving £250,000': several
    labelled facts on one line, separated by dashes or bars, as one line each."""
    segments = _RUN_ON_SEPARATOR.split(line.strip())
    if len(segments) < 2:
        return [line]
    pairs = [_run_on_pair(s, rules) for s in segments]
    if any(p is None for p in pairs):
        return [line]
    return [f"{p[0]}: {p[1]}" for p in pairs if p is not None]


def fields_from_blocks(
    blocks: list[list[str]], rules: FormFieldRules, joiner: str = "\n"
) -> dict[str, str]:
    """Fields from text laid out as 'Label: value' lines or a label line then its value.

    ``blocks`` are paragraphs (lists of lines). Lines after a label line belong to its
    value until the paragraph ends or another label starts; a bare recognised label
    ("Description", a heading) takes the next paragraph as its value. ``joiner`` joins
    a value's lines: a space where lines are only wrapped (PDF layout).
    """
    fields: dict[str, str] = {}
    label: str | None = None
    value: list[str] = []

    def flush() -> None:
        if label is not None:
            put_field(fields, field_key(label, rules), joiner.join(value), label)

    for block in blocks:
        for line in (part for raw in block for part in split_run_on_line(raw, rules)):
            pair = split_label_line(line, rules)
            bare = line.replace("\t", " ").strip().rstrip(":").strip()
            if pair is not None:
                flush()
                label, value = pair[0], [pair[1]] if pair[1] else []
            elif not value and canonical_label(bare, rules) is not None:
                flush()
                label, value = bare, []
            elif label is not None:
                value.append(line.replace("\t", " ").strip())
        if value:
            flush()
            label, value = None, []
    flush()
    return fields
