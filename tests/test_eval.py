"""intake eval: the extractor scored on the project's own sample messages."""

from pathlib import Path

import pytest

from intake.config import LimitsSettings, Settings
from intake.contract import ExtractResult, Organisation, Saving, SubmissionEntry
from intake.evaluate import EvalReport, compare, description_matches, evaluate, main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
MIN_OVERALL = 0.95


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(DATA, ROOT / "rules", LimitsSettings())


def test_sample_messages_score_at_least_the_bar(report: EvalReport) -> None:
    """GIVEN the .eml samples and their expected JSON WHEN scored THEN overall >= 0.95."""
    assert report.files >= 45
    assert report.overall >= MIN_OVERALL, report.table() + "\n" + "\n".join(report.mismatches)


def test_every_sample_has_its_expected_reading() -> None:
    missing = [p.name for p in DATA.glob("*.eml") if not p.with_suffix(".json").exists()]
    assert missing == []


def entry(*codes: str, amount: int | None = None, description: str | None = None) -> ExtractResult:
    orgs = [Organisation(name=c, code=c) for c in codes]
    savings = [Saving(amount_gbp=amount)] if amount else []
    sub = SubmissionEntry(organisations=orgs, savings=savings, description=description)
    return ExtractResult(kind="submission", submissions=[sub])


@pytest.mark.parametrize(
    ("expected", "actual", "field", "right"),
    [
        (entry("A", "B"), entry("B", "A"), "organisations", True),  # a set: order is free
        (entry("A", "B"), entry("A"), "organisations", False),
        (entry("A", amount=5), entry("A", amount=6), "savings", False),
        (entry("A"), ExtractResult(kind="submission"), "submissions", False),
    ],
)
def test_fields_compared(
    expected: ExtractResult, actual: ExtractResult, field: str, right: bool
) -> None:
    report = EvalReport()
    compare("x.eml", expected, actual, report)
    assert (report.fields[field].correct == 1) is right


def test_an_entry_on_one_side_only_is_wrong_on_every_field() -> None:
    report = EvalReport()
    compare("x.eml", entry("A", "B"), ExtractResult(kind="submission"), report)
    assert report.fields["organisations"].correct == 0
    assert report.fields["description"].correct == 0


@pytest.mark.parametrize(
    ("expected", "actual", "same"),
    [
        (None, None, True),
        ("One legal team for both councils", None, False),
        ("One legal team for both councils", "Dear all, one legal team serves both", True),
        ("One legal team for both councils", "A waste contract", False),
    ],
)
def test_description_matches_on_half_the_words(
    expected: str | None, actual: str | None, same: bool
) -> None:
    assert description_matches(expected, actual) is same


def test_main_exit_code_follows_the_bar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN one sample WHEN its expected reading is wrong THEN exit 1 and the table shows."""
    eml = DATA / "labelled-revenues.eml"
    (tmp_path / eml.name).write_bytes(eml.read_bytes())
    good = (DATA / "labelled-revenues.json").read_text()
    (tmp_path / "labelled-revenues.json").write_text(good)
    settings = Settings(rules_dir=ROOT / "rules")
    assert main(tmp_path, settings) == 0
    (tmp_path / "labelled-revenues.json").write_text(
        good.replace('"legal', '"x').replace('"revenues_benefits"', '"legal"')
    )
    assert main(tmp_path, settings) == 1
    assert "service_areas" in capsys.readouterr().out
