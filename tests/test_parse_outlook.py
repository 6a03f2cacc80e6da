"""Outlook's winmail.dat (TNEF) and attached .msg messages: the body, the sender, and
the files inside, each read like any other attachment.

Samples are written by tests/data/tnef_writer.py and msg_writer.py, so every case is
built here.
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
from tests.data.msg_writer import compound_file, outlook_msg
from tests.data.tnef_writer import winmail_dat

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "tests" / "data" / "attachments"
RULES = KindRules.load(ROOT / "rules")
LIMITS = LimitsSettings()
CSV = b"Council,Service,Savings\r\nAdur,Legal,\xa3350k\r\nWorthing,Legal,\xa3120k\r\n"
BODY = "Dear team,\n\nThe two councils share one legal team since 2013."


def message(
    plain: str | None,
    data: bytes,
    filename: str = "winmail.dat",
    subject: str = "Shared legal service",
) -> bytes:
    """An Outlook message: an optional plain body, then winmail.dat or another file."""
    msg = MIMEMultipart()
    msg["From"], msg["To"] = "Jo Bloggs <jo.bloggs@adur.gov.uk>", "sharedservices@local.gov.uk"
    msg["Subject"], msg["Message-ID"] = subject, "<tnef1@adur.gov.uk>"
    if plain is not None:
        msg.attach(MIMEText(plain, "plain", "utf-8"))
    subtype = "ms-tnef" if filename == "winmail.dat" else "vnd.ms-outlook"
    part = MIMEApplication(data, subtype)
    part.add_header("Content-Disposition", "attachment", filename=filename)
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


ROB = {
    "subject": "ICT",
    "sender_name": "Rob Sharp",
    "sender_email": "Rob.Sharp@malvernhills.gov.uk",
}


def test_an_attached_msg_gives_its_body_and_its_files() -> None:
    """GIVEN a .msg dragged out of Outlook WHEN parsed THEN its body is its text and the
    files it carries are attachments of their own."""
    saved = outlook_msg(
        **ROB, body="Malvern Hills hosts ICT for Wychavon.\r\n", files=[("savings.csv", CSV)]
    )
    parsed = parse(message("See attached.", saved, "ICT.msg"))
    assert listing(parsed) == [("ICT.msg", "msg"), ("savings.csv", "csv")]
    assert parsed.attachments[0].text == "Malvern Hills hosts ICT for Wychavon."
    assert len(parsed.attachments[1].rows) == 2


def test_an_attached_msg_with_an_html_body_is_read_as_text() -> None:
    saved = outlook_msg(**ROB, html="<html><body><p>Shared <b>ICT</b> since 2015</p></body></html>")
    parsed = parse(message("See attached.", saved, "ICT.msg"))
    assert parsed.attachments[0].text == "Shared ICT since 2015"


@pytest.mark.parametrize(
    ("subject", "forwarded_from"),
    [("FW: ICT", "Rob Sharp <rob.sharp@malvernhills.gov.uk>"), ("ICT", None)],
)
def test_a_msg_forwarded_as_attachment_names_its_author(
    subject: str, forwarded_from: str | None
) -> None:
    parsed = parse(
        message("Please see attached.", outlook_msg(**ROB, body="x"), "ICT.msg", subject)
    )
    assert parsed.forwarded_from == forwarded_from


def test_a_message_inside_an_attached_msg_is_skipped_with_a_warning() -> None:
    inner = "__attach_version1.0_#00000000/__substg1.0_3701000D/__substg1.0_0037001F"
    saved = compound_file({"__substg1.0_1000001F": "Hi".encode("utf-16-le"), inner: b"x\0"})
    parsed = parse(message("See attached.", saved, "outer.msg"))
    assert parsed.attachments[0].warnings == ["outer.msg: a message inside it is not read"]


def test_a_damaged_msg_is_a_warning_not_a_failure() -> None:
    damaged = outlook_msg(**ROB, body="x")[:-512]  # its allocation table cut off
    parsed = parse(message(BODY, damaged, "ICT.msg"))
    assert parsed.attachments[0].sniffed_type == "msg"
    assert parsed.attachments[0].warnings[0].startswith("ICT.msg is damaged: not read")
    assert "legal team" in parsed.new_text


def test_the_outlook_libraries_load_only_when_such_a_file_is_read() -> None:
    code = (
        "import sys, intake.parse.mime; print('tnefparse' in sys.modules, 'olefile' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
