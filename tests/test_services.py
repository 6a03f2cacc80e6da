"""Service areas: free text -> contract slugs (rules/services.yaml)."""

from pathlib import Path

import pytest

from intake.contract import SERVICE_AREAS
from intake.errors import RulesError
from intake.extract.services import PhraseMatcher, ServiceTaxonomy

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"


@pytest.fixture(scope="module")
def taxonomy() -> ServiceTaxonomy:
    return ServiceTaxonomy.load(RULES_DIR)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Revs and Bens", ["revenues_benefits"]),
        ("council tax and business rates collection", ["revenues_benefits"]),
        ("R&B shared team", ["revenues_benefits"]),
        ("housing benefits", ["revenues_benefits"]),
        ("shared IT and HR", ["ict", "hr_payroll"]),
        ("ICT", ["ict"]),
        ("it was a good year for it", []),
        ("the ITEM list", []),
        ("shared legal services", ["legal"]),
        ("payroll", ["hr_payroll"]),
        ("accountancy and treasury management", ["finance"]),
        ("joint procurement team", ["procurement"]),
        ("internal audit and counter-fraud", ["audit_fraud"]),
        ("contact centres", ["customer_services"]),
        ("electoral registration", ["democratic_electoral"]),
        ("Legal and Democratic Services", ["legal", "democratic_electoral"]),
        ("estates and asset management", ["property_facilities"]),
        ("joint Chief Executive", ["management"]),
        ("a joint CEO", ["management"]),
        ("head of paid service", ["management"]),
        ("shared S151 officer", ["management", "finance"]),
        ("section 151 officer", ["management", "finance"]),
        ("building control", ["building_control"]),
        ("planning policy and land charges", ["planning"]),
        ("Planning and Building Control", ["planning", "building_control"]),
        ("we are planning to extend it", []),
        ("env health", ["environmental_health"]),
        ("food safety and pest control", ["environmental_health"]),
        ("taxi licensing", ["licensing"]),
        ("Trading Standards", ["trading_standards"]),
        ("bins and street cleansing", ["waste"]),
        ("refuse", ["waste"]),
        ("highways and fleet management", ["highways_transport"]),
        ("a single fleet collects household waste", ["waste"]),
        ("Our Chief Executive asked me to send this in", []),
        ("our finance team have now confirmed the figure", []),
        ("Sorry for the delay - finance say it's about £58k a year.", []),
        ("Savings to follow from finance.", []),
        ("The service moved from finance to ICT in 2019", ["finance", "ict"]),
        ("one archive service for both record offices", ["leisure_culture"]),
        ("civil parking enforcement", ["parking"]),
        ("emergency planning", ["emergency_planning"]),
        ("the aim was resilience", []),
        ("CCTV monitoring", ["community_safety"]),
        ("anti social behaviour", ["community_safety"]),
        ("homelessness and housing options", ["housing"]),
        ("adult social care", ["adult_social_care"]),
        ("childrens services", ["childrens_education"]),
        ("children's social care", ["childrens_education"]),
        ("public health", ["public_health"]),
        ("leisure, libraries and museums", ["leisure_culture"]),
        ("economic development and regeneration", ["economic_development"]),
        ("waste, ICT and waste again", ["waste", "ict"]),
        ("the weather", []),
    ],
)
def test_classify_prose(taxonomy: ServiceTaxonomy, text: str, expected: list[str]) -> None:
    assert taxonomy.classify(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Resilience", ["emergency_planning"]),
        ("Benefits", ["revenues_benefits"]),
        ("Legal", ["legal"]),
        ("Planning", ["planning"]),
        ("Fleet", ["highways_transport"]),
        ("Bereavement services", ["other"]),
        ("", []),
        (" - ", []),
    ],
)
def test_classify_value(taxonomy: ServiceTaxonomy, value: str, expected: list[str]) -> None:
    assert taxonomy.classify(value, fallback_other=True) == expected


def test_every_slug_but_other_has_keywords(taxonomy: ServiceTaxonomy) -> None:
    text = (RULES_DIR / "services.yaml").read_text(encoding="utf-8")
    missing = [s for s in SERVICE_AREAS if s != "other" and f"\n  {s}:" not in text]
    assert missing == []


def test_a_long_text_is_classified_by_what_it_names(taxonomy: ServiceTaxonomy) -> None:
    """(How fast this runs is measured by ``make bench``, not asserted here.)"""
    text = ("The councils share a legal team and an ICT service; savings were made. " * 45)[:3000]
    assert {"legal", "ict"} <= set(taxonomy.classify(text))


def test_bad_slug_is_refused_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "services.yaml").write_text("areas:\n  legall: [legal services]\n")
    with pytest.raises(RulesError, match=r"services\.yaml.*legall"):
        ServiceTaxonomy.load(tmp_path)


def test_missing_file_is_a_rules_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"services\.yaml"):
        ServiceTaxonomy.load(tmp_path)


def test_phrase_under_two_labels_is_refused(tmp_path: Path) -> None:
    (tmp_path / "services.yaml").write_text("areas:\n  legal: [law]\n  finance: [Law]\n")
    with pytest.raises(RulesError, match=r"Law.* under legal and finance"):
        ServiceTaxonomy.load(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("saved over 5 years", ["span"]),
        ("over five years", ["span"]),
        ("a one-off payment", ["once"]),
        ("a one off", ["once"]),
        ("£120k p.a. from 2019", ["annual"]),
        ("£120k/year", ["annual"]),
        ("overall", []),
    ],
)
def test_phrase_matcher_syntax(text: str, expected: list[str]) -> None:
    matcher = PhraseMatcher(
        {"span": ["over N years"], "once": ["one-off"], "annual": ["p.a.", "/year"]}
    )
    assert matcher.labels(text) == expected
