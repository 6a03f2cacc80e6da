"""Wording found by blind samples: types written with words inside them, dated starts,
cumulative periods, and lead phrases in the perfect tense."""

from datetime import date
from pathlib import Path

import pytest

from intake.config import LimitsSettings
from intake.contract import ExtractResult
from intake.extract.assemble import Extractor
from intake.extract.dates import parse_start_year
from intake.extract.money import parse_savings
from intake.extract.organisations import from_text
from intake.parse.mime import parse_message
from intake.rules import Rules
from intake.validate import validate

RULES = Rules.load(Path(__file__).resolve().parents[1] / "rules")
ARRANGEMENTS = RULES.arrangements
TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Warwick hosts a shared internal audit and counter-fraud service", "shared_service"),
        ("a joint emergency planning unit with Coventry", "shared_service"),
        ("have shared a single chief executive since 2023", "shared_management"),
        ("shared a chief executive and management team", "shared_management"),
        ("shared an estates and facilities management team", "shared_service"),
        ("we jointly procure highways maintenance", "joint_procurement"),
        ("Legal - shared with Babergh since 2012", "shared_service"),
        ("we shared the findings. The service is run by each council", None),
        # one service or team for several councils is a shared one, as readers record it
        ("a single planning and building control service", "shared_service"),
        ("The three councils share one emergency planning team", "shared_service"),
        ("a single point of contact for residents", None),
    ],
)
def test_arrangement_type_with_words_inside(text: str, expected: str | None) -> None:
    assert ARRANGEMENTS.classify_arrangement_type(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Since 2016 Warwick has hosted the audit team", "operational"),
        ("since September 2023 the two councils have one chief executive", "operational"),
        ("Start date: April 2016", "operational"),
        ("since 2027 is when the plan says it begins", None),
        ("We are pleased with it since the budget round", None),
        ("It ran since 2010 until it was dissolved in 2021", "ended"),
        ("We expect a further £320,000 a year from 2027/28.", None),  # a saving's date
        ("The new service starts from April 2027.", "in_development"),
    ],
)
def test_status_from_a_dated_start(text: str, expected: str | None) -> None:
    assert ARRANGEMENTS.classify_status(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Over its eleven years the partnership saved more than £10m.",
         [(10_000_000, "cumulative", "achieved")]),
        ("By the end of 2023/24 it had delivered savings of £9.5m.",
         [(9_500_000, "cumulative", "achieved")]),
        ("expected saving £2m over the four-year contract",
         [(2_000_000, "cumulative", "expected")]),
        ("The business case forecasts savings of £180,000 a year.",
         [(180_000, "annual", "expected")]),
    ],
)  # fmt: skip
def test_savings_period_and_basis(text: str, expected: list[tuple[int, str, str]]) -> None:
    found = parse_savings(text, ARRANGEMENTS.savings)
    assert [(s.amount_gbp, s.period, s.basis) for s in found] == expected


@pytest.mark.parametrize(
    ("text", "lead"),
    [
        ("Since 2016 Warwick District Council has hosted a shared audit service that also "
         "serves Stratford-on-Avon District Council.", "E07000222"),
        ("Stratford-on-Avon District Council and Warwick District Council share an audit "
         "team.", None),
    ],
)  # fmt: skip
def test_lead_in_the_perfect_tense(text: str, lead: str | None) -> None:
    found = from_text(text, RULES.gazetteer, None, ARRANGEMENTS, [])
    assert [o.code for o in found if o.role == "lead"] == ([lead] if lead else [])


