"""Money: amounts, savings figures and "no savings" reasons (wording: rules/arrangements.yaml)."""

from pathlib import Path

import pytest

from intake.extract.arrangement import ArrangementRules
from intake.extract.figures import parse_amount
from intake.extract.money import SavingsWording, find_no_savings_reason, parse_savings

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
Row = tuple[int, str, str, str | None]  # amount, period, basis, year


@pytest.fixture(scope="module")
def wording() -> SavingsWording:
    return ArrangementRules.load(RULES_DIR).savings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£1.2m", 1_200_000),
        ("£250k", 250_000),
        ("£250K", 250_000),
        ("£1.34bn", 1_340_000_000),
        ("£350,000", 350_000),
        ("350000 pounds", 350_000),
        ("£1.2 million", 1_200_000),
        ("£12.5million", 12_500_000),
        ("1.2M GBP", 1_200_000),
        ("GBP 1.5m", 1_500_000),
        ("£0.5m", 500_000),
        ("£.5m", 500_000),
        ("£1,200,000.00", 1_200_000),
        ("one point two million", 1_200_000),
        ("half a million", 500_000),
        ("a quarter of a million pounds", 250_000),
        ("three quarters of a million", 750_000),
        ("two hundred and fifty thousand pounds", 250_000),
        ("350000", 350_000),
        ("about £300k a year", 300_000),
        ("c.£1.5m", 1_500_000),
        ("£300-400k", 300_000),
        ("£1.2-1.5m", 1_200_000),
        ("a £2m contract", 2_000_000),
        ("£3/4m", None),
        ("SS-2026-00042", None),
        ("24/7", None),
        ("2017/18", None),
        ("2018", None),
        ("01903 221000", None),
        ("a population of 120,000", None),
        ("10%", None),
        ("£5 more", 5),
        ("nothing", None),
    ],
)
def test_parse_amount(text: str, expected: int | None) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("saved £3.4m to date", [(3_400_000, "cumulative", "achieved", None)]),
        ("expected to save £250k annually from 2027", [(250_000, "annual", "expected", "2027")]),
        ("Savings of £350,000 in 2017/18", [(350_000, "annual", "achieved", "2017/18")]),
        ("Savings of £350,000 in 2018-19", [(350_000, "annual", "achieved", "2018/19")]),
        ("Annual savings (2018-19): £45,000", [(45_000, "annual", "achieved", "2018/19")]),
        ("One-off savings of £50k were made in 2018", [(50_000, "one_off", "achieved", "2018")]),
        ("We aim to save £200k", [(200_000, "annual", "expected", None)]),
        ("Target savings: £100k p.a.", [(100_000, "annual", "expected", None)]),
        ("saved half a million pounds over 5 years", [(500_000, "cumulative", "achieved", None)]),
        ("Savings: 350000", [(350_000, "annual", "achieved", None)]),
        ("savings of £300k-£400k a year", [(300_000, "annual", "achieved", None)]),
        ("The £2m contract has saved £300k a year.", [(300_000, "annual", "achieved", None)]),
        (
            "With a budget of £5m, the service saves £400k a year.",
            [(400_000, "annual", "achieved", None)],
        ),
        ("It cost £150k to set up and saves £200k a year", [(200_000, "annual", "achieved", None)]),
        (
            "We saved £1.2m to date and expect to save a further £300k a year from 2027",
            [(1_200_000, "cumulative", "achieved", None), (300_000, "annual", "expected", "2027")],
        ),
        (
            "Savings in 2017/18: ICT £120k, Legal £80k",
            [(120_000, "annual", "achieved", "2017/18"), (80_000, "annual", "achieved", "2017/18")],
        ),
        (
            "Cumulative savings: £1m (ICT) and £2m (legal)",
            [
                (1_000_000, "cumulative", "achieved", None),
                (2_000_000, "cumulative", "achieved", None),
            ],
        ),
        (
            "Since 2014 we have saved £3m; in 2019/20 alone £400k",
            [
                (3_000_000, "cumulative", "achieved", None),
                (400_000, "annual", "achieved", "2019/20"),
            ],
        ),
        (
            "The service started in 2014 and saved £1.2m a year",
            [(1_200_000, "annual", "achieved", None)],
        ),
        ("Staff costs reduced by £85,000 a year", [(85_000, "annual", "achieved", None)]),
        (
            "We anticipate savings of between £100k and £150k in 2025/26.",
            [(100_000, "annual", "expected", "2025/26")],
        ),
        (
            "Total savings to date are £2.4m against a target of £3m.",
            [
                (2_400_000, "cumulative", "achieved", None),
                (3_000_000, "cumulative", "expected", None),
            ],
        ),
        (
            "The partnership has saved £2.4m over its first four years, roughly £600,000 a year.",
            [
                (2_400_000, "cumulative", "achieved", None),
                (600_000, "annual", "achieved", None),
            ],
        ),
        (
            "The 2025/26 outturn shows a 15% reduction, about £120,000 a year.",
            [(120_000, "annual", "achieved", "2025/26")],
        ),
        (
            "In short, it saves £150k a year. The detail: the team saves £150,000 per year.",
            [(150_000, "annual", "achieved", None)],
        ),
        (
            "The saving is £180,000 a year, not £150,000 as I said.",
            [(180_000, "annual", "achieved", None)],
        ),
        (
            "The business plan targets further savings of £450,000 a year by 2027/28.",
            [(450_000, "annual", "expected", "2027/28")],
        ),
        (
            "Over the 25-year life of the contract the partnership expects to save about £200m.",
            [(200_000_000, "cumulative", "expected", None)],
        ),
        ("£1.2m a year", []),
        ("a £2m contract", []),
        ("The council has 120,000 residents and a £40m budget.", []),
        ("Savings of 10% on a £2m budget", []),
        ("Call 01903 221000 about our 24/7 savings line", []),
        ("saved 1,500 hours a year", []),
        ("We invested £2m in new IT to make savings.", []),
        ("The shared team serves a population of half a million.", []),
    ],
)
def test_parse_savings(text: str, expected: list[Row], wording: SavingsWording) -> None:
    found = [(s.amount_gbp, s.period, s.basis, s.year) for s in parse_savings(text, wording)]
    assert found == expected


