"""Kinds of mail, automated-mail signals (RFC 3834) and bounce recovery."""

import json
from pathlib import Path

import pytest

from intake.config import LimitsSettings
from intake.contract import Kind
from intake.errors import RulesError
from intake.extract.kinds import (
    KindRules,
    automated_reason,
    bounced_message_ids,
    classify_kind,
    find_reference,
)
from intake.messages import ParsedMessage
from intake.parse.mime import parse_message

RULES_DIR = Path(__file__).parents[1] / "rules"
RULES = KindRules.load(RULES_DIR)
DATA = Path(__file__).parent / "data" / "parse"
OURS = "sharedservices@local.gov.uk"


def message(
    *headers: str,
    subject: str = "Shared legal service",
    sender: str = "Jo Bloggs <jo.bloggs@adur.gov.uk>",
    body: str = "Adur and Worthing share one legal team.",
    content_type: str = "text/plain; charset=utf-8",
) -> ParsedMessage:
    lines = [
        f"From: {sender}",
        f"To: {OURS}",
        f"Subject: {subject}",
        "Date: Mon, 3 Jun 2024 10:12:00 +0100",
        "Message-ID: <m1@adur.gov.uk>",
        f"Content-Type: {content_type}",
        *headers,
    ]
    data = ("\n".join(lines) + "\n\n" + body + "\n").encode()
    return parse_message(data, LimitsSettings(), RULES)


def fixture(name: str) -> ParsedMessage:
    return parse_message((DATA / name).read_bytes(), LimitsSettings(), RULES)


@pytest.mark.parametrize("sample", sorted(DATA.glob("*.eml")), ids=lambda p: p.stem)
def test_sample_messages_classify_as_expected(sample: Path) -> None:
    """GIVEN a real-looking message WHEN classified THEN it matches the JSON beside it."""
    expected = json.loads(sample.with_suffix(".json").read_text(encoding="utf-8"))["kind"]
    parsed = fixture(sample.name)
    assert {
        "kind": classify_kind(parsed, RULES, OURS),
        "reference": find_reference(parsed, RULES),
        "automated_reason": automated_reason(parsed, RULES, OURS),
        "bounced_message_ids": bounced_message_ids(parsed),
    } == expected


READ_RECEIPT = message(
    content_type="multipart/report; report-type=disposition-notification; boundary=R",
    subject="Read: [SS-2026-00042] Thank you for your example",
    body="--R\nContent-Type: text/plain\n\nYour message was read.\n--R--\n",
)
DELIVERED = parse_message(
    (DATA / "dsn_bounce.eml").read_bytes().replace(b"Action: failed", b"Action: delivered"),
    LimitsSettings(),
    RULES,
)

QUOTED_REFERENCE = (
    "Yes, still running.\n\nOn Mon, 3 Jun 2024 at 10:00, SS wrote:\n> Ref SS-2026-00042"
)


