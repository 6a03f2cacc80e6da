"""Reading MIME: raw bytes -> ParsedMessage, whatever councils and mail servers send."""

import json
from pathlib import Path

import pytest

from intake.config import LimitsSettings
from intake.errors import ParseError
from intake.extract.kinds import KindRules
from intake.messages import Attachment, ParsedMessage
from intake.parse import attachments as attachments_module
from intake.parse.attachments import register_reader, sniff_type
from intake.parse.html import html_to_text
from intake.parse.mime import decode_bytes, decode_header_value, parse_message

DATA = Path(__file__).parent / "data" / "parse"
RULES = KindRules.load(Path(__file__).parents[1] / "rules")
LIMITS = LimitsSettings()


def eml(body: bytes, *headers: str, content_type: str | None = "text/plain") -> bytes:
    """A small message: the usual headers, then ``headers``, then ``body``."""
    lines = [
        "From: Jo Bloggs <jo.bloggs@adur.gov.uk>",
        "To: sharedservices@local.gov.uk",
        "Subject: Shared legal service",
        "Date: Mon, 3 Jun 2024 10:12:00 +0100",
        "Message-ID: <m1@adur.gov.uk>",
        "MIME-Version: 1.0",
        *([f"Content-Type: {content_type}"] if content_type else []),
        *headers,
    ]
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def parse(data: bytes, limits: LimitsSettings = LIMITS) -> ParsedMessage:
    return parse_message(data, limits, RULES)


def fixture(name: str) -> ParsedMessage:
    return parse((DATA / name).read_bytes())


@pytest.mark.parametrize("sample", sorted(DATA.glob("*.eml")), ids=lambda p: p.stem)
def test_sample_messages_read_as_expected(sample: Path) -> None:
    """GIVEN a real-looking message WHEN parsed THEN it matches the JSON beside it."""
    expected = json.loads(sample.with_suffix(".json").read_text(encoding="utf-8"))["parsed"]
    parsed = parse(sample.read_bytes())
    found = parsed.model_dump(include=set(expected) - {"attachments"})
    found["attachments"] = [[a.filename, a.sniffed_type] for a in parsed.attachments]
    assert found == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Shared legal service", "Shared legal service"),
        ("=?utf-8?q?Shared_legal_=E2=80=93_Adur?=", "Shared legal – Adur"),
        ("=?UTF-8?B?wqMzNTBr?=", "£350k"),
        ("Re: =?iso-8859-1?q?caf=E9?= time", "Re: café time"),
        ("=?utf-8?q?=C2?= =?utf-8?q?=A3?=5", "£5"),  # one character split over two words
        ("=?utf-8?q?a?=\r\n =?utf-8?q?b?= c", "ab c"),
        ("=?x-unknown?q?caf=E9?=", "café"),
        ("=?utf-8?b?not base64!?=", "=?utf-8?b?not base64!?="),
        ("line\r\n\tfolded", "line folded"),
        ("=?utf-8?q?a=0D=0ABcc:_x?=", "a Bcc: x"),  # no header injection through decoding
        ("caf\udce9 raw 8-bit", "café raw 8-bit"),
        ("lone \ud800 surrogate", "lone ? surrogate"),  # never reaches JSON output
        ("=?utf-8?b?U2\udca1Fu?=", "=?utf-8?b?U2¡Fu?="),  # 8-bit inside a word: kept as text
    ],
)
def test_header_values_are_decoded(raw: str, expected: str) -> None:
    assert decode_header_value(raw) == expected


@pytest.mark.parametrize(
    ("data", "charset", "text", "warned"),
    [
        (b"\xa3350k", None, "£350k", False),  # cp1252 without a charset
        (b"\xa3350k", "utf-8", "£350k", True),  # latin-1 declared as utf-8
        (b"\x93quoted\x94", "iso-8859-1", "“quoted”", False),  # latin-1 label, cp1252 text
        (b"\xc2\xa3350k", "us-ascii", "£350k", True),  # UTF-8 under an ASCII label
        (b"\xa4", "iso-8859-15", "€", False),
        (b"\xa3", "x-no-such-charset", "£", True),
        (b"abc", "zlib", "abc", False),  # a codec that is not a text encoding
    ],
)
def test_bytes_decode_whatever_the_label(
    data: bytes, charset: str | None, text: str, warned: bool
) -> None:
    decoded, warning = decode_bytes(data, charset)
    assert (decoded, warning is not None) == (text, warned)


def test_cp1252_pound_without_charset() -> None:
    parsed = parse(eml(b"We save \xa3350k a year.\r\n", content_type="text/plain"))
    assert parsed.body_text == "We save £350k a year."


