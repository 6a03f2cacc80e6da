"""A .zip attachment: its files read as attachments of their own, within limits."""

import io
import zipfile
from email.message import EmailMessage

from intake.config import LimitsSettings
from intake.extract.kinds import KindRules
from intake.messages import ParsedMessage
from intake.parse.mime import parse_message
from tests.support.service import PROJECT

RULES = KindRules.load(PROJECT / "rules")
CSV = b"Lead council,Partner councils,Service,Savings\r\nAdur,Worthing,Legal,\xa3350k\r\n"


def zipped(*members: tuple[str, bytes], encrypted: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    data = buffer.getvalue()
    if encrypted:  # set the 'encrypted' flag as an encrypting zip tool would (zipfile can't)
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.index(signature) + offset
            flags = int.from_bytes(data[at : at + 2], "little") | 0x1
            data = data[:at] + flags.to_bytes(2, "little") + data[at + 2 :]
    return data


def parse(data: bytes, limits: LimitsSettings | None = None) -> ParsedMessage:
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = "jo@adur.gov.uk", "Forms", "<z@adur>"
    msg.set_content("Our form is attached.")
    msg.add_attachment(data, maintype="application", subtype="zip", filename="forms.zip")
    return parse_message(msg.as_bytes(), limits or LimitsSettings(), RULES)


def test_the_files_in_a_zip_are_read_as_attachments() -> None:
    parsed = parse(zipped(("forms/legal.csv", CSV), ("readme.txt", b"Thanks")))
    assert [(a.filename, a.sniffed_type) for a in parsed.attachments] == [
        ("forms.zip", "zip"), ("legal.csv", "csv"), ("readme.txt", "text")]  # fmt: skip
    assert parsed.attachments[1].rows[0]["service_areas"] == "Legal"


def test_a_member_that_unpacks_past_the_limit_is_not_read_whatever_its_header_says() -> None:
    """GIVEN a zip bomb in miniature (a few KB unpacking to 2 MB) WHEN the limit is 1 MB
    THEN a warning, and nothing of it is read."""
    parsed = parse(zipped(("big.csv", b"0" * 2_000_000)),
                   LimitsSettings(max_attachment_bytes=1_000_000))  # fmt: skip
    [archive] = parsed.attachments
    assert archive.warnings == ["forms.zip: big.csv unpacks to over 1 MB: not read"]


def test_an_encrypted_or_damaged_zip_is_a_warning() -> None:
    parsed = parse(zipped(("legal.csv", CSV), encrypted=True))
    assert parsed.attachments[0].warnings == ["forms.zip: legal.csv is encrypted: not read"]
    damaged = parse(b"PK\x03\x04" + b"\x00" * 60)
    assert damaged.attachments[0].warnings[0].startswith("forms.zip is damaged: not read")
