"""Duplicate lookups per second with 1,000 and 100,000 held arrangements (SQLite).

    python -m bench.dedupe_bench [--lookups 300]

Each held arrangement names two or three current councils (from rules/councils.csv),
one or two service areas and a few sentences; each lookup is a new arrangement
between councils that already hold some, through ``intake.dedupe.find_duplicate``
on a migrated database, as the pipeline runs it.
"""

import argparse
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from intake.contract import SERVICE_AREAS, Organisation, SubmissionEntry
from intake.db import make_engine, upgrade
from intake.dedupe import DuplicateRules, find_duplicate
from intake.gazetteer import Gazetteer
from intake.store import ArrangementCouncilKey, ArrangementFingerprint

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
WORDS = (
    "shared", "service", "team", "joint", "one", "manager", "both", "councils", "since",
    "system", "office", "contract", "hosted", "delivery", "partnership", "single", "staff",
    "case", "management", "resilience", "savings", "customers", "digital", "fleet", "depot",
    "officers", "board", "governance", "agreement",
)  # fmt: skip


def council_codes() -> list[str]:
    gazetteer = Gazetteer.load(RULES_DIR)
    return sorted(c.code for c in gazetteer.councils.values() if c.is_current)


def random_arrangement(rnd: random.Random, codes: list[str]) -> tuple[list[str], list[str], str]:
    councils = rnd.sample(codes, rnd.choice((2, 2, 3)))
    areas = rnd.sample(SERVICE_AREAS[:-1], rnd.choice((1, 1, 2)))
    text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(15, 40)))
    return councils, areas, text


def fill(url: str, size: int, codes: list[str], rnd: random.Random) -> None:
    """``size`` held arrangements, written in bulk straight into the index tables."""
    engine = make_engine(url)
    prints, keys = [], []
    for i in range(1, size + 1):
        councils, areas, text = random_arrangement(rnd, codes)
        prints.append(
            {
                "id": i,
                "reference": f"SS-2026-{i:05d}",
                "codes": " ".join(councils),
                "areas": " ".join(areas),
                "text": text,
            }
        )
        keys += [{"code": c, "area": a, "fingerprint_id": i} for c in councils for a in areas]
    with engine.begin() as conn:
        conn.execute(insert(ArrangementFingerprint), prints)
        conn.execute(insert(ArrangementCouncilKey), keys)
    engine.dispose()


def lookups_per_second(url: str, codes: list[str], lookups: int, rnd: random.Random) -> float:
    engine, rules = make_engine(url), DuplicateRules()
    entries = []
    for _ in range(lookups):
        councils, areas, text = random_arrangement(rnd, codes)
        orgs = [Organisation(name=c, code=c, current_code=c) for c in councils]
        entries.append(SubmissionEntry(organisations=orgs, service_areas=areas, description=text))
    with Session(engine) as session:
        find_duplicate(session, entries[0], rules)  # warm the connection and caches
        started = time.perf_counter()
        for entry in entries:
            find_duplicate(session, entry, rules)
        elapsed = time.perf_counter() - started
    engine.dispose()
    return lookups / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=300)
    args = parser.parse_args()
    codes = council_codes()
    with tempfile.TemporaryDirectory() as tmp:
        for size in (1_000, 100_000):
            url = f"sqlite:///{tmp}/dedupe-{size}.db"
            upgrade(url)
            rnd = random.Random(size)
            fill(url, size, codes, rnd)
            rate = lookups_per_second(url, codes, args.lookups, rnd)
            print(f"duplicate lookup, {size:>7,} held arrangements: {rate:8.0f} lookups/s")


if __name__ == "__main__":
    main()