def test_latin1_declared_as_utf8_is_read_and_warned() -> None:
    parsed = parse(eml(b"Saving \xa31.2m\n", content_type="text/plain; charset=utf-8"))
    assert parsed.body_text == "Saving £1.2m"
    assert parsed.warnings == ["text declared as utf-8 is not: read as cp1252"]


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("base64", b"U2F2aW5nIMKjMzUwayBhIHllYXIu\r\n"),
        ("quoted-printable", b"Saving =C2=A3350k a=\r\n year."),
    ],
)
def test_transfer_encodings(encoding: str, body: bytes) -> None:
    data = eml(
        body, f"Content-Transfer-Encoding: {encoding}", content_type="text/plain; charset=utf-8"
    )
    assert parse(data).body_text == "Saving £350k a year."


def test_format_flowed_lines_are_joined() -> None:
    ctype = "text/plain; charset=utf-8; format=flowed; delsp=no"
    parsed = parse(eml(b"We share legal \r\nwith Worthing.\r\n", content_type=ctype))
    assert parsed.body_text == "We share legal with Worthing."


def test_headers_fields() -> None:
    data = eml(
        b"Hello\n",
        "Return-Path: <Jo.Bloggs@Adur.gov.uk>",
        "Received: from a by b; Mon, 3 Jun 2024 10:12:00 +0100",
        "Received: from c by d; Mon, 3 Jun 2024 10:11:00 +0100",
        "In-Reply-To: <ack-1@local.gov.uk>",
        "References: <a@x> (comment)\r\n <ack-1@local.gov.uk>",
    )
    parsed = parse(data)
    assert parsed.message_id == "<m1@adur.gov.uk>"
    assert (parsed.from_name, parsed.from_email) == ("Jo Bloggs", "jo.bloggs@adur.gov.uk")
    assert parsed.return_path == "jo.bloggs@adur.gov.uk"
    assert parsed.in_reply_to == "<ack-1@local.gov.uk>"
    assert parsed.references == ["<a@x>", "<ack-1@local.gov.uk>"]
    assert parsed.headers["received"].count("\n") == 1
    assert parsed.date is not None and parsed.date.isoformat() == "2024-06-03T10:12:00+01:00"


@pytest.mark.parametrize(
    ("header", "name", "address"),
    [
        ("From: =?utf-8?q?Bloggs=2C_Jo?= <jo@adur.gov.uk>", "Bloggs, Jo", "jo@adur.gov.uk"),
        ('From: "Bloggs, Jo" <JO@ADUR.GOV.UK>', "Bloggs, Jo", "jo@adur.gov.uk"),
        ("From: jo@adur.gov.uk", None, "jo@adur.gov.uk"),
        ("From: Jo Bloggs jo@adur.gov.uk", None, "jo@adur.gov.uk"),  # broken, address kept
        ("From: Jo Bloggs", None, None),
    ],
)
def test_sender(header: str, name: str | None, address: str | None) -> None:
    data = eml(b"Hi\n", header).replace(b"From: Jo Bloggs <jo.bloggs@adur.gov.uk>\r\n", b"", 1)
    parsed = parse(data)
    assert (parsed.from_name, parsed.from_email) == (name, address)


@pytest.mark.parametrize(
    ("raw", "subject"),
    [
        ("Réponse £5".encode(), "Réponse £5"),  # raw UTF-8, against the RFC but common
        ("Réponse £5".encode("cp1252"), "Réponse £5"),  # raw cp1252
    ],
)
def test_raw_8bit_subject(raw: bytes, subject: str) -> None:
    data = eml(b"x\n").replace(b"Subject: Shared legal service", b"Subject: " + raw)
    parsed = parse(data)
    assert (parsed.subject, parsed.headers["subject"]) == (subject, subject)


def test_null_return_path_and_unreadable_date() -> None:
    data = eml(b"x\n", "Return-Path: <>").replace(b"Mon, 3 Jun 2024", b"Someday")
    parsed = parse(data)
    assert parsed.return_path == "<>"
    assert parsed.date is None and parsed.warnings[0].startswith("unreadable Date header")


def test_rfc2047_subject() -> None:
    parsed = fixture("html_only_table.eml")
    assert parsed.subject == "Shared regulatory services – form"
    assert parsed.from_name == "Siân Evans"


def test_html_only_table_becomes_label_value_lines() -> None:
    parsed = fixture("html_only_table.eml")
    assert parsed.content_type == "text/html"
    assert "Lead council: Cardiff Council" in parsed.new_text
    assert "Annual saving: £1.2m" in parsed.new_text


