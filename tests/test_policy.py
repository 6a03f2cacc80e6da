"""The reply policy: the contract's reply table, loop safety, and who counts as verified."""

from typing import Any

import pytest

from intake.reply.policy import (
    Situation,
    auth_results,
    check_sender,
    decide_reply,
    in_domains,
    reply_address,
)

TO = "jo@adur-worthing.gov.uk"
PUBLIC = ["gov.uk", "nhs.uk", "police.uk", "gov.wales"]


def situation(**changes: Any) -> Situation:
    base: dict[str, Any] = {"kind": "submission", "outcome": "created", "to_address": TO}
    return Situation(**(base | changes))


@pytest.mark.parametrize(
    ("changes", "kind", "reason"),
    [
        ({}, "acknowledgement", "complete"),
        ({"still_missing": True}, "query", "missing"),
        ({"kind": "follow_up", "outcome": "merged"}, "acknowledgement", "complete"),
        ({"kind": "follow_up", "outcome": "merged", "still_missing": True}, "query", "missing"),
        ({"kind": "follow_up", "outcome": "unchanged", "still_missing": True}, None, "nothing"),
        ({"kind": "follow_up", "outcome": "unmatched"}, None, "nothing we hold"),
        ({"outcome": "duplicate"}, "duplicate", "already held"),
        ({"outcome": "none"}, None, "no arrangement"),
        ({"copy_of_earlier": True}, None, "copy"),
        ({"kind": "auto_reply"}, None, "auto_reply"),
        ({"kind": "bounce"}, None, "bounce"),
        ({"kind": "not_submission"}, None, "not_submission"),
        ({"automated_reason": "mailing list (list-id present)"}, None, "mailing list"),
        ({"automated_reason": "Precedence: bulk"}, None, "bulk"),
        ({"automated_reason": "null return path <>"}, None, "null return path"),
        ({"to_address": None}, None, "no sender address"),
        ({"suppressed": True}, None, "bounced"),
        ({"unverified": True}, "acknowledgement", "complete"),
        ({"unverified": True, "reply_to_unverified": False}, None, "unverified"),
        ({"replies_today": 4, "daily_cap": 5}, "acknowledgement", "complete"),
        ({"replies_today": 5, "daily_cap": 5}, None, "already sent today"),
        ({"outcome": "duplicate", "replies_today": 5, "daily_cap": 5}, None, "today"),
        ({"daily_cap": 0}, None, "already sent today"),
    ],
)
def test_the_reply_follows_the_contract_table(
    changes: dict[str, Any], kind: str | None, reason: str
) -> None:
    decision = decide_reply(situation(**changes))
    assert decision.kind == kind
    assert reason in decision.reason


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("mx.local.gov.uk; spf=pass smtp.mailfrom=a.gov.uk; dkim=pass header.d=a.gov.uk; "
         "dmarc=pass header.from=a.gov.uk", {"spf": "pass", "dkim": "pass", "dmarc": "pass"}),
        ("mx; SPF=Fail; DMARC=fail (p=reject)", {"spf": "fail", "dmarc": "fail"}),
        ("mx; dmarc=fail\nevil.example; dmarc=pass", {"dmarc": "fail"}),  # the top one wins
        ("mx; none", {}),
        ("", {}),
    ],
)  # fmt: skip
def test_authentication_results_are_read(header: str, expected: dict[str, str]) -> None:
    assert auth_results(header) == expected


@pytest.mark.parametrize(
    ("address", "council_domain", "dmarc", "unverified"),
    [
        ("jo@adur-worthing.gov.uk", True, "pass", False),
        ("jo@adur-worthing.gov.uk", True, "fail", True),
        ("nurse@trust.nhs.uk", False, None, False),
        ("pc@sussex.police.uk", False, None, False),
        ("swyddog@llyw.gov.wales", False, None, False),
        ("someone@gov.uk.example.com", False, None, True),
        ("someone@gmail.com", False, "pass", True),
        ("someone@council-partner.co.uk", True, None, False),  # a council domain off .gov.uk
        (None, False, None, True),
    ],
)
def test_unverified_means_dmarc_failed_or_not_public_sector(
    address: str | None, council_domain: bool, dmarc: str | None, unverified: bool
) -> None:
    headers = {"authentication-results": f"mx; dmarc={dmarc}"} if dmarc else {}
    check = check_sender(headers, address, council_domain=council_domain,
                         public_sector_domains=PUBLIC)  # fmt: skip
    assert check.unverified is unverified
    assert bool(check.reasons) is unverified


@pytest.mark.parametrize(
    ("address", "inside"),
    [("a@gov.uk", True), ("a@x.gov.uk", True), ("a@xgov.uk", False), ("<a@X.NHS.UK>", True)],
)
def test_public_sector_domains_include_their_subdomains(address: str, inside: bool) -> None:
    assert in_domains(address, PUBLIC) is inside


@pytest.mark.parametrize(
    ("reply_to", "sender", "expected"),
    [
        ("", TO, TO),
        ("Team <team@adur-worthing.gov.uk>", TO, "team@adur-worthing.gov.uk"),
        ("not an address", TO, TO),
        ("", None, None),
    ],
)
def test_replies_go_to_reply_to_else_from(reply_to: str, sender: str | None,
                                          expected: str | None) -> None:  # fmt: skip
    headers = {"reply-to": reply_to} if reply_to else {}
    assert reply_address(headers, sender) == expected
