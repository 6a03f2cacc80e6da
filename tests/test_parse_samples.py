"""Sample messages whose point is a warning or a name read whole, which the per-field
score of ``intake eval`` does not look at: each reading is checked here in full."""

import json
from pathlib import Path

import pytest

from intake.config import LimitsSettings
from intake.evaluate import extract_file
from intake.rules import Rules

DATA = Path(__file__).parent / "data"
RULES = Rules.load(Path(__file__).parents[1] / "rules")


@pytest.mark.parametrize(
    ("sample", "warnings"),
    [
        ("encrypted-pdf-body-read", ["building-control-form.pdf is password-protected: not read"]),
        ("ambiguous-hcc-unresolved", ["'HCC' is ambiguous: Hull City Council (E06000010"]),
        ("tnef-winmail-form", []),
        ("partner-nhs-and-trust", []),
        ("msg-forwarded-as-attachment", []),
    ],
)
def test_sample_warnings(sample: str, warnings: list[str]) -> None:
    """GIVEN a sample WHEN extracted THEN it warns exactly as its expected JSON says."""
    expected = json.loads((DATA / f"{sample}.json").read_text(encoding="utf-8"))
    result = extract_file(DATA / f"{sample}.eml", RULES, LimitsSettings())
    assert result.warnings == expected["warnings"]
    assert [w[: len(start)] for w, start in zip(result.warnings, warnings, strict=True)] == warnings


@pytest.mark.parametrize(
    ("sample", "names"),
    [
        ("ambiguous-hcc-unresolved", [("HCC", None), ("Environment Agency", None)]),
        (
            "partner-nhs-and-trust",
            [("Surrey County Council", "E10000030"),
             ("Surrey and Borders Partnership NHS Foundation Trust", None)],
        ),
        ("tnef-winmail-form", [("Rushmoor Borough Council", "E07000092"),
                               ("Hart District Council", "E07000089")]),
        ("msg-forwarded-as-attachment", [("Malvern Hills District Council", "E07000235"),
                                         ("Wychavon District Council", "E07000238")]),
    ],
)  # fmt: skip
def test_sample_organisations(sample: str, names: list[tuple[str, str | None]]) -> None:
    """An ambiguous name stays unresolved (no code); a trust's 'and' stays in its name."""
    [entry] = extract_file(DATA / f"{sample}.eml", RULES, LimitsSettings()).submissions
    assert [(o.name, o.code) for o in entry.organisations] == names