def test_hostile_html_gives_inert_text() -> None:
    text = fixture("html_only_table.eml").body_text
    assert not any(bad in text for bad in ("<", "cookie", "alert", "steal", "javascript"))


ALTERNATIVE = b"""--b
Content-Type: text/plain; charset=utf-8

%s
--b
Content-Type: text/html; charset=utf-8

%s
--b--
"""
ALT = 'multipart/alternative; boundary="b"'


@pytest.mark.parametrize(
    ("plain", "expected"),
    [(b"From the plain part", "From the plain part"), (b"  \r\n", "From the HTML part")],
)
def test_alternative_prefers_plain_unless_empty(plain: bytes, expected: str) -> None:
    data = eml(ALTERNATIVE % (plain, b"<p>From the <b>HTML</b> part</p>"), content_type=ALT)
    assert parse(data).body_text == expected


def test_alternative_with_a_placeholder_plain_part_reads_the_html() -> None:
    html = b"<p>Adur and Worthing share one legal team, saving money.</p>" * 5
    data = eml(ALTERNATIVE % (b"Please view this message in HTML.", html), content_type=ALT)
    assert parse(data).body_text.startswith("Adur and Worthing share one legal team")


def test_outlook_reply_splits_new_quoted_and_signature() -> None:
    parsed = fixture("outlook_reply.eml")
    assert parsed.new_text == "Hello,\n\nThe savings were £350k a year from 2017/18."
    assert parsed.quoted_text.startswith("-----Original Message-----\nFrom: Shared Services")
    assert parsed.signature.startswith("Kind regards\n\nJo Bloggs\nHead of Legal Services")


def test_gmail_reply_on_wrote() -> None:
    parsed = fixture("gmail_reply.eml")
    assert parsed.new_text == "It started in 2015 and is still running."
    assert parsed.quoted_text.startswith("On Mon, 3 Jun 2024 at 10:00, Shared Services")
    assert parsed.signature == "Thanks,\nSam"


@pytest.mark.parametrize(
    ("name", "sender", "new_text"),
    [
        (
            "forwarded_gmail.eml",
            "Alex Green <alex.green@mid-sussex.gov.uk>",
            "Passing this on for your survey.\n\nHorsham and Mid Sussex run a joint waste"
            " contract since 2019, saving £400k a year.",
        ),
        (
            "forwarded_outlook.eml",
            '"Lee, Chris" <chris.lee@babergh.gov.uk>',
            "Babergh and Mid Suffolk share one ICT service.",
        ),
    ],
)
def test_forwarded_text_is_the_submission(name: str, sender: str, new_text: str) -> None:
    parsed = fixture(name)
    assert (parsed.forwarded_from, parsed.new_text) == (sender, new_text)


def test_signature_and_disclaimer_leave_the_new_text() -> None:
    parsed = fixture("signature_disclaimer.eml")
    assert parsed.new_text == (
        "South Norfolk and Broadland share one HR and payroll team since 2018."
    )
    assert parsed.signature.startswith("Many thanks,\n\nKim Patel\nHR Business Partner")
    assert "confidential" in parsed.signature and "CAUTION" in parsed.signature


def test_attached_eml_is_an_attachment_with_its_body_as_text() -> None:
    parsed = fixture("attached_eml.eml")
    [attachment] = parsed.attachments
    assert (attachment.filename, attachment.sniffed_type) == ("Shared legal service.eml", "eml")
    assert attachment.text == "One legal team serves both councils, saving £350k a year."
    assert parsed.forwarded_from == "Legal Team <legal@adur-worthing.gov.uk>"
    assert parsed.body_text == "See the attached message."


MIXED = b"""--m
Content-Type: text/plain

See attached.
--m
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="=?utf-8?q?report_=C2=A3.pdf?="
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IK
--m
Content-Type: image/png
Content-ID: <image001.png@01DA>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--m--
"""


def test_attachments_are_sniffed_and_named() -> None:
    parsed = parse(eml(MIXED, content_type='multipart/mixed; boundary="m"'))
    found = [(a.filename, a.content_type, a.sniffed_type) for a in parsed.attachments]
    assert found == [
        ("report £.pdf", "application/octet-stream", "pdf"),
        ("part1.png", "image/png", "image"),
    ]
    assert parsed.body_text == "See attached."


def test_oversize_attachment_is_kept_unread_with_a_warning() -> None:
    limits = LimitsSettings(max_attachment_bytes=5)
    parsed = parse(eml(MIXED, content_type='multipart/mixed; boundary="m"'), limits)
    pdf = parsed.attachments[0]
    assert (pdf.size, pdf.data) == (15, b"")
    assert (
        parsed.warnings[0]
        == "attachment report £.pdf is 15 bytes, over the 5 bytes limit: not read"
    )


