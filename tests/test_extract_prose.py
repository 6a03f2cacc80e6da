"""Extraction from free text: who takes part, who leads, which services, one or several."""

from pathlib import Path

import pytest

from intake.config import LimitsSettings
from intake.contract import ExtractResult
from intake.extract.assemble import Extractor
from intake.extract.listing import list_items
from intake.extract.prose import unwrap
from intake.parse.mime import parse_message
from intake.rules import Rules
from intake.validate import validate

RULES = Rules.load(Path(__file__).resolve().parents[1] / "rules")


def extract(
    body: str,
    sender: str = "jo.smith@midsuffolk.gov.uk",
    subject: str = "Shared service example",
    headers: str = "",
) -> ExtractResult:
    data = (
        f"From: Jo Smith <{sender}>\nTo: sharedservices@local.gov.uk\nSubject: {subject}\n"
        f"Date: Mon, 02 Nov 2026 09:30:00 +0000\nMessage-ID: <t@example>\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}"
    ).encode()
    parsed = parse_message(data, LimitsSettings(), RULES.kinds)
    return validate(Extractor(RULES).extract(parsed), RULES.validation)


def roles(result: ExtractResult, i: int = 0) -> list[tuple[str | None, str]]:
    return [(o.code, o.role) for o in result.submissions[i].organisations]


BABERGH, MID_SUFFOLK, IPSWICH = "E07000200", "E07000203", "E07000202"


@pytest.mark.parametrize(
    ("sentence", "lead"),
    [
        ("Babergh and Mid Suffolk share a legal team hosted by Mid Suffolk.", MID_SUFFOLK),
        ("Mid Suffolk hosts a legal team for Babergh.", MID_SUFFOLK),
        ("Babergh acts as lead authority for legal services for Mid Suffolk.", BABERGH),
        ("Babergh District Council (lead) and Mid Suffolk share legal services.", BABERGH),
        ("Legal services are shared by Babergh and Mid Suffolk, run by Babergh.", BABERGH),
        ("Babergh provides legal services on behalf of Mid Suffolk.", BABERGH),
        ("Mid Suffolk provides payroll for Babergh District Council.", MID_SUFFOLK),
        ("The partnership of Babergh and Mid Suffolk provides legal services.", None),
        ("Babergh and Mid Suffolk share one legal team.", None),
    ],
)
def test_lead_is_the_body_a_lead_phrase_points_at(sentence: str, lead: str | None) -> None:
    """GIVEN prose naming two councils WHEN a lead phrase stands by one THEN it is lead."""
    result = extract(f"Hello,\n\n{sentence}\n\nJo\n")
    leads = [code for code, role in roles(result) if role == "lead"]
    assert leads == ([lead] if lead else [])


def test_lead_named_by_its_type_word() -> None:
    """GIVEN 'led by the county council' WHEN one county council is named THEN it leads."""
    result = extract(
        "East Sussex County Council and East Sussex Fire and Rescue Service "
        "share an estates team, led by the county council.\n"
    )
    assert roles(result) == [("E10000011", "lead"), (None, "partner")]


def test_the_senders_council_in_a_signature_is_not_a_participant() -> None:
    """GIVEN a county officer writing about two districts WHEN the county is only in the
    signature THEN only the districts take part."""
    body = (
        "Sevenoaks District Council and Tunbridge Wells Borough Council run a shared "
        "building control team.\n\nRegards\n\nLaura Bennett\nKent County Council\n"
    )
    result = extract(body, sender="laura.bennett@kent.gov.uk")
    assert [code for code, _ in roles(result)] == ["E07000111", "E07000116"]


