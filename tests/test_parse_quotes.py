"""Separating new text from quotes, signatures, disclaimers and forwarded mail."""

from pathlib import Path

import pytest

from intake.extract.kinds import KindRules
from intake.parse.quotes import find_forward, sender_text, split_reply, unflow

RULES = KindRules.load(Path(__file__).parents[1] / "rules")

OUTLOOK_HEADERS = """From: Shared Services <sharedservices@local.gov.uk>
Sent: 03 June 2024 10:00
To: Jo Bloggs <jo@adur.gov.uk>
Subject: [SS-2026-00042] Your example

What were the savings?"""


@pytest.mark.parametrize(
    ("text", "new", "quoted", "signature"),
    [
        pytest.param(
            f"£350k a year.\n\n-----Original Message-----\n{OUTLOOK_HEADERS}",
            "£350k a year.",
            f"-----Original Message-----\n{OUTLOOK_HEADERS}",
            "",
            id="outlook-original-message",
        ),
        pytest.param(
            f"£350k a year.\n\n{OUTLOOK_HEADERS}",
            "£350k a year.",
            OUTLOOK_HEADERS,
            "",
            id="outlook-from-sent-block",
        ),
        pytest.param(
            f"£350k.\n\n________________________________\n{OUTLOOK_HEADERS}",
            "£350k.",
            f"________________________________\n{OUTLOOK_HEADERS}",
            "",
            id="outlook-rule-then-block",
        ),
        pytest.param(
            "Yes.\n*From:* Shared Services\n*Sent:* Monday\n*To:* Jo\n\nQuestion?",
            "Yes.",
            "*From:* Shared Services\n*Sent:* Monday\n*To:* Jo\n\nQuestion?",
            "",
            id="outlook-bold-labels",
        ),
        pytest.param(
            "It began in 2015.\n\nOn Mon, 3 Jun 2024 at 10:00, Shared Services <ss@local.gov.uk>\n"
            "wrote:\n\n> When did it start?\n",
            "It began in 2015.",
            "On Mon, 3 Jun 2024 at 10:00, Shared Services <ss@local.gov.uk>\nwrote:\n\n"
            "> When did it start?",
            "",
            id="gmail-wrapped-on-wrote",
        ),
        pytest.param(
            "On 3 Jun 2024, at 10:00, Shared Services wrote:\n> When did it start?\n\n2015.\n"
            "> And the savings?\n£350k a year.",
            "2015.\n£350k a year.",
            "On 3 Jun 2024, at 10:00, Shared Services wrote:\n> When did it start?\n"
            "> And the savings?",
            "",
            id="bottom-posting-interleaved",
        ),
        pytest.param(
            "Le lun. 3 juin 2024 à 10:00, Shared Services a écrit :\n> Question ?",
            "",
            "Le lun. 3 juin 2024 à 10:00, Shared Services a écrit :\n> Question ?",
            "",
            id="french-header",
        ),
        pytest.param(
            "Ja.\n\nAm 03.06.2024 um 10:00 schrieb Shared Services <ss@local.gov.uk>:\n> Frage",
            "Ja.",
            "Am 03.06.2024 um 10:00 schrieb Shared Services <ss@local.gov.uk>:\n> Frage",
            "",
            id="german-header",
        ),
        pytest.param(
            "We share legal.\n\n-- \nJo Bloggs\nAdur District Council",
            "We share legal.",
            "",
            "-- \nJo Bloggs\nAdur District Council".replace(" \n", "\n"),
            id="dash-dash-space-delimiter",
        ),
        pytest.param(
            "We share legal.\n\nRegards, Jo Bloggs\nHead of Legal\n01903 221000",
            "We share legal.",
            "",
            "Regards, Jo Bloggs\nHead of Legal\n01903 221000",
            id="sign-off-with-name",
        ),
        pytest.param(
            "Thanks, see below. We share legal with Worthing.",
            "Thanks, see below. We share legal with Worthing.",
            "",
            "",
            id="thanks-in-a-sentence-is-not-a-sign-off",
        ),
        pytest.param(
            "Thanks\n\n" + "We share legal with Worthing and it saves a great deal of money. " * 3,
            "Thanks\n\n"
            + ("We share legal with Worthing and it saves a great deal of money. " * 3).rstrip(),
            "",
            "",
            id="sign-off-before-long-text-is-not-a-signature",
        ),
        pytest.param(
            "We share legal.\n\nThis email is confidential and intended only for the addressee.",
            "We share legal.",
            "",
            "This email is confidential and intended only for the addressee.",
            id="disclaimer-without-sign-off",
        ),
        pytest.param(
            "The information in this email is about our shared legal service.",
            "The information in this email is about our shared legal service.",
            "",
            "",
            id="not-every-information-in-this-email-is-a-disclaimer",
        ),
        pytest.param(
            "From: our point of view the saving is large.\nTo: be confirmed.",
            "From: our point of view the saving is large.\nTo: be confirmed.",
            "",
            "",
            id="from-line-in-prose-without-sent",
        ),
        pytest.param(
            "On Monday we met with Worthing.\nThey wrote:",
            "On Monday we met with Worthing.\nThey wrote:",
            "",
            "",
            id="on-without-a-date-is-not-a-header",
        ),
        pytest.param(
            "[EXTERNAL] This email originated from outside the organisation.\n\nWe share HR.",
            "We share HR.",
            "",
            "[EXTERNAL] This email originated from outside the organisation.",
            id="external-banner",
        ),
    ],
)
def test_split_reply(text: str, new: str, quoted: str, signature: str) -> None:
    assert split_reply(text, RULES) == (new, quoted, signature)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jo Bloggs <Jo.Bloggs@adur.gov.uk>", "Jo Bloggs <jo.bloggs@adur.gov.uk>"),
        ("Lee, Chris [mailto:Chris.Lee@babergh.gov.uk]", '"Lee, Chris" <chris.lee@babergh.gov.uk>'),
        ("jo@adur.gov.uk", "jo@adur.gov.uk"),
        ("*Jo Bloggs* <mailto:jo@adur.gov.uk>", "Jo Bloggs <jo@adur.gov.uk>"),
        ("Jo Bloggs", "Jo Bloggs"),
        ("", None),
    ],
)
def test_sender_text(value: str, expected: str | None) -> None:
    assert sender_text(value) == expected


