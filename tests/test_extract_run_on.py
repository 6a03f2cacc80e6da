"""Wording found by the third blind set: facts on one dashed line, merged teams, forecasts
'projected', a team named as the one that confirmed a figure, and an attached report."""

from datetime import date
from pathlib import Path

import pytest

from intake.extract.dates import parse_start_year
from intake.extract.money import find_no_savings_reason, parse_savings
from intake.gazetteer import MatchContext
from intake.readers.labels import fields_from_blocks, split_run_on_line
from intake.rules import Rules

RULES = Rules.load(Path(__file__).resolve().parents[1] / "rules")
ARRANGEMENTS = RULES.arrangements
TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Service: Waste — Partners: Adur, Worthing — Annual saving £250,000",
         ["Service: Waste", "Partners: Adur, Worthing", "Annual saving: £250,000"]),
        ("Lead council: Adur | Savings: £50k", ["Lead council: Adur", "Savings: £50k"]),
        ("We saved money — a lot of it — last year", ["We saved money — a lot of it — last year"]),
        ("Savings: £50k", ["Savings: £50k"]),
    ],
)  # fmt: skip
def test_several_labelled_facts_on_one_dashed_line(line: str, expected: list[str]) -> None:
    assert split_run_on_line(line, RULES.form_fields) == expected


def test_a_dashed_line_gives_its_fields() -> None:
    line = "Shared Service: Building Control — Partners: Swale, Maidstone — Annual saving £250k"
    fields = fields_from_blocks([[line]], RULES.form_fields)
    assert (fields["partner_councils"], fields["savings"]) == ("Swale, Maidstone", "£250k")


@pytest.mark.parametrize(
    ("text", "kind", "status", "year"),
    [
        ("They merged their bin crews and cleansing teams into one service in 2020.",
         "shared_service", "operational", 2020),
        ("The two councils combined their audit staff into a single team in 2015.",
         "shared_service", "operational", 2015),
        ("The population merged into the town long ago.", None, None, None),
    ],
)  # fmt: skip
def test_merged_into_one_service(text: str, kind: str | None, status: str | None,
                                 year: int | None) -> None:  # fmt: skip
    assert ARRANGEMENTS.classify_arrangement_type(text) == kind
    assert ARRANGEMENTS.classify_status(text, today=TODAY) == status
    assert parse_start_year(text, today=TODAY) == year


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("The business case projects savings of £150,000 a year.", "expected"),
        ("We are forecasting savings of £90k a year.", "expected"),
        ("The team saved £150,000 a year.", "achieved"),
    ],
)
def test_projects_savings_is_a_forecast(text: str, basis: str) -> None:
    assert [s.basis for s in parse_savings(text, ARRANGEMENTS.savings)] == [basis]


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("Finance have confirmed the partnership saved £72,000.", []),
        ("Our finance colleagues calculated the saving.", []),
        ("The councils share a finance team.", ["finance"]),
    ],
)
def test_a_team_that_confirmed_a_figure_is_not_the_service(text: str, areas: list[str]) -> None:
    assert RULES.services.classify(text) == areas


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("We have shared a legal team since 2018, saving £200,000.", "annual"),
        ("Since 2018 the shared legal team has saved £150k.", "cumulative"),
        ("The team has saved £150k since 2018.", "cumulative"),
    ],
)
def test_since_dates_the_arrangement_unless_a_total_follows(text: str, period: str) -> None:
    assert [s.period for s in parse_savings(text, ARRANGEMENTS.savings)] == [period]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("There are no cash savings to report.", "There are no cash savings to report"),
        ("We have no cash savings to report; the aim was resilience.", "the aim was resilience"),
        ("No cash savings as yet, because the aim was quality.", "the aim was quality"),
    ],
)
def test_no_savings_to_report_is_no_reason(text: str, reason: str) -> None:
    assert find_no_savings_reason(text, ARRANGEMENTS.savings) == reason


SUFFOLK_DISTRICTS = ["E07000200", "E07000244", "E07000202", "E07000203", "E07000245"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("The five Suffolk district councils share a building control team.", SUFFOLK_DISTRICTS),
        ("Suffolk County Council and the Suffolk district councils share a team.",
         ["E10000029", *SUFFOLK_DISTRICTS]),
        ("Adur and Worthing councils share a legal team.", ["E07000223", "E07000229"]),
        ("The Suffolk councils meet each quarter.", []),
    ],
)  # fmt: skip
def test_a_countys_district_councils_are_its_districts(text: str, codes: list[str]) -> None:
    context = MatchContext(year=2026)
    found = RULES.gazetteer.find_in_text(text, context)
    assert [m.code for m in found] == codes
