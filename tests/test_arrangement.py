"""Arrangement type and status (rules/arrangements.yaml)."""

from datetime import date
from pathlib import Path

import pytest

from intake.contract import ArrangementStatus, ArrangementType
from intake.errors import RulesError
from intake.extract.arrangement import ArrangementRules

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
TODAY = date(2026, 12, 4)


@pytest.fixture(scope="module")
def rules() -> ArrangementRules:
    return ArrangementRules.load(RULES_DIR)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a shared service for both councils", "shared_service"),
        ("one shared-service team", "shared_service"),
        ("Shared Services", "shared_service"),
        ("a shared management team", "shared_management"),
        ("a joint chief executive", "shared_management"),
        (
            "agreed to share a single managing director and senior management team",
            "shared_management",
        ),
        ("overseen by a joint committee", "joint_committee"),
        ("Adur is the lead authority", "lead_authority"),
        ("Adur acts as lead authority under section 101", "lead_authority"),
        # a host is not a lead authority: readers record a hosted service as shared
        ("a shared service hosted by Adur", "shared_service"),
        ("Lichfield hosts the service for both councils", "shared_service"),
        ("the function is delegated to Worthing", "lead_authority"),
        ("a Teckal company", "company"),
        (
            "a trading company jointly owned by two councils, run by a single management team",
            "company",
        ),
        ("a wholly owned company of three councils", "company"),
        ("a joint venture with a private partner", "company"),
        ("run by Acme Services Ltd", "company"),
        ("a joint procurement exercise", "joint_procurement"),
        ("a framework agreement for agency staff", "joint_procurement"),
        ("one joint waste and street cleansing contract", "joint_procurement"),
        ("we work together", None),
    ],
)
def test_classify_arrangement_type(
    rules: ArrangementRules, text: str, expected: ArrangementType | None
) -> None:
    assert rules.classify_arrangement_type(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fully operational", "operational"),
        ("live since 2015", "operational"),
        ("in place", "operational"),
        ("running since 2012", "operational"),
        ("went live in October 2016", "operational"),
        ("in development", "in_development"),
        ("being set up", "in_development"),
        ("proposed", "in_development"),
        ("Planned to go live in 2027", "in_development"),
        ("from April 2027", "in_development"),
        ("operational from April 2027", "in_development"),
        ("will be operational from 2027", "in_development"),
        ("Operational since 2014; expanding from April 2027", "operational"),
        ("from April 2019", None),
        ("ended in 2020", "ended"),
        ("operational from 2012 until it was dissolved in 2020", "ended"),
        ("wound up", "ended"),
        ("the councils no longer share it", "ended"),
        ("nothing to say", None),
    ],
)
def test_classify_status(
    rules: ArrangementRules, text: str, expected: ArrangementStatus | None
) -> None:
    assert rules.classify_status(text, today=TODAY) == expected


def test_future_is_judged_by_month_in_the_current_year(rules: ArrangementRules) -> None:
    assert rules.classify_status("from March 2027", today=date(2027, 2, 1)) == "in_development"
    assert rules.classify_status("from March 2027", today=date(2027, 4, 1)) is None


def test_unknown_type_is_refused_naming_the_file(tmp_path: Path) -> None:
    text = (RULES_DIR / "arrangements.yaml").read_text(encoding="utf-8")
    (tmp_path / "arrangements.yaml").write_text(
        text.replace("  joint_committee:", "  joint_comittee:")
    )
    with pytest.raises(RulesError, match=r"arrangements\.yaml.*joint_comittee"):
        ArrangementRules.load(tmp_path)


def test_missing_file_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"arrangements\.yaml"):
        ArrangementRules.load(tmp_path)