FORWARD_BODY = "Horsham and Mid Sussex share waste.\n\nBest wishes\nAlex"


@pytest.mark.parametrize(
    ("subject", "text", "note", "sender"),
    [
        pytest.param(
            "Fwd: Waste",
            "FYI\n\n---------- Forwarded message ---------\nFrom: Alex Green <alex@msdc.gov.uk>\n"
            f"Date: Tue, 4 Jun 2024\nSubject: Waste\nTo: Clerk <c@h.gov.uk>\n\n{FORWARD_BODY}",
            "FYI",
            "Alex Green <alex@msdc.gov.uk>",
            id="gmail-marker",
        ),
        pytest.param(
            "Fwd: Waste",
            "Begin forwarded message:\n\nFrom: Alex Green <alex@msdc.gov.uk>\nSubject: Waste\n"
            f"Date: 4 June 2024\nTo: c@h.gov.uk\n\n{FORWARD_BODY}",
            "",
            "Alex Green <alex@msdc.gov.uk>",
            id="apple-marker",
        ),
        pytest.param(
            "FW: Waste",
            "See below\n\nFrom: Green, Alex <alex@msdc.gov.uk>\nSent: 04 June 2024 15:30\n"
            f"To: Clerk\nSubject: Waste\n\n{FORWARD_BODY}",
            "See below",
            '"Green, Alex" <alex@msdc.gov.uk>',
            id="outlook-fw-subject",
        ),
        pytest.param(
            "[EXTERNAL] FW: Waste",
            "-----Original Message-----\nFrom: alex@msdc.gov.uk\nSent: Tuesday\n"
            f"Subject: Waste\n\n{FORWARD_BODY}",
            "",
            "alex@msdc.gov.uk",
            id="outlook-original-message-under-fw",
        ),
    ],
)
def test_find_forward(subject: str, text: str, note: str, sender: str) -> None:
    forward = find_forward(text, subject, RULES)
    assert forward is not None
    assert (forward.note, forward.sender, forward.body) == (note, sender, FORWARD_BODY)


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("RE: Waste", f"Thanks.\n\n{OUTLOOK_HEADERS}"),  # a reply quoting, not a forward
        ("Waste", "We share waste collection.\nFrom: 2019."),
    ],
)
def test_no_forward(subject: str, text: str) -> None:
    assert find_forward(text, subject, RULES) is None


@pytest.mark.parametrize(
    ("text", "delsp", "expected"),
    [
        (
            "We share legal \nwith Worthing.\nNext line.",
            False,
            "We share legal with Worthing.\nNext line.",
        ),
        ("Sharedser\nvice", False, "Sharedser\nvice"),
        ("Shared \nservice", True, "Sharedservice"),
        ("> quoted \n> text\nnew", False, "> quoted text\nnew"),
        ("> quoted \nnew", False, "> quoted \nnew"),  # depth changes: no join
        (" From the stuffed line", False, "From the stuffed line"),
        ("Regards\n-- \nJo", False, "Regards\n-- \nJo"),
    ],
)
def test_unflow(text: str, delsp: bool, expected: str) -> None:
    assert unflow(text, delsp) == expected