def extract(body: str, subject: str = "Shared services", headers: str = "") -> ExtractResult:
    data = (
        "From: Ben Carter <ben.carter@midsussex.gov.uk>\nTo: sharedservices@local.gov.uk\n"
        f"Subject: {subject}\nDate: Mon, 07 Dec 2026 09:30:00 +0000\nMessage-ID: <w@example>\n"
        f"{headers}Content-Type: text/plain; charset=utf-8\n\n{body}"
    ).encode()
    parsed = parse_message(data, LimitsSettings(), RULES.kinds)
    return validate(Extractor(RULES).extract(parsed), RULES.validation)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("We have a few shared arrangements with Horsham and Crawley. How do I submit them - "
         "is there a form?", "not_submission"),
        ("What information do you need about our legal team shared with Horsham and Crawley?",
         "not_submission"),
        ("Can you tell me what information you need and where I should send it? We share HR "
         "with Horsham District Council.", "not_submission"),
        ("Is there a form? Anyway: we share a legal team with Horsham District Council since "
         "2019, saving £80k a year.", "submission"),
        ("We share a legal team with Horsham District Council, saving £80k a year.",
         "submission"),
        ("Thanks. We will get back to you with details of our legal team shared with Horsham "
         "District Council.", "not_submission"),
        ("Could you send me the submission form? We'd like to tell you about our joint ICT "
         "service with Horsham District Council.", "not_submission"),
    ],
)  # fmt: skip
def test_a_question_about_taking_part_is_not_a_submission(body: str, kind: str) -> None:
    assert extract(f"Hello,\n\n{body}\n\nBen\n").kind == kind


@pytest.mark.parametrize(
    ("reply", "savings"),
    [
        ("it's about 90k a year", [(90_000, "annual")]),
        ("roughly £1.2m to date", [(1_200_000, "cumulative")]),
        ("the contract is worth £2m", []),
        ("no idea, sorry", []),
    ],
)
def test_a_reply_to_our_query_answers_it_with_a_bare_figure(
    reply: str, savings: list[tuple[int, str]]
) -> None:
    result = extract(
        f"{reply}\n\nBen\n",
        subject="RE: [SS-2026-00031] Shared waste service - more information needed",
        headers="In-Reply-To: <reply-SS-2026-00031@local.gov.uk>\n",
    )
    found = [(s.amount_gbp, s.period) for e in result.submissions for s in e.savings]
    assert (result.kind, found) == ("follow_up", savings)


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("Savings on senior salaries are around £300,000 a year.", [300_000]),
        ("Savings in staff costs of £50k a year.", [50_000]),
        ("Senior salaries are around £300,000 a year.", []),
        ("Savings came from a budget of £300,000.", []),
    ],
)
def test_what_was_saved_on_does_not_veto_the_saving(text: str, amounts: list[int]) -> None:
    assert [s.amount_gbp for s in parse_savings(text, ARRANGEMENTS.savings)] == amounts


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("a shared service, planned to go live in April 2027", None),
        ("went live in April 2016", 2016),
        ("since 2019; savings expected from 2027", 2019),
    ],
)
def test_a_start_after_the_message_year_is_no_start(text: str, year: int | None) -> None:
    assert parse_start_year(text, today=TODAY) == year


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("South Holland joined a new partnership in Lincolnshire.", ["E07000140"]),
        ("Cumberland and Westmorland and Furness run one archive for historic Cumbria.",
         ["E06000063", "E06000064"]),
        ("Lincolnshire County Council joined the partnership.", ["E10000019"]),
        ("the Kent districts' partnership network", []),
        ("Kent and Medway share a team.", ["E10000016", "E06000035"]),
        ("the shared service in Ipswich and Babergh", ["E07000202", "E07000200"]),
        ("Here is one more example we came across.\n\nKent and Medway share a team.",
         ["E10000016", "E06000035"]),
        ("South Oxfordshire and the Vale share most services.", ["E07000179", "E07000180"]),
        ("Babergh and Mid Suffolk's shared legal service", ["E07000200", "E07000203"]),
        ("Ipswich's legal team serves Babergh", ["E07000202", "E07000200"]),
        ("King's Lynn and West Norfolk", ["E07000146"]),
        # a name that is also a word, after its status words: the council
        ("for the London Borough of Harrow and the London Borough of Barnet",
         ["E09000015", "E09000003"]),
        ("Hosted by Harrow.", []),
        # a capitalised word on the line above or below is not part of the name
        ("Transformation Lead\nLewes District Council\nTel: 01273 471600", ["E07000063"]),
        ("the Lead Lewes District Council Officer", []),
    ],
)  # fmt: skip
def test_a_bare_name_for_the_place_is_not_its_council(text: str, codes: list[str]) -> None:
    assert [m.code for m in RULES.gazetteer.find_in_text(text)] == codes


