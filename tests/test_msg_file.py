"""A saved Outlook message (.msg file) given to ``intake extract`` or ``intake import``:
written out as the Internet message it stood for, then read like any mail.

Samples are written by tests/data/msg_writer.py.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.config import LimitsSettings
from intake.errors import ParseError
from intake.extract.kinds import KindRules
from intake.parse.mime import parse_message
from intake.readers.msg_file import is_outlook_msg, msg_as_email
from tests.data.msg_writer import outlook_msg
from tests.support.service import PROJECT, Store, run_cli, write_config

RULES = KindRules.load(PROJECT / "rules")
CSV = b"Council,Service,Savings\r\nAdur,Legal,\xa3350k\r\nWorthing,Legal,\xa3120k\r\n"
BODY = (
    "Dear team,\r\n\r\nLead council: Malvern Hills District Council\r\n"
    "Partner councils: Wychavon District Council\r\nService area: ICT\r\n"
    "Savings: \u00a3120,000 a year\r\nDescription: One ICT service for both councils "
    "since 2015.\r\n\r\nRob Sharp\r\nHead of ICT\r\n"
)
ROB = {"subject": "Shared ICT", "sender_name": "Rob Sharp",
       "sender_email": "Rob.Sharp@malvernhills.gov.uk"}  # fmt: skip
HEADERS = (
    "Received: from mx.malvernhills.gov.uk by mail.local.gov.uk; Tue, 1 Dec 2026 09:00:00 +0000\r\n"
    "From: Rob Sharp <rob.sharp@malvernhills.gov.uk>\r\nTo: sharedservices@local.gov.uk\r\n"
    "Subject: Re: Shared ICT [SS-2026-00042]\r\nDate: Tue, 1 Dec 2026 09:00:00 +0000\r\n"
    "Message-ID: <kept-1@malvernhills.gov.uk>\r\nIn-Reply-To: <ours-1@local.gov.uk>\r\n"
    "Content-Type: application/ms-tnef\r\nMIME-Version: 1.0\r\n"
)


def parse(msg: bytes):  # type: ignore[no-untyped-def]
    converted, warnings = msg_as_email(msg, "ICT.msg")
    assert not is_outlook_msg(converted)
    return parse_message(converted, LimitsSettings(), RULES), warnings


def test_a_saved_message_keeps_its_sender_subject_date_id_body_and_files() -> None:
    """GIVEN a .msg with no transport headers WHEN converted THEN its properties give the
    headers, its plain body the body, and its files the attachments."""
    sent = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    saved = outlook_msg(**ROB, body=BODY, files=[("savings.csv", CSV)], sent=sent,
                        properties={0x1035: "<saved-1@malvernhills.gov.uk>"})  # fmt: skip
    parsed, warnings = parse(saved)
    assert warnings == []
    assert parsed.from_email == "rob.sharp@malvernhills.gov.uk"
    assert parsed.from_name == "Rob Sharp"
    assert parsed.subject == "Shared ICT"
    assert parsed.message_id == "<saved-1@malvernhills.gov.uk>"
    assert parsed.date is not None and parsed.date.astimezone(UTC) == sent
    assert "Lead council: Malvern Hills District Council" in parsed.body_text
    assert [(a.filename, a.sniffed_type) for a in parsed.attachments] == [("savings.csv", "csv")]
    assert len(parsed.attachments[0].rows) == 2


def test_kept_transport_headers_are_the_headers_so_threading_survives() -> None:
    """GIVEN a received message saved from Outlook WHEN converted THEN its own headers
    (Message-ID, In-Reply-To, Received) are used, but not those of the stored body."""
    saved = outlook_msg(**ROB, body="Savings: \u00a3120,000 a year", properties={0x007D: HEADERS})
    parsed, _ = parse(saved)
    assert parsed.message_id == "<kept-1@malvernhills.gov.uk>"
    assert parsed.in_reply_to == "<ours-1@local.gov.uk>"
    assert parsed.subject == "Re: Shared ICT [SS-2026-00042]"
    assert "received" in parsed.headers
    assert parsed.content_type == "text/plain"
    assert parsed.body_text.startswith("Savings: \u00a3120,000")


def test_an_html_body_stays_html_and_an_rtf_only_body_says_so() -> None:
    html = "<html><body><table><tr><td>Service area</td><td>ICT</td></tr></table></body></html>"
    parsed, _ = parse(outlook_msg(**ROB, html=html))
    assert parsed.content_type == "text/html"
    assert "Service area" in parsed.body_text and "ICT" in parsed.body_text
    _, warnings = parse(outlook_msg(**ROB, properties={0x1009: "{\\rtf1 compressed}"}))
    assert warnings == ["ICT.msg: its body is in rich text (RTF) only: not read"]


@pytest.mark.parametrize("data", [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, b""])
def test_a_damaged_msg_is_a_parse_error_naming_the_file(data: bytes) -> None:
    with pytest.raises(ParseError, match=r"ICT\.msg is not a readable Outlook message"):
        msg_as_email(data, "ICT.msg")


def test_extract_takes_a_msg_file(tmp_path: Path) -> None:
    """GIVEN a .msg file WHEN `intake extract` THEN contract JSON of its message."""
    path = tmp_path / "ICT.msg"
    path.write_bytes(outlook_msg(**ROB, body=BODY))
    result = run_cli(PROJECT / "service.yaml", "extract", str(path), "--json")
    assert result.returncode == 0, result.stderr
    extracted = json.loads(result.stdout)
    assert extracted["kind"] == "submission"
    assert extracted["sender"]["email"] == "rob.sharp@malvernhills.gov.uk"
    entry = extracted["submissions"][0]
    assert {o["name"] for o in entry["organisations"]} >= {"Malvern Hills District Council"}
    assert entry["service_areas"] == ["ict"]
    assert entry["savings"][0]["amount_gbp"] == 120000
    damaged = tmp_path / "damaged.msg"
    damaged.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    failed = run_cli(PROJECT / "service.yaml", "extract", str(damaged))
    assert failed.returncode == 2
    assert "damaged.msg is not a readable Outlook message" in failed.stderr


def test_import_takes_msg_files_once_and_keeps_a_damaged_one(
    tmp_path: Path, sqlite_url: str
) -> None:
    """GIVEN a good and a damaged .msg WHEN imported twice THEN the good one is a
    submission once; the damaged one is stored and quarantined, with a line saying why."""
    config = write_config(tmp_path, db_url=sqlite_url)
    good, damaged = tmp_path / "ICT.msg", tmp_path / "damaged.msg"
    good.write_bytes(outlook_msg(**ROB, body=BODY, properties={0x1035: "<saved-2@mhdc.gov.uk>"}))
    damaged.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    first = run_cli(config, "import", str(good), str(damaged))
    assert json.loads(first.stdout) == {"new": 2, "known": 0, "processed": 1, "failed": 1}
    assert "damaged.msg is not a readable Outlook message" in first.stderr
    second = run_cli(config, "import", str(good), str(damaged))
    assert json.loads(second.stdout)["known"] == 2
    store = Store(sqlite_url)
    assert store.submissions() == 1
    status = json.loads(run_cli(config, "status").stdout)
    assert status["messages"] == {"processed": 1, "quarantined": 1}
