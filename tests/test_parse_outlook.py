"""Outlook's winmail.dat (TNEF): its body and the files inside it, read like any other.

Samples are written by tests/data/tnef_writer.py, so every case is built here.
"""

import subprocess
import sys
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from intake.config import LimitsSettings
from intake.extract.kinds import KindRules
from intake.messages import ParsedMessage
from intake.parse.mime import parse_message
from tests.data.tnef_writer import winmail_dat

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "tests" / "data" / "attachments"
RULES = KindRules.load(ROOT / "rules")
LIMITS = LimitsSettings()
CSV = b"Council,Service,Savings\r\nAdur,Legal,\xa3350k\r\nWorthing,Legal,\xa3120k\r\n"
BODY = "Dear team,\n\nThe two councils share one legal team since 2013."


def message(plain: str | None, winmail: bytes) -> bytes:
    """An Outlook rich-text message: an optional plain body, then winmail.dat."""
    msg = MIMEMultipart()
    msg["From"], msg["To"] = "Jo Bloggs <jo.bloggs@adur.gov.uk>", "sharedservices@local.gov.uk"
    msg["Subject"], msg["Message-ID"] = "Shared legal service", "<tnef1@adur.gov.uk>"
    if plain is not None:
        msg.attach(MIMEText(plain, "plain", "utf-8"))
    part = MIMEApplication(winmail, "ms-tnef")
    part.add_header("Content-Disposition", "attachment", filename="winmail.dat")
    msg.attach(part)
    return msg.as_bytes()


def parse(data: bytes) -> ParsedMessage:
    return parse_message(data, LIMITS, RULES)


def listing(parsed: ParsedMessage) -> list[tuple[str, str]]:
    return [(a.filename, a.sniffed_type) for a in parsed.attachments]


def test_files_inside_winmail_dat_become_attachments_read_by_type() -> None:
    """GIVEN winmail.dat holding a CSV and a flat PDF WHEN parsed THEN each is read."""
    flat = (SAMPLES / "flat.pdf").read_bytes()
    parsed = parse(message(BODY, winmail_dat(BODY, [("savings.csv", CSV), ("note.pdf", flat)])))
    assert listing(parsed) == [("winmail.dat", "tnef"), ("savings.csv", "csv"), ("note.pdf", "pdf")]
    assert [row["savings"] for row in parsed.attachments[1].rows] == ["£350k", "£120k"]
    assert parsed.attachments[2].text.strip()


def test_a_body_repeated_in_winmail_dat_is_read_once() -> None:
    parsed = parse(message(BODY, winmail_dat(BODY)))
    assert parsed.new_text.startswith("Dear team") and parsed.attachments[0].text == ""


def test_winmail_dat_body_is_the_message_body_when_there_is_no_other() -> None:
    parsed = parse(message(None, winmail_dat("Hello,\r\n\r\nWe share building control.")))
    assert parsed.body_text == "Hello,\n\nWe share building control."
    assert "building control" in parsed.new_text and parsed.attachments[0].text == ""


@pytest.mark.parametrize(
    ("winmail", "text"),
    [
        (winmail_dat("Our shared audit service \xa3250k"), "Our shared audit service £250k"),
        (winmail_dat(html="<p>Shared <b>payroll</b></p><p>Since 2019</p>"), "Shared payroll"),
    ],
)
def test_winmail_dat_body_plain_or_html(winmail: bytes, text: str) -> None:
    parsed = parse(message("See below.", winmail))
    assert parsed.attachments[0].text.startswith(text)


def test_an_rtf_only_body_is_not_read_and_says_so() -> None:
    parsed = parse(message("See attached.", winmail_dat(rtf=b"\x2d\x00\x00\x00compressed")))
    assert parsed.attachments[0].warnings == [
        "winmail.dat: its body is in rich text (RTF) only: not read"
    ]


def test_an_encrypted_pdf_inside_winmail_dat_warns_and_the_body_is_still_read() -> None:
    locked = (SAMPLES / "encrypted.pdf").read_bytes()
    parsed = parse(message(BODY, winmail_dat(None, [("form.pdf", locked)])))
    assert parsed.attachments[1].warnings == ["form.pdf is password-protected: not read"]
    assert "legal team" in parsed.new_text


@pytest.mark.parametrize(
    "damaged",
    [winmail_dat("x", [("a.csv", CSV)])[:20], b"\x78\x9f\x3e\x22" + bytes(range(256)) * 3],
)
def test_a_damaged_winmail_dat_is_a_warning_not_a_failure(damaged: bytes) -> None:
    parsed = parse(message(BODY, damaged))
    assert parsed.attachments[0].sniffed_type == "tnef"
    assert parsed.attachments[0].warnings[0].startswith("winmail.dat is damaged: not read")


def test_winmail_dat_nested_too_deeply_stops_with_a_warning() -> None:
    nested = winmail_dat(None, [("inner.csv", CSV)])
    for depth in range(4):
        nested = winmail_dat(None, [(f"level{depth}.dat", nested)])
    parsed = parse(message(BODY, nested))
    assert [t for _, t in listing(parsed)] == ["tnef"] * 4
    assert parsed.attachments[-1].warnings == ["level1.dat: files nested too deeply: not read"]


def test_the_tnef_library_loads_only_when_a_winmail_dat_is_read() -> None:
    code = "import sys, intake.parse.mime; print('tnefparse' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
