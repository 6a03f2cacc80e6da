"""The reply's MIME, written by hand, reads back exactly as the stdlib generator's did.

``generator_mime`` below is the previous build_mime (MIMEMultipart and the compat32
generator), kept to compare against: for every reply, parsing both with the
stdlib parser must give the same headers, the same parts and the same decoded
text and HTML.
"""

import email
import email.policy
import random
import re
from datetime import UTC, datetime
from email import charset as charsets
from email.header import Header, decode_header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, getaddresses

import pytest

from intake.reply import OutgoingReply
from intake.reply.mime import _boundary, build_mime, references_for
from intake.reply.render import ReplyRenderer
from tests.test_reply_render import RULES, TEMPLATES, context, legal_service, resilience_partnership

# --- the previous implementation ----------------------------------------------

_QP_UTF8 = charsets.Charset("utf-8")
_QP_UTF8.body_encoding = charsets.QP
_POLICY = compat32.clone(linesep="\r\n", max_line_length=998)


def _old_part(text: str, subtype: str) -> MIMEText:
    body = text if text.endswith("\n") else text + "\n"
    part = MIMEText(body, subtype, _charset=_QP_UTF8)  # type: ignore[arg-type]
    del part["MIME-Version"]
    return part


def generator_mime(reply: OutgoingReply) -> bytes:
    msg = MIMEMultipart("alternative", boundary=_boundary(reply.message_id), policy=_POLICY)
    msg["From"] = formataddr((reply.from_name, reply.from_address), charset="utf-8")
    msg["To"] = ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([reply.to]))
    subject = reply.subject
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    date = reply.date if reply.date.tzinfo else reply.date.replace(tzinfo=UTC)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = reply.message_id
    if reply.in_reply_to:
        msg["In-Reply-To"] = reply.in_reply_to
    references = references_for(reply)
    if references:
        msg["References"] = " ".join(references)
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["Precedence"] = "auto_reply"
    msg["Content-Language"] = "en-GB"
    msg.attach(_old_part(reply.text, "plain"))
    msg.attach(_old_part(reply.html, "html"))
    return msg.as_bytes(policy=_POLICY)


# --- helpers ------------------------------------------------------------------

WELSH = "Cyngor Sir Ynys Môn"
LONG = "Gwasanaeth cyfreithiol a rennir rhwng Cyngor Sir Ynys Môn a Chyngor Gwynedd " * 3


def reply(**changes: object) -> OutgoingReply:
    fields: dict[str, object] = {
        "message_id": "<3f2a9c@local.gov.uk>",
        "from_address": "sharedservices@local.gov.uk",
        "from_name": "LGA Shared Services",
        "to": "jo.bloggs@adur-worthing.gov.uk",
        "subject": "Re: Shared legal service [SS-2026-00042]",
        "in_reply_to": "<orig@adur-worthing.gov.uk>",
        "references": ["<first@adur-worthing.gov.uk>"],
        "text": "Dear Jo,\n\nWe have recorded it.\n",
        "html": "<p>Dear Jo,</p>\n<p>We have recorded it.</p>\n",
        "date": datetime(2026, 12, 4, 15, 30, tzinfo=UTC),
    }
    return OutgoingReply.model_validate(fields | changes)


def read_back(data: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str | None, str]]]:
    """Header values and (type, charset, decoded content) of each part, as parsed."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert not message.defects
    parts = []
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage) and not part.defects
        parts.append((part.get_content_type(), part.get_content_charset(), part.get_content()))
    return [(name, str(value)) for name, value in message.items()], parts


def assert_wire_safe(data: bytes) -> None:
    """7-bit, CRLF only, no line over 998 octets, no quoted-printable line over 76."""
    assert data.isascii()
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    head, _, body = data.partition(b"\r\n\r\n")
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    assert all(len(line) <= 76 or line.startswith(b"--=_intake_") for line in body.split(b"\r\n"))


# --- the same message as before -------------------------------------------------

CASES = {
    "ascii": {},
    "welsh names": {"from_name": WELSH, "to": f"{WELSH} <post@ynysmon.llyw.cymru>"},
    "welsh subject": {"subject": f"Re: Gwasanaethau a rennir – {WELSH} [SS-2026-00042]"},
    "long welsh subject": {"subject": f"Re: {LONG}"},
    "pound signs": {"text": "£350,000 a year; £1,200,000 in total\n", "html": "<li>£350,000</li>"},
    "long lines": {
        "text": ("word " * 60).strip() + "\n" + "x" * 250,
        "html": "<p>" + LONG + "</p>",
    },
    "from and dots": {"text": "From the team\n.\n.hidden\nFrom\n", "html": "From <b>x</b>\n.\n"},
    "trailing spaces": {"text": "a line  \nanother\t\n" + "y" * 74 + " \n" + "z" * 75 + "\t\n"},
    "crlf and cr": {"text": "one\r\ntwo\rthree\n", "html": "<p>a</p>\r\n<p>b</p>"},
    "equals and controls": {"text": "a=b ==\n\x00\x0b\x7f end", "html": ""},
    "emoji": {"text": "Diolch 😀\n", "subject": "Diolch 😀 " * 12},
    "no thread": {"in_reply_to": None, "references": []},
    "long thread": {"references": [f"<{'r' * 40}{n}@adur-worthing.gov.uk>" for n in range(30)]},
    "quoted name": {"from_name": "Shared Services, LGA", "to": '"Bloggs, Jo" <jo@x.gov.uk>'},
    "naive date": {"date": datetime(2026, 1, 2, 3, 4, 5)},
}


@pytest.mark.parametrize("changes", CASES.values(), ids=CASES.keys())
def test_reads_back_as_the_generator_wrote_it(changes: dict[str, object]) -> None:
    """GIVEN any reply WHEN built THEN headers and decoded parts equal the generator's."""
    outgoing = reply(**changes)
    data = build_mime(outgoing)
    assert read_back(data) == read_back(generator_mime(outgoing))
    assert_wire_safe(data)