@pytest.mark.parametrize(
    ("parsed", "kind"),
    [
        pytest.param(fixture("dsn_bounce.eml"), "bounce", id="dsn-report"),
        pytest.param(message(sender="MAILER-DAEMON@mx.adur.gov.uk"), "bounce", id="mailer-daemon"),
        pytest.param(message(subject="Undeliverable: Your example"), "bounce", id="undeliverable"),
        pytest.param(
            message(subject="Delivery Status Notification (Failure)"), "bounce", id="dsn-subject"
        ),
        pytest.param(message("Auto-Submitted: auto-replied"), "auto_reply", id="auto-submitted"),
        pytest.param(message("Auto-Submitted: auto-generated"), "auto_reply", id="auto-generated"),
        pytest.param(message("Auto-Submitted: no"), "submission", id="auto-submitted-no"),
        pytest.param(message("X-Autoreply: yes"), "auto_reply", id="x-autoreply"),
        pytest.param(message("X-Autorespond: on"), "auto_reply", id="x-autorespond"),
        pytest.param(message("Precedence: auto_reply"), "auto_reply", id="precedence-auto-reply"),
        pytest.param(message(subject="Automatic reply: Shared legal"), "auto_reply", id="en"),
        pytest.param(message(subject="Out of Office: back Monday"), "auto_reply", id="ooo"),
        pytest.param(message(subject="[EXTERNAL] Out of office"), "auto_reply", id="tagged"),
        pytest.param(message(subject="Abwesenheitsnotiz: Shared"), "auto_reply", id="de"),
        pytest.param(message(subject="Automatische Antwort: Shared"), "auto_reply", id="de-2"),
        pytest.param(message(subject="Réponse automatique : Shared"), "auto_reply", id="fr"),
        pytest.param(message(subject="Respuesta automática: Shared"), "auto_reply", id="es"),
        pytest.param(message(subject="Ateb awtomatig: Shared"), "auto_reply", id="cy"),
        pytest.param(message(subject="[SS-2026-00042] more facts"), "follow_up", id="ref-subject"),
        pytest.param(message(body="About ss-2026-00042: £1m."), "follow_up", id="ref-body"),
        pytest.param(
            message("In-Reply-To: <ack-42@local.gov.uk>", body=QUOTED_REFERENCE),
            "follow_up",
            id="reply-quoting-reference",
        ),
        pytest.param(message(body=QUOTED_REFERENCE), "submission", id="quoted-ref-no-thread"),
        pytest.param(
            message("In-Reply-To: <ack-42@local.gov.uk>"), "follow_up", id="reply-to-our-id"
        ),
        pytest.param(
            message("In-Reply-To: <x@adur.gov.uk>"), "submission", id="reply-to-someone-else"
        ),
        pytest.param(message("List-Id: <news.lga.gov.uk>"), "not_submission", id="list-id"),
        pytest.param(
            message("List-Unsubscribe: <mailto:u@x>"), "not_submission", id="list-unsubscribe"
        ),
        pytest.param(message("Precedence: bulk"), "not_submission", id="precedence-bulk"),
        pytest.param(
            message(body="Adur and Worthing share a legal team.\n\nUnsubscribe: https://x.io/u"),
            "not_submission",
            id="unsubscribe-without-list-headers",
        ),
        pytest.param(
            message(
                body="Adur and Worthing share a legal team. You are receiving this "
                "because you work in local government."
            ),
            "not_submission",
            id="receiving-this-because",
        ),
        pytest.param(message(sender=OURS), "not_submission", id="our-own-address"),
        pytest.param(message(), "submission", id="plain"),
        pytest.param(READ_RECEIPT, "auto_reply", id="read-receipt"),
        pytest.param(DELIVERED, "bounce", id="delivery-receipt"),
        pytest.param(fixture("outlook_reply.eml"), "follow_up", id="outlook-reply"),
    ],
)
def test_classify_kind(parsed: ParsedMessage, kind: Kind) -> None:
    assert classify_kind(parsed, RULES, OURS) == kind


@pytest.mark.parametrize(
    ("parsed", "reason"),
    [
        (message(), None),
        (message("Auto-Submitted: no"), None),
        (message("Auto-Submitted: No (sent by a person)"), None),
        (message("Auto-Submitted: auto-replied"), "Auto-Submitted: auto-replied"),
        (message("X-Autoreply: yes"), "x-autoreply header present"),
        (message("List-Id: <news.lga.gov.uk>"), "mailing list (list-id present)"),
        (message("Precedence: junk"), "Precedence: junk"),
        (message("Precedence: auto_reply"), "Precedence: auto_reply"),
        (message("X-Auto-Response-Suppress: All"), "X-Auto-Response-Suppress: all"),
        (message("X-Auto-Response-Suppress: None"), None),
        (message("Return-Path: <>"), "null return path <>"),
        (message(sender="noreply@adur.gov.uk"), "automated sender noreply@adur.gov.uk"),
        (message(sender="No-Reply@adur.gov.uk"), "automated sender no-reply@adur.gov.uk"),
        (message(sender="donotreply@adur.gov.uk"), "automated sender donotreply@adur.gov.uk"),
        (message(sender="do_not_reply@x.gov.uk"), "automated sender do_not_reply@x.gov.uk"),
        (message(sender="postmaster@adur.gov.uk"), "automated sender postmaster@adur.gov.uk"),
        (message(sender="mailer-daemon@x.gov.uk"), "automated sender mailer-daemon@x.gov.uk"),
        (message(sender="Jo <noreplying.jo@x.gov.uk>"), None),  # only whole local parts
        (message(sender=OURS), "sent from our own address"),
        (message(sender="Jo Bloggs"), "no sender address"),
        (message(subject="Out of office"), "out-of-office subject"),
        (fixture("dsn_bounce.eml"), "Auto-Submitted: auto-replied"),
        (READ_RECEIPT, "report-type=disposition-notification"),
    ],
)
def test_automated_reason(parsed: ParsedMessage, reason: str | None) -> None:
    assert automated_reason(parsed, RULES, OURS) == reason