def test_we_share_with_a_council_makes_the_sender_a_participant() -> None:
    result = extract("Hi, we share our legal service with Babergh.\n\nJo\n")
    assert [code for code, _ in roles(result)] == [MID_SUFFOLK, BABERGH]
    assert result.sender.organisation_code == MID_SUFFOLK


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        ("Jo Smith\nHead of Legal\nWorthing Borough Council\nTel: 01903 221000", "E07000229"),
        ("Jo Smith\nHead of Legal\nAdur & Worthing Councils", None),  # works for both
        ("Jo Smith", None),  # the shared domain alone does not say which
    ],
)
def test_on_a_shared_domain_the_senders_council_is_the_one_the_signature_names(
    signature: str, code: str | None
) -> None:
    body = (
        "Adur District Council and Worthing Borough Council share one legal team. "
        f"It saves £90,000 a year.\n\nKind regards\n\n{signature}\n"
    )
    result = extract(body, sender="jo.smith@adur-worthing.gov.uk")
    assert result.sender.organisation_code == code


def test_a_successor_later_in_the_chain_only_dates_the_story() -> None:
    result = extract(
        "From 2014 Taunton Deane Borough Council and West Somerset Council shared a chief "
        "executive. It ended in 2019, when the two councils merged to form Somerset West "
        "and Taunton Council, in turn replaced by Somerset Council in 2023.\n",
        sender="alison.kerr@somerset.gov.uk",
    )
    assert [code for code, _ in roles(result)] == ["E07000190", "E07000191"]


def test_councils_of_the_writers_own_story_are_not_partners() -> None:
    body = (
        "Hi,\n\nBefore I came to Guildford I spent six years at Surrey Heath Borough "
        "Council, and before that I had a stint at Hampshire County Council.\n\nSince 2021 "
        "Guildford Borough Council and Waverley Borough Council have shared a joint chief "
        "executive and management team.\n\nLaura\n"
    )
    result = extract(body, sender="laura@guildford.gov.uk")
    assert [code for code, _ in roles(result)] == ["E07000209", "E07000216"]


def test_the_sentence_after_the_councils_says_what_they_share() -> None:
    body = (
        "Shared Regulatory Services was set up in 2015 by Bridgend County Borough Council, "
        "Cardiff Council and the Vale of Glamorgan Council. It delivers environmental "
        "health, trading standards and licensing for all three areas. It saves £1m a year "
        "on IT contracts.\n"
    )
    [entry] = extract(body, sender="huw@valeofglamorgan.gov.uk").submissions
    assert entry.service_areas == ["environmental_health", "trading_standards", "licensing"]


def test_a_county_that_has_been_the_lead_authority_writing_from_its_own_domain() -> None:
    body = (
        "Since April 2019 Nottinghamshire County Council has been the lead authority, under "
        "a section 101 delegation, for concessionary travel on behalf of Nottingham City "
        "Council.\n"
    )
    result = extract(body, sender="andrew.kaye@nottscc.gov.uk")
    assert result.sender.organisation_code == "E10000024"
    assert roles(result) == [("E10000024", "lead"), ("E06000018", "partner")]


def test_the_recipient_is_not_a_participant() -> None:
    result = extract("For the LGA: Babergh and Mid Suffolk share a legal team.\n")
    assert [code for code, _ in roles(result)] == [BABERGH, MID_SUFFOLK]


def test_a_successor_named_beside_its_predecessors_only_dates_the_story() -> None:
    result = extract(
        "Before Buckinghamshire Council was formed, Aylesbury Vale DC and "
        "Wycombe District Council shared HR.\n"
    )
    assert [code for code, _ in roles(result)] == ["E07000004", "E07000007"]


def test_services_come_from_the_sentences_naming_the_partners() -> None:
    """GIVEN an aside about an IT contract WHEN it names no partner THEN ICT is not added."""
    result = extract(
        "Babergh and Mid Suffolk share an environmental health team. It made "
        "one-off savings of £40,000 from a single IT contract.\n"
    )
    assert result.submissions[0].service_areas == ["environmental_health"]


