"""The map's data: published arrangements as CSV, Excel, GeoJSON and JSON.

One row per arrangement. Savings are kept in separate columns by basis and
period (achieved/expected x annual/cumulative/one-off): they are different
quantities and are never added together. Council locations come from the gazetteer.
"""

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from openpyxl import Workbook
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from intake.gazetteer import Gazetteer
from intake.records import load_entry
from intake.store import Submission

PUBLISHED = "approved"
SAVING_COLUMNS = [
    f"savings_{basis}_{period}"
    for basis in ("achieved", "expected")
    for period in ("annual", "cumulative", "one_off")
]
COLUMNS = [
    "reference",
    "title",
    "arrangement_type",
    "status",
    "start_year",
    "lead",
    "partners",
    "council_codes",
    "regions",
    "service_areas",
    *SAVING_COLUMNS,
    "savings_none_reason",
    "description",
    "benefits",
]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "json": "application/json",
}


@dataclass
class Place:
    code: str
    name: str
    role: str
    region: str | None
    lat: float | None
    lon: float | None


@dataclass
class Arrangement:
    row: dict[str, Any]
    places: list[Place] = field(default_factory=list)


def published(engine: Engine, gazetteer: Gazetteer) -> list[Arrangement]:
    with Session(engine) as session:
        subs = session.scalars(
            select(Submission)
            .where(col(Submission.review_state) == PUBLISHED)
            .order_by(col(Submission.id))
        ).all()
        return [_arrangement(load_entry(session, s), s, gazetteer) for s in subs]


def _arrangement(entry: Any, sub: Submission, gazetteer: Gazetteer) -> Arrangement:
    places = []
    for o in entry.organisations:
        council = gazetteer.get(o.current_code or o.code) if (o.current_code or o.code) else None
        if council is not None:
            places.append(
                Place(council.code, o.name, o.role, council.region, council.lat, council.lon)
            )
    totals = {name: 0 for name in SAVING_COLUMNS}
    for s in entry.savings:
        totals[f"savings_{s.basis}_{s.period}"] += s.amount_gbp
    row = {
        "reference": sub.reference,
        "title": entry.title,
        "arrangement_type": entry.arrangement_type,
        "status": entry.status,
        "start_year": entry.start_year,
        "lead": "; ".join(o.name for o in entry.organisations if o.role == "lead"),
        "partners": "; ".join(o.name for o in entry.organisations if o.role != "lead"),
        "council_codes": "; ".join(p.code for p in places),
        "regions": "; ".join(dict.fromkeys(p.region for p in places if p.region)),
        "service_areas": "; ".join(entry.service_areas),
        **{k: (v or None) for k, v in totals.items()},
        "savings_none_reason": entry.savings_none_reason,
        "description": entry.description,
        "benefits": entry.benefits,
    }
    return Arrangement(row, places)


def to_csv(items: list[Arrangement]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for item in items:
        writer.writerow({k: _safe_cell(v) for k, v in item.row.items()})
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def _safe_cell(value: Any) -> Any:
    """Text starting with = + - @ is read as a formula by spreadsheets: quote it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_xlsx(items: list[Arrangement]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Arrangements"
    sheet.append(COLUMNS)
    for item in items:
        sheet.append([_safe_cell(item.row[c]) for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_geojson(items: list[Arrangement]) -> bytes:
    """One Feature per arrangement: a MultiPoint of its councils' locations (lon, lat)."""
    features = []
    for item in items:
        located = [p for p in item.places if p.lat is not None and p.lon is not None]
        geometry = (
            {"type": "MultiPoint", "coordinates": [[p.lon, p.lat] for p in located]}
            if located
            else None
        )
        properties = dict(item.row) | {"councils": [asdict(p) for p in item.places]}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1).encode()


def to_json(items: list[Arrangement]) -> bytes:
    data = [dict(i.row) | {"councils": [asdict(p) for p in i.places]} for i in items]
    return json.dumps(data, indent=1).encode()


WRITERS = {"csv": to_csv, "xlsx": to_xlsx, "geojson": to_geojson, "json": to_json}


def export(engine: Engine, gazetteer: Gazetteer, fmt: str) -> bytes:
    return WRITERS[fmt](published(engine, gazetteer))
