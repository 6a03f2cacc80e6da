"""Realistic council e-mails for end-to-end tests and benchmarks."""

import csv
import random
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path

SERVICES = [
    "legal",
    "revenues and benefits",
    "ICT",
    "waste collection",
    "planning",
    "building control",
    "internal audit",
    "procurement",
    "HR and payroll",
    "environmental health",
    "licensing",
    "emergency planning",
    "CCTV",
    "parking",
    "customer services",
    "elections",
    "housing options",
    "leisure centres",
]
PROJECT = Path(__file__).resolve().parents[2]


@cache
def _councils_by_region() -> dict[str, list[tuple[str, str]]]:
    """Current English councils with an e-mail domain, by region (from the project's table)."""
    regions: dict[str, list[tuple[str, str]]] = {}
    with (PROJECT / "rules" / "councils.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["nation"] == "England" and not row["end_date"] and row["domains"]:
                regions.setdefault(row["region"], []).append(
                    (row["name"], row["domains"].split(";")[0])
                )
    return {r: sorted(c) for r, c in sorted(regions.items()) if len(c) > 1}


def _arrangement(rnd: random.Random) -> tuple[str, str, str, str]:
    """Two councils of one region and a service: distinct arrangements, as a real inbox has."""
    region = rnd.choice(list(_councils_by_region().values()))
    (lead, domain), (partner, _) = rnd.sample(region, 2)
    return lead, partner, rnd.choice(SERVICES), domain


OFFICERS = ["Jo Bloggs", "Priya Shah", "Tom Evans", "Aisha Khan", "Gareth Hughes", "Mary O'Neill"]


def submission_email(
    i: int, *, seed: int = 0, complete: bool = True, to: str = "sharedservices@local.gov.uk"
) -> bytes:
    """A labelled-lines submission, as a council officer writes one (greeting, signature)."""
    rnd = random.Random(seed * 100_003 + i)
    lead, partner, service, domain = _arrangement(rnd)
    officer = OFFICERS[rnd.randrange(len(OFFICERS))]
    first, last = officer.split(" ", 1)
    email = f"{first}.{last.replace(chr(39), '')}{i}@{domain}".lower()
    amount = rnd.choice(["£350,000 a year", "£1.2m a year", "£250k per annum", "£3.4m to date"])
    lines = [
        "Dear colleagues,",
        "",
        f"Please find below details of our shared {service} arrangement (ref {i}).",
        "",
        f"Lead council: {lead}",
        f"Partner councils: {partner}",
        f"Service area: {service}",
    ]
    if complete:
        lines.append(f"Savings: {amount}")
    lines += [
        f"Description: A single {service} team has served both councils since 2014, "
        "with one manager, shared systems and a joint case management process.",
        "",
        "Kind regards,",
        "",
        officer,
        f"Shared Services Manager, {lead}",
        "Tel: 01903 221000",
        "",
        "This e-mail and any attachments are confidential and intended solely for the addressee.",
    ]
    msg = EmailMessage()
    msg["From"] = f"{officer} <{email}>"
    msg["To"] = to
    msg["Subject"] = f"Shared service example: {service} ({i})"
    msg["Date"] = format_datetime(datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(idstring=f"s{seed}-{i}", domain=domain)
    msg.set_content("\n".join(lines))
    return bytes(msg)


def broken_email() -> bytes:
    """Not a message at all: no header block, undecodable bytes."""
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