def test_a_numbered_list_gives_one_entry_per_item_with_the_intro_partners() -> None:
    body = (
        "Babergh and Mid Suffolk share these services:\n\n1. Legal, since 2012, saving "
        "£100k a year.\n2. Planning, since\n   2014, saving £200k a year.\n"
    )
    result = extract(body)
    entries = result.submissions
    assert [e.service_areas for e in entries] == [["legal"], ["planning"]]
    assert [e.start_year for e in entries] == [2012, 2014]
    assert all(
        roles(result, i) == [(BABERGH, "partner"), (MID_SUFFOLK, "partner")] for i in range(2)
    )


def test_a_table_pasted_as_text_gives_one_entry_per_row() -> None:
    body = (
        "Lead council\tPartners\tService\tSavings\n"
        "Babergh\tMid Suffolk\tLegal\t£100k a year\n"
        "Mid Suffolk\tIpswich Borough Council\tICT\t£50k a year\n"
    )
    result = extract(body)
    assert [roles(result, i) for i in range(2)] == [
        [(BABERGH, "lead"), (MID_SUFFOLK, "partner")],
        [(MID_SUFFOLK, "lead"), (IPSWICH, "partner")],
    ]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("Intro\n1. one\n2. two", ["one", "two"]),
        ("Intro\n- one\n  more\n- two\n\nBye", ["one more", "two"]),
        ("a) one\nb) two", ["one", "two"]),
        ("Intro\n1. only one", []),
        ("No list here.", []),
    ],
)
def test_list_items(text: str, items: list[str]) -> None:
    assert list_items(text)[1] == items


@pytest.mark.parametrize(
    ("text", "unwrapped"),
    [
        ("a long\nsentence", "a long sentence"),
        ("para one\n\npara\ntwo", "para one\n\npara two"),
        ("intro\n1. item\n2. item", "intro\n1. item\n2. item"),
    ],
)
def test_unwrap_joins_wrapped_lines_only(text: str, unwrapped: str) -> None:
    assert unwrap(text) == unwrapped


@pytest.mark.parametrize(
    ("sentence", "areas"),
    [
        ("Babergh and Mid Suffolk share their legal, HR and finance teams.",
         ["legal", "hr_payroll", "finance"]),
        ("Babergh and Mid Suffolk share their legal and ICT services.", ["legal", "ict"]),
        ("Babergh and Mid Suffolk share a legal adviser.", []),
        ("Babergh and Mid Suffolk run a community equipment service.", ["adult_social_care"]),
    ],
)  # fmt: skip
def test_words_listed_before_teams_name_services(sentence: str, areas: list[str]) -> None:
    """GIVEN 'legal, HR and finance teams' WHEN read THEN each listed word is a service."""
    result = extract(f"Hello,\n\n{sentence} It saves £50,000 a year.\n\nJo\n")
    assert [e.service_areas for e in result.submissions] == ([areas] if areas else [])


def test_the_council_beside_a_trust_is_the_lead_it_is_said_to_be() -> None:
    """GIVEN one council and an NHS trust WHEN 'the council is the lead commissioner'
    THEN that council leads."""
    result = extract(
        "Hello,\n\nNorfolk and Suffolk NHS Foundation Trust and Babergh District Council run"
        " a joint housing team. The council is the lead commissioner. It saves £50,000 a"
        " year.\n\nJo\n"
    )
    assert roles(result) == [(None, "partner"), (BABERGH, "lead")]


@pytest.mark.parametrize(
    ("sentence", "areas"),
    [
        ("Suffolk Fire and Rescue Service and Babergh District Council share a fleet workshop.",
         ["highways_transport"]),
        ("NHS Suffolk and North East Essex Integrated Care Board and Babergh District Council"
         " run a joint commissioning team.", ["procurement"]),
    ],
)  # fmt: skip
def test_a_partners_name_names_no_service(sentence: str, areas: list[str]) -> None:
    """GIVEN 'Integrated Care Board' or 'Fire and Rescue' in a partner's name WHEN the
    services are read THEN the name gives none."""
    result = extract(f"Hello,\n\n{sentence} It saves £50,000 a year.\n\nJo\n")
    assert result.submissions[0].service_areas == areas
