"""Write rules/councils.csv, the project's own table of UK principal councils.

Reads the mySociety table (``../shared/reference/uk_local_authorities.csv``),
adds the councils abolished in 2009 that it lacks (``tools/gazetteer_additions.csv``)
and the e-mail domains (``tools/council_domains.csv``; a council not listed there
gets the domain its short name spells: ``Mid Sussex`` -> ``midsussex.gov.uk``).

    .venv/bin/python tools/build_gazetteer.py [REFERENCE_CSV]

The output is committed; run this again only when the facts change.
"""

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference" / "uk_local_authorities.csv"
ADDITIONS = ROOT / "tools" / "gazetteer_additions.csv"
DOMAINS = ROOT / "tools" / "council_domains.csv"
OUTPUT = ROOT / "rules" / "councils.csv"

COLUMNS = [
    "code", "name", "short_name", "type", "region", "nation", "start_date", "end_date",
    "successors", "county", "lat", "lon", "domains", "former_codes", "source",
]  # fmt: skip

TYPES = {
    "NMD": "district",
    "UA": "unitary",
    "MD": "metropolitan district",
    "LBO": "london borough",
    "CTY": "county",
    "CC": "city corporation",
    "WPA": "welsh unitary",
    "SCO": "scottish unitary",
    "NID": "ni district",
}

NATION_REGIONS = {"Wales", "Scotland", "Northern Ireland"}


def register_start(value: str) -> str:
    """Drop 2005 register-entry dates: they say when a row was listed, not when a council began."""
    return "" if value.startswith("2005-") else value


def default_domain(short_name: str) -> str:
    return re.sub(r"[^a-z]", "", short_name.lower()) + ".gov.uk"


def load_domains() -> dict[str, str]:
    with DOMAINS.open(newline="") as f:
        return {row["name"]: row["domains"] for row in csv.DictReader(f)}


def reference_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if r["gss-code"] and r["local-authority-type"] in TYPES]


def from_reference(rows: list[dict[str, str]], domains: dict[str, str]) -> list[dict[str, str]]:
    gss_of = {r["local-authority-code"]: r["gss-code"] for r in rows}
    short_counts: dict[str, int] = {}
    for r in rows:
        short_counts[r["nice-name"].strip()] = short_counts.get(r["nice-name"].strip(), 0) + 1
    out = []
    for r in rows:
        short = r["nice-name"].strip()
        key = short if short_counts[short] == 1 else r["official-name"]
        successors = [gss_of[c] for c in r["replaced-by"].split(",") if c]
        out.append(
            {
                "code": r["gss-code"],
                "name": r["official-name"].strip(),
                "short_name": short,
                "type": TYPES[r["local-authority-type"]],
                "region": r["region"] or r["nation"],
                "nation": r["nation"],
                "start_date": register_start(r["start-date"]),
                "end_date": r["end-date"],
                "successors": " ".join(successors),
                "county": gss_of.get(r["county-la"], ""),
                "lat": f"{float(r['lat']):.4f}" if r["lat"] else "",
                "lon": f"{float(r['long']):.4f}" if r["long"] else "",
                "domains": domains.pop(key, "") or default_domain(short),
                "former_codes": " ".join(c for c in r["former-gss-codes"].split(",") if c),
                "source": "mysociety",
            }
        )
    return out


def from_additions() -> list[dict[str, str]]:
    with ADDITIONS.open(newline="") as f:
        rows = list(csv.DictReader(f))
    extra = {"nation": "England", "domains": "", "former_codes": "", "source": "added-2009"}
    return [{**r, **extra} for r in rows]


def main() -> None:
    reference = Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE
    domains = load_domains()
    councils = from_reference(reference_rows(reference), domains)
    if domains:
        sys.exit(f"council_domains.csv names no council in the reference: {sorted(domains)}")
    known = {c["code"] for c in councils}
    councils += [c for c in from_additions() if c["code"] not in known]
    councils.sort(key=lambda c: (c["code"][0], c["short_name"].lower(), c["code"]))
    with OUTPUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(councils)
    print(f"wrote {len(councils)} councils to {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