def test_oversize_attachment_warning_in_megabytes() -> None:
    limits = LimitsSettings(max_message_bytes=60_000_000, max_attachment_bytes=15_000_000)
    big = b"--m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;"
    big += b' filename="report.pdf"\r\n\r\n%PDF-1.4\n' + b"0" * 40_000_000 + b"\r\n--m--\r\n"
    parsed = parse(eml(big, content_type='multipart/mixed; boundary="m"'), limits)
    assert parsed.warnings == ["attachment report.pdf is 40 MB, over the 15 MB limit: not read"]


def test_readers_run_and_their_failures_become_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    def read_pdf(attachment: Attachment, limits: LimitsSettings) -> None:
        raise ValueError("encrypted")

    monkeypatch.setitem(attachments_module.READERS, "pdf", lambda a, limits: None)  # restored after
    register_reader("pdf", read_pdf)
    parsed = parse(eml(MIXED, content_type='multipart/mixed; boundary="m"'))
    assert parsed.attachments[0].warnings == ["could not read report £.pdf: encrypted"]


def test_readers_given_to_parse_message() -> None:
    def read_pdf(attachment: Attachment, limits: LimitsSettings) -> None:
        attachment.fields["lead"] = "Adur"

    data = eml(MIXED, content_type='multipart/mixed; boundary="m"')
    parsed = parse_message(data, LIMITS, RULES, readers={"pdf": read_pdf})
    assert parsed.attachments[0].fields == {"lead": "Adur"}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty message"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a mail message"),
        (b"just some words\nand more\n", "not a mail message"),
        (b"X-Thing: 1\n\nbody\n", "not a mail message: no From"),
    ],
)
def test_not_a_message_raises_parse_error(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(data)


def test_message_over_the_size_limit_raises() -> None:
    limits = LimitsSettings(max_message_bytes=1_000_000)
    with pytest.raises(ParseError, match=r"message is 2 MB, over the 1 MB limit"):
        parse(eml(b"x" * 2_000_000), limits)


@pytest.mark.parametrize(
    "data",
    [
        eml(b"--b\r\n" * 3, content_type='multipart/mixed; boundary="b"'),
        eml(b"no boundary here\n", content_type="multipart/mixed"),
        eml(b"x\n", content_type="text/plain; charset="),
        eml(b"x\n", content_type="garbage"),
        eml(b"\x00\xff\xfe binary body", content_type=None),
        eml(
            b"".join(
                b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1)
                for i in range(200)
            ),
            content_type='multipart/mixed; boundary="b0"',
        ),
    ],
)
def test_broken_structure_still_parses(data: bytes) -> None:
    assert parse(data).message_id == "<m1@adur.gov.uk>"


def test_mbox_separator_line_is_skipped() -> None:
    parsed = parse(b"From jo@adur.gov.uk Mon Jun  3 10:12:00 2024\n" + eml(b"Hello\n"))
    assert (parsed.from_email, parsed.body_text) == ("jo.bloggs@adur.gov.uk", "Hello")


def test_mime_nested_too_deep_for_the_parser_is_read_as_text() -> None:
    levels = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1)
        for i in range(5000)
    )
    parsed = parse(eml(levels + b"deep\r\n", content_type='multipart/mixed; boundary="b0"'))
    assert parsed.body_text.endswith("deep")
    assert parsed.warnings == ["multipart/mixed whose parts cannot be read: read as plain text"]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<div>Line one<br>Line two</div>", "Line one\nLine two"),
        ("<div>a</div><div><br></div><div>b</div>", "a\n\nb"),
        ("<ul><li>Legal</li><li>HR &amp; payroll</li></ul>", "- Legal\n- HR & payroll"),
        ("<table><tr><td>Lead:</td><td>Adur</td></tr></table>", "Lead: Adur"),
        ("<table><tr><td>a</td><td>b</td><td>c</td></tr></table>", "a | b | c"),
        (
            "<table><tr><th>About</th><td><p>One.</p><p>Two.</p></td></tr></table>",
            "About: One.\n\nTwo.",
        ),
        ("<table><tr><td><p>A</p><p>B</p></td><td>C</td></tr></table>", "A\n\nB\n\nC"),
        ("<p>x&nbsp;&nbsp;y &pound;5</p>", "x y £5"),
        ("<blockquote>said before</blockquote>now", "> said before\n\nnow"),
        ("<script>alert(1)</script><style>p{}</style>ok", "ok"),
        ("<img src=x onerror=alert(1)><b onclick='x()'>bold</b>", "bold"),
        ("plain &amp; simple", "plain & simple"),
        ("http://example.com", "http://example.com"),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 20_000 + "deep" + "</div>" * 20_000,
        "<table><tr><td>" * 2_000 + "deep",
        "<blockquote>" * 2_000 + "deep",
        '<p title="' + "a" * 3_000_000 + '">deep</p>',
    ],
)
def test_html_to_text_survives_hostile_nesting(html: str) -> None:
    assert html_to_text(html).endswith("deep")