@pytest.mark.parametrize(
    ("value", "default_year", "expected"),
    [
        ("£1.2m a year", None, [(1_200_000, "annual", "achieved", None)]),
        ("£120k", "2019/20", [(120_000, "annual", "achieved", "2019/20")]),
        ("£120k in 2018/19", "2019/20", [(120_000, "annual", "achieved", "2018/19")]),
        (
            "£85,000 per year, plus a one-off saving of £20,000 from not renewing a licence",
            None,
            [(85_000, "annual", "achieved", None), (20_000, "one_off", "achieved", None)],
        ),
        ("£2m contract", None, []),
    ],
)
def test_parse_savings_of_a_savings_value(
    value: str, default_year: str | None, expected: list[Row], wording: SavingsWording
) -> None:
    savings = parse_savings(value, wording, default_year=default_year, assume_savings=True)
    assert [(s.amount_gbp, s.period, s.basis, s.year) for s in savings] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no cashable savings; the aim was resilience", "the aim was resilience"),
        ("savings: none - service quality improvement", "service quality improvement"),
        ("Savings: N/A (resilience)", "resilience"),
        (
            "There were no savings as the aim was to improve resilience",
            "the aim was to improve resilience",
        ),
        (
            "No financial savings were made, but the service is more resilient",
            "the service is more resilient",
        ),
        ("The aim was resilience rather than savings.", "The aim was resilience"),
        ("No cashable savings. The aim was resilience.", "The aim was resilience"),
        ("It was not about saving money; it was about quality", "it was about quality"),
        ("No savings\nStart date: 2014", "No savings"),
        (
            "There aren't any cash savings to report I'm afraid - the point was cover.",
            "the point was cover",
        ),
        (
            "the shared service was not set up to save money but to keep a small team resilient",
            "to keep a small team resilient",
        ),
        ("We saved £300k a year", None),
        ("Savings were significant", None),
    ],
)
def test_find_no_savings_reason(text: str, expected: str | None, wording: SavingsWording) -> None:
    assert find_no_savings_reason(text, wording) == expected