@pytest.mark.parametrize("seed", range(40))
def test_random_replies_read_back_as_before(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = [*"ab  \t.=Fŵô£–\n\r\x00é😀", "From ", "\n.", "\r\n", " \n", "=\n"]

    def noise(size: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, size)))

    outgoing = reply(
        text=noise(600),
        html=noise(600),
        subject=" ".join(noise(150).splitlines()),
        from_name=rng.choice(["LGA Shared Services", WELSH, ""]),
    )
    data = build_mime(outgoing)
    assert read_back(data) == read_back(generator_mime(outgoing))
    assert_wire_safe(data)


@pytest.fixture(scope="module")
def renderer() -> ReplyRenderer:
    return ReplyRenderer(TEMPLATES, RULES)


@pytest.mark.parametrize("kind", ["acknowledgement", "query"])
def test_the_usual_replies_are_byte_for_byte_as_before(renderer: ReplyRenderer, kind: str) -> None:
    entries = [legal_service()] if kind == "acknowledgement" else [resilience_partnership()]
    rendered = renderer.render(context(kind, entries))  # type: ignore[arg-type]
    outgoing = reply(subject=rendered.subject, text=rendered.text, html=rendered.html)
    assert build_mime(outgoing) == generator_mime(outgoing)


# --- what the wire must hold ------------------------------------------------------


def test_thread_headers_are_never_folded() -> None:
    ids = [f"<{'r' * 60}{n}@adur-worthing.gov.uk>" for n in range(8)]  # 700+ characters
    data = build_mime(reply(message_id=f"<{'m' * 200}@local.gov.uk>", references=ids))
    lines = data.partition(b"\r\n\r\n")[0].decode().split("\r\n")
    assert f"Message-ID: <{'m' * 200}@local.gov.uk>" in lines
    assert "In-Reply-To: <orig@adur-worthing.gov.uk>" in lines
    assert "References: " + " ".join([*ids, "<orig@adur-worthing.gov.uk>"]) in lines


def test_non_ascii_subject_is_encoded_words_of_whole_characters() -> None:
    subject = f"Re: {LONG}ŵŷ😀" * 2
    data = build_mime(reply(subject=subject))
    head = data.partition(b"\r\n\r\n")[0].decode()
    folded = re.search(r"^Subject: (.*?)\r\n(?=\S)", head, re.M | re.S)
    assert folded
    words = folded.group(1).split("\r\n ")
    assert len(words) > 3
    for word in words:
        assert re.fullmatch(r"=\?utf-8\?q\?[!-~]+\?=", word) and len(word) <= 75
        [(raw, charset)] = decode_header(word)
        assert charset == "utf-8" and isinstance(raw, bytes)
        raw.decode("utf-8")  # each word holds whole characters
    assert read_back(data)[0][4] == ("Subject", subject)


def test_a_full_line_ending_in_a_space_stays_within_76() -> None:
    """binascii.b2a_qp writes such a line 77 or 78 characters long."""
    for width in (73, 74, 75, 76):
        text = "x" * width + " \n" + "y" * width + "\t\n"
        data = build_mime(reply(text=text))
        assert_wire_safe(data)
        assert read_back(data)[1][0][2].replace("\r\n", "\n") == text


def test_the_parts_are_quoted_printable_utf8_text_then_html() -> None:
    data = build_mime(reply(text="£5\n", html="<p>£5</p>\n"))
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["MIME-Version"] == "1.0"
    assert message["Content-Language"] == "en-GB"
    parts = list(message.walk())[1:]
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p["Content-Transfer-Encoding"] for p in parts] == ["quoted-printable"] * 2
    assert b"=C2=A35" in data


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Re: savings\r\nBcc: someone@example.org"},
        {"subject": "Re: Môn\nBcc: someone@example.org"},
        {"from_name": "Shared Services\nBcc: someone@example.org"},
        {"in_reply_to": "<a@x>\rBcc: someone@example.org"},
    ],
)
def test_a_line_break_in_a_header_value_cannot_start_another_header(
    changes: dict[str, object],
) -> None:
    """The generator wrote such a value's break as a bare CRLF: a header of its own."""
    message = email.message_from_bytes(build_mime(reply(**changes)), policy=email.policy.default)
    assert not message.defects
    assert message["Bcc"] is None
    [field] = changes
    header = {"subject": "Subject", "from_name": "From", "in_reply_to": "In-Reply-To"}[field]
    assert "Bcc: someone@example.org" in message[header]