def _zip(member: str, content: bytes = b"<x/>") -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, content)
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


@pytest.mark.parametrize(
    ("data", "filename", "declared", "expected"),
    [
        (b"%PDF-1.7\n...", "form.docx", "application/octet-stream", "pdf"),
        (b"not a pdf at all", "form.pdf", "application/pdf", "text"),
        (_zip("word/document.xml"), "x.bin", "application/octet-stream", "docx"),
        (_zip("xl/workbook.xml"), "x", "", "xlsx"),
        (_zip("other.txt"), "form.docx", "", "zip"),
        (b"PK\x03\x04broken", "form.docx", "", "docx"),
        (OLE + "__substg1.0_0037001F".encode("utf-16-le"), "x", "", "msg"),
        (OLE + "WordDocument".encode("utf-16-le"), "x", "", "doc"),
        (OLE + "Workbook".encode("utf-16-le"), "x", "", "xls"),
        (OLE, "x", "", "ole"),
        (b"\x78\x9f\x3e\x22\x01\x00", "winmail.dat", "application/ms-tnef", "tnef"),
        (b"\x78\x9f\x3e\x22\x01\x00...%PDF-1.7", "winmail.dat", "", "tnef"),  # holds a PDF
        (_zip("form.pdf", b"%PDF-1.7"), "forms.zip", "", "zip"),  # a stored PDF inside
        (b"\x89PNG\r\n\x1a\n\x00", "logo.pdf", "image/png", "image"),
        (b"\xff\xd8\xff\xe0", "photo.jpg", "image/jpeg", "image"),
        (b"Council,Service,Saving\nAdur,Legal,350000\nWorthing,HR,1000\n", "x.txt", "", "csv"),
        (b"Council;Service\nAdur;Legal\n", "data", "text/plain", "csv"),
        (b"Dear team, we share services.\nKind regards, Jo\n", "note.txt", "text/plain", "text"),
        (b"From: a@b.gov.uk\nSubject: x\nDate: y\n\nbody", "msg.txt", "", "eml"),
        (b"Received: from x\nFrom: a@b\n\nbody", "noext", "", "eml"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "page", "", "html"),
        (bytes(range(256)) * 4, "form.pdf", "application/pdf", "other"),
    ],
)
def test_sniff_type_trusts_content(
    data: bytes, filename: str, declared: str, expected: str
) -> None:
    assert sniff_type(data, filename, declared) == expected


def test_a_forward_of_a_forward_is_read_through_to_the_original() -> None:
    """GIVEN 'FW: Fwd:' with an Outlook block around a Gmail forward WHEN parsed THEN the
    original author is the forwarded sender and their words are in the new text."""
    body = (
        "Hello,\n\nPassing this on.\n\nKaren\n\n-----Original Message-----\n"
        "From: Andrew Barratt <andrew.barratt@tamworth.gov.uk>\nSent: 10 December 2026 16:20\n"
        "To: Karen Doyle <karen.doyle@tamworth.gov.uk>\nSubject: Fwd: Joint Waste Service\n\n"
        "Karen - can you send this on to the LGA?\n\n"
        "---------- Forwarded message ---------\n"
        "From: Nigel Hurst <nigel.hurst@lichfielddc.gov.uk>\nDate: Wed, 9 Dec 2026 at 11:05\n"
        "Subject: Joint Waste Service\n\nThe Joint Waste Service is a partnership between "
        "Lichfield and Tamworth, hosted by Lichfield.\n"
    )
    data = (
        "From: Karen Doyle <karen.doyle@tamworth.gov.uk>\nTo: sharedservices@local.gov.uk\n"
        "Subject: FW: Fwd: Joint Waste Service\nMessage-ID: <fwfw@tamworth.gov.uk>\n"
        "Content-Type: text/plain; charset=utf-8\n\n" + body
    ).encode()
    parsed = parse(data)
    assert parsed.forwarded_from == "Nigel Hurst <nigel.hurst@lichfielddc.gov.uk>"
    assert "hosted by Lichfield" in parsed.new_text
    assert "Forwarded message" not in parsed.new_text