SOLIHULL_LIST = """Hi,

Here are our current arrangements:

- Emergency planning: a joint emergency planning unit with Brum and Coventry, led by
  Birmingham City Council, set up in 2012.
- Procurement: we jointly procure highways maintenance with Warwickshire County
  Council; started 2022.

Gemma
"""


def test_a_list_item_with_a_partner_makes_the_writers_council_take_part() -> None:
    """GIVEN a list item 'a joint unit with Brum and Coventry' from a Solihull officer
    THEN Solihull takes part beside Birmingham (lead) and Coventry."""
    data = (
        "From: Gemma Lloyd <gemma.lloyd@solihull.gov.uk>\nTo: sharedservices@local.gov.uk\n"
        "Subject: Our arrangements\nDate: Tue, 08 Dec 2026 13:45:00 +0000\n"
        f"Message-ID: <l@example>\nContent-Type: text/plain; charset=utf-8\n\n{SOLIHULL_LIST}"
    ).encode()
    result = Extractor(RULES).extract(parse_message(data, LimitsSettings(), RULES.kinds))
    first, second = result.submissions
    assert {(o.code, o.role) for o in first.organisations} == {
        ("E08000029", "partner"), ("E08000025", "lead"), ("E08000026", "partner")
    }  # fmt: skip
    assert second.service_areas == ["procurement", "highways_transport"]


def test_a_list_item_naming_both_parties_adds_no_one() -> None:
    body = SOLIHULL_LIST.replace("with Brum and Coventry", "of Brum and Coventry")
    data = (
        "From: Gemma Lloyd <gemma.lloyd@solihull.gov.uk>\nTo: sharedservices@local.gov.uk\n"
        "Subject: Our arrangements\nDate: Tue, 08 Dec 2026 13:45:00 +0000\n"
        f"Message-ID: <l@example>\nContent-Type: text/plain; charset=utf-8\n\n{body}"
    ).encode()
    result = Extractor(RULES).extract(parse_message(data, LimitsSettings(), RULES.kinds))
    assert {o.code for o in result.submissions[0].organisations} == {"E08000025", "E08000026"}


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Cotswold and Tewkesbury set up a joint committee for waste in 2015.", "operational"),
        ("A joint committee is to be set up next year.", "in_development"),
        ("Horsham and Crawley run a joint depot; it opened in 2019.", "operational"),
    ],
)
def test_set_up_means_running_unless_still_to_come(text: str, status: str) -> None:
    assert ARRANGEMENTS.classify_status(text, today=TODAY) == status


def test_a_start_year_far_after_the_start_word() -> None:
    text = "went live with a shared environmental health and food safety service in April 2022"
    assert parse_start_year(text, today=TODAY) == 2022


@pytest.mark.parametrize(
    ("aside", "areas"),
    [
        ("I have been at Warwick for years, most of that in finance.", ["audit_fraud"]),
        ("My time at Warwick was mostly in finance.", ["audit_fraud"]),
        ("Warwick also runs finance for Stratford-on-Avon.", ["audit_fraud", "finance"]),
    ],
)
def test_an_aside_about_the_writer_adds_no_service(aside: str, areas: list[str]) -> None:
    body = (
        f"Hello,\n\n{aside} Since 2016 Warwick District Council has hosted a shared internal "
        "audit service that also serves Stratford-on-Avon District Council.\n\nSarah\n"
    )
    assert sorted(extract(body).submissions[0].service_areas) == areas
