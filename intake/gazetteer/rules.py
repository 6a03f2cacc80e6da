"""Reads and validates the gazetteer's files under rules/.

    councils.csv           one row per council, current and abolished (tools/build_gazetteer.py)
    council_aliases.yaml   status words, informal names, abbreviations, pairs named together
    partners.yaml          non-council bodies, the words that classify them, partnership brands

Every problem is raised as ``RulesError`` naming the file and line.
"""

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from intake.errors import RulesError

COUNCILS_FILE = "councils.csv"
ALIASES_FILE = "council_aliases.yaml"
PARTNERS_FILE = "partners.yaml"

CODE_RE = re.compile(r"^[EWSN]\d{8}$")
DOMAIN_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
REQUIRED_COLUMNS = (
    "code", "name", "short_name", "type", "region", "nation", "start_date", "end_date",
    "successors", "county", "lat", "lon", "domains", "former_codes",
)  # fmt: skip


@dataclass(frozen=True)
class Council:
    """One principal council as the project's table records it."""

    code: str
    name: str
    short_name: str
    type: str
    region: str
    nation: str
    start_date: date | None
    end_date: date | None
    successors: tuple[str, ...]
    lat: float | None
    lon: float | None
    domains: tuple[str, ...]
    county: str | None = None
    former_codes: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        return self.end_date is None

    def active_in(self, year: int) -> bool:
        """True when the council existed at some point of ``year``."""
        starts = self.start_date.year if self.start_date else 0
        ends = self.end_date.year if self.end_date else 9999
        return starts <= year <= ends


def _where(path: Path, line: int | None = None) -> str:
    return f"{path.name}:{line}" if line else path.name


def _date(value: str, path: Path, line: int) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as e:
        raise RulesError(f"{_where(path, line)}: bad date {value!r}") from e


def _float(value: str, path: Path, line: int) -> float | None:
    try:
        return float(value) if value else None
    except ValueError as e:
        raise RulesError(f"{_where(path, line)}: bad number {value!r}") from e


def _codes(value: str, path: Path, line: int) -> tuple[str, ...]:
    codes = tuple(value.split())
    for code in codes:
        if not CODE_RE.match(code):
            raise RulesError(f"{_where(path, line)}: bad GSS code {code!r}")
    return codes


def _council(row: dict[str, str], path: Path, line: int) -> Council:
    code = row["code"].strip()
    if not CODE_RE.match(code):
        raise RulesError(f"{_where(path, line)}: bad GSS code {code!r}")
    if not row["name"].strip() or not row["short_name"].strip():
        raise RulesError(f"{_where(path, line)}: name and short_name are required")
    domains = tuple(d.strip().lower() for d in row["domains"].split(";") if d.strip())
    for domain in domains:
        if not DOMAIN_RE.match(domain):
            raise RulesError(f"{_where(path, line)}: bad e-mail domain {domain!r}")
    county = _codes(row["county"], path, line)
    return Council(
        code=code,
        name=row["name"].strip(),
        short_name=row["short_name"].strip(),
        type=row["type"].strip(),
        region=row["region"].strip(),
        nation=row["nation"].strip(),
        start_date=_date(row["start_date"], path, line),
        end_date=_date(row["end_date"], path, line),
        successors=_codes(row["successors"], path, line),
        lat=_float(row["lat"], path, line),
        lon=_float(row["lon"], path, line),
        domains=domains,
        county=county[0] if county else None,
        former_codes=_codes(row["former_codes"], path, line),
    )


def load_councils(rules_dir: Path) -> dict[str, Council]:
    path = rules_dir / COUNCILS_FILE
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise RulesError(f"{_where(path, 1)}: missing columns {missing}")
            councils: dict[str, Council] = {}
            for row in reader:
                council = _council(row, path, reader.line_num)
                if council.code in councils:
                    raise RulesError(f"{_where(path, reader.line_num)}: duplicate {council.code}")
                councils[council.code] = council
    except OSError as e:
        raise RulesError(f"{path}: cannot read: {e}") from e
    _check_links(councils, path)
    return councils


def _check_links(councils: dict[str, Council], path: Path) -> None:
    for council in councils.values():
        for code in (*council.successors, *([council.county] if council.county else [])):
            if code not in councils:
                raise RulesError(f"{path.name}: {council.code} refers to unknown council {code}")
        if council.successors and council.end_date is None:
            raise RulesError(f"{path.name}: {council.code} has successors but no end_date")


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers each mapping's line, for error messages."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def load_yaml(rules_dir: Path, name: str) -> dict[str, Any]:
    """A rules YAML file as a dict; each mapping has ``__line__`` and ``__lines__`` (per key)."""
    path = rules_dir / name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as e:
        raise RulesError(f"{path}: cannot read: {e}") from e
    except yaml.YAMLError as e:
        raise RulesError(f"{path.name}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise RulesError(f"{path.name}: expected a mapping at the top")
    return data


def str_list(data: dict[str, Any], key: str, file: str) -> list[str]:
    """``data[key]`` as a list of strings, or RulesError naming the file and line."""
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{file}:{data.get('__line__', '?')}: {key!r} must be a list of strings")
    return value


def entries(data: dict[str, Any]) -> list[tuple[str, Any, int]]:
    """The (key, value, line) entries of a mapping read by ``load_yaml``."""
    lines = data.get("__lines__", {})
    return [(k, v, lines.get(k, 0)) for k, v in data.items() if k not in ("__line__", "__lines__")]
