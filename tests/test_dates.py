"""Years: start of an arrangement, and savings year labels."""

from datetime import date

import pytest

from intake.extract.dates import figure_year_label, normalise_year_label, parse_start_year

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("since April 2014", 2014),
        ("2014/15", 2014),
        ("started in 2013", 2013),
        ("from 1 April 2019", 2019),
        ("established 2009", 2009),
        ("went live in October 2016", 2016),
        ("In 2018 Broadland and South Norfolk agreed to share a managing director.", 2018),
        ("In April 2016, the councils formed a joint waste team", 2016),
        ("In 2019 the partnership saved £200k.", None),
        ("April 2014", 2014),
        ("01/04/2019", 2019),
        ("2019-04-01", 2019),
        ("Start date: 1st April 2015", 2015),
        ("Started in 2013; savings in 2017/18", 2013),
        ("The partnership was set up in 2011 and went live in 2012", 2011),
        ("We have shared a chief executive since 2008, saving £300k a year.", 2008),
        ("in place for five years", 2021),
        ("The service has been running for the last 6 years", 2020),
        ("3 years ago", 2023),
        ("Savings in 2017/18", None),
        ("expected to save £250k a year from 2027", None),
        ("24/7 service", None),
        ("no date here", None),
    ],
)
def test_parse_start_year(text: str, expected: int | None) -> None:
    assert parse_start_year(text, today=TODAY) == expected


def test_a_length_of_time_needs_today() -> None:
    assert parse_start_year("in place for five years") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017/18", "2017/18"),
        ("2018-19", "2018/19"),
        ("2017/2018", "2017/18"),
        ("FY17/18", "2017/18"),
        ("FY 2020-21", "2020/21"),
        ("17/18", "2017/18"),
        ("savings 2017 – 18", "2017/18"),
        ("1999/00", "1999/00"),
        ("in 2018", "2018"),
        ("24/7", None),
        ("03/04/2019", "2019"),
        ("none", None),
    ],
)
def test_normalise_year_label(text: str, expected: str | None) -> None:
    assert normalise_year_label(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" a year since 2015", None),
        ("set up in 2012, savings in 2017/18", "2017/18"),
        (" from 2027", "2027"),
    ],
)
def test_figure_year_label_leaves_out_start_years(text: str, expected: str | None) -> None:
    assert figure_year_label(text) == expected
