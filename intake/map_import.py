"""``intake import-map FILE.csv``: load the arrangements already published on the map.

Each row becomes (or updates) a ``map_entry`` and is indexed for duplicate
matching, so a council re-sending an arrangement already on the map gets the
duplicate note naming the map entry. The CSV has a header row (UTF-8, an Excel
byte-order mark is fine) with these columns:

- ``id`` (required): the map's own identifier of the entry, e.g. ``MAP-0042``;
  re-importing a file updates the entries by this id. The duplicate note quotes it.
- ``title`` (required): the arrangement's name as published.
- ``councils`` (required): the councils taking part, separated by ``;``, each as
  a name ("Adur District Council") or a GSS code (``E07000223``). Abolished
  councils count as the council covering them today.
- ``service_areas``: the services shared, separated by ``;``, as contract slugs
  (``legal``) or plain words ("Legal services").
- ``description``: the published description (optional).
- ``url``: the entry's address on the map (optional).

Other columns are ignored. A row without an id, a title or a recognised council
is skipped and reported.
"""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from intake.contract import SERVICE_AREAS
from intake.dedupe import Fingerprint, index_arrangement, normalised_text
from intake.errors import IntakeError
from intake.rules import Rules
from intake.store import MapEntry, utcnow

REQUIRED_COLUMNS = ("id", "title", "councils")
_GSS_CODE = re.compile(r"^[ENSW]\d{8}$", re.IGNORECASE)


class MapImportError(IntakeError):
    """The map file cannot be read, or lacks a required column."""


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def council_codes(names: list[str], rules: Rules) -> tuple[list[str], list[str]]:
    """Today's council codes for names or codes, and the names not recognised."""
    codes, unknown = [], []
    for name in names:
        if _GSS_CODE.match(name):
            code = rules.gazetteer.current_code(name)
        else:
            match = rules.gazetteer.match(name)
            code = match.current_code if match is not None else None
        if code:
            codes.append(code)
        else:
            unknown.append(name)
    return list(dict.fromkeys(codes)), unknown


def service_slugs(values: list[str], rules: Rules) -> list[str]:
    slugs: list[str] = []
    for value in values:
        slug = value.lower().replace(" ", "_")
        slugs += (
            [slug] if slug in SERVICE_AREAS else rules.services.classify(value, fallback_other=True)
        )
    return list(dict.fromkeys(slugs))


def read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            columns = [c.strip().lower() for c in reader.fieldnames or []]
            lacking = [c for c in REQUIRED_COLUMNS if c not in columns]
            if lacking:
                raise MapImportError(f"{path}: no column {', '.join(lacking)}")
            return [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                    for row in reader]  # fmt: skip
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise MapImportError(f"{path}: cannot be read: {e}") from e


def import_map(engine: Engine, rules: Rules, path: Path) -> ImportReport:
    """Add or update one map entry per row, each indexed for duplicate matching."""
    report = ImportReport()
    with Session(engine) as session:
        for line, row in enumerate(read_rows(path), start=2):
            names = split_list(row.get("councils"))
            codes, unknown = council_codes(names, rules)
            report.warnings += [f"line {line}: council not recognised: {n}" for n in unknown]
            if not row.get("id") or not row.get("title") or not codes:
                report.skipped += 1
                report.warnings.append(f"line {line}: skipped (no id, title or known council)")
                continue
            entry = session.scalars(select(MapEntry).where(MapEntry.map_id == row["id"])).first()
            if entry is None:
                entry = MapEntry(map_id=row["id"], title=row["title"])
                report.added += 1
            else:
                report.updated += 1
            entry.title, entry.description = row["title"], row.get("description") or None
            entry.organisations, entry.council_codes = names, codes
            entry.service_areas = service_slugs(split_list(row.get("service_areas")), rules)
            entry.url, entry.imported_at = row.get("url") or None, utcnow()
            session.add(entry)
            session.flush()
            words = normalised_text(f"{entry.title} {entry.description or ''}")[:2000]
            fingerprint = Fingerprint(frozenset(codes), frozenset(entry.service_areas), words)
            index_arrangement(session, fingerprint, reference=entry.map_id, map_entry_id=entry.id)
        session.commit()
    return report
