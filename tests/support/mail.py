"""Realistic council e-mails for end-to-end tests and benchmarks."""

import random
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import UTC, datetime

PAIRS = [
    ("Adur District Council", "Worthing Borough Council", "legal", "adur-worthing.gov.uk"),
    (
        "South Oxfordshire District Council",
        "Vale of White Horse District Council",
        "revenues and benefits",
        "southandvale.gov.uk",
    ),
    (
        "Tunbridge Wells Borough Council",
        "Maidstone Borough Council",
        "ICT",
        "tunbridgewells.gov.uk",
    ),
    (
        "Cheltenham Borough Council",
        "Cotswold District Council",
        "waste collection",
        "cheltenham.gov.uk",
    ),
    (
        "Babergh District Council",
        "Mid Suffolk District Council",
        "planning",
        "baberghmidsuffolk.gov.uk",
    ),
    ("East Devon District Council", "Exeter City Council", "building control", "eastdevon.gov.uk"),
]
OFFICERS = ["Jo Bloggs", "Priya Shah", "Tom Evans", "Aisha Khan", "Gareth Hughes", "Mary O'Neill"]


def submission_email(
    i: int, *, seed: int = 0, complete: bool = True, to: str = "sharedservices@local.gov.uk"
) -> bytes:
    """A labelled-lines submission, as a council officer writes one (greeting, signature)."""
    rnd = random.Random(seed * 100_003 + i)
    lead, partner, service, domain = PAIRS[rnd.randrange(len(PAIRS))]
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
