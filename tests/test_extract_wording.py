"""Wording found by blind samples: types written with words inside them, dated starts,
cumulative periods, and lead phrases in the perfect tense."""

from datetime import date
from pathlib import Path

import pytest

from intake.extract.money import parse_savings
from intake.extract.organisations import from_text
from intake.rules import Rules

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
        ("we shared the findings. The service is run by each council", None),
        ("a single planning and building control service", None),
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