@pytest.mark.parametrize(
    ("parsed", "reference"),
    [
        (message(subject="Re: [SS-2026-00001]", body="see SS-2026-00002"), "SS-2026-00001"),
        (message(body="see ss-2026-00002\n\n> SS-2026-00003"), "SS-2026-00002"),
        (message(body=QUOTED_REFERENCE), "SS-2026-00042"),
        (message(body="SS-2026-0004 is too short, XSS-2026-000420 too long"), None),
        # a subject that lost it, nothing quoted: the Message-ID of our reply names it
        (
            message(
                "In-Reply-To: <SS-2026-00077.3f2a9c@local.gov.uk>",
                subject="RE: Legal",
                body="About £58k a year.",
            ),
            "SS-2026-00077",
        ),
    ],
)
def test_find_reference(parsed: ParsedMessage, reference: str | None) -> None:
    assert find_reference(parsed, RULES) == reference


HEADERS_REPORT = """--B
Content-Type: text/plain

Delivery has failed to these recipients.
--B
Content-Type: text/rfc822-headers

From: sharedservices@local.gov.uk
Message-ID: <ack-7@local.gov.uk>
Subject: [SS-2026-00007] Thank you
--B--
"""


@pytest.mark.parametrize(
    ("parsed", "ids"),
    [
        (fixture("dsn_bounce.eml"), ["<ack-42.1717750800@local.gov.uk>"]),
        (  # a returned header the generator refuses to write (form feed): found all the same
            parse_message(
                (DATA / "dsn_bounce.eml")
                .read_bytes()
                .replace(b"Subject: [SS-2026-00042]", b"Subject: \x0cDate: now"),
                LimitsSettings(),
                RULES,
            ),
            ["<ack-42.1717750800@local.gov.uk>"],
        ),
        (
            message(
                content_type="multipart/report; report-type=delivery-status; boundary=B",
                sender="postmaster@adur.gov.uk",
                body=HEADERS_REPORT,
            ),
            ["<ack-7@local.gov.uk>"],
        ),
        (
            message(
                sender="postmaster@adur.gov.uk",
                subject="Undeliverable: [SS-2026-00007] Thank you",
                body="Original message headers:\n\nMessage-ID:\n <ack-8@local.gov.uk>\nTo: x",
            ),
            ["<ack-8@local.gov.uk>"],
        ),
        (DELIVERED, []),  # a delivery receipt: nothing bounced
        (message(), []),
    ],
)
def test_bounced_message_ids(parsed: ParsedMessage, ids: list[str]) -> None:
    assert bounced_message_ids(parsed) == ids


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda text: text + "\nunexpected: 1\n", "unexpected: Extra inputs"),
        (lambda text: text.replace("reference: 'SS-", "reference: '(SS-"), "reference"),
        (lambda text: text.replace("max_lines: 10", "max_lines: many"), "signature.max_lines"),
        (lambda text: text.replace("bounce:", "bounces:", 1), "bounce"),
        (lambda text: text + "\n  - [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_rules_raise_rules_error(tmp_path: Path, change: object, error: str) -> None:
    text = (RULES_DIR / "kinds.yaml").read_text(encoding="utf-8")
    (tmp_path / "kinds.yaml").write_text(change(text), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(RulesError, match=error):
        KindRules.load(tmp_path)


def test_missing_rules_file_raises_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"kinds\.yaml: cannot read"):
        KindRules.load(tmp_path)
