"""Non-council bodies found in free text: the whole name, with 'and' where it belongs."""

from pathlib import Path

import pytest

from intake.gazetteer import Gazetteer

RULES = Path(__file__).resolve().parents[1] / "rules"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load(RULES)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "Norfolk County Council and Norfolk Community Health and Care NHS Trust run it.",
            ["Norfolk County Council", "Norfolk Community Health and Care NHS Trust"],
        ),
        (
            "with Surrey and Sussex Healthcare NHS Trust",
            ["Surrey and Sussex Healthcare NHS Trust"],
        ),
        (
            "Surrey and Borders Partnership NHS Foundation Trust",
            ["Surrey and Borders Partnership NHS Foundation Trust"],
        ),
        (
            "Norfolk and Norwich University Hospitals NHS Foundation Trust",
            ["Norfolk and Norwich University Hospitals NHS Foundation Trust"],
        ),
        ("NHS Norfolk and Waveney ICB", ["NHS Norfolk and Waveney ICB"]),
        ("Horsham and Sussex Police", ["Horsham", "Sussex Police"]),
        (
            "Kent Fire and Rescue Service and Kent Police",
            ["Kent Fire and Rescue Service", "Kent Police"],
        ),
        # a body's name is written with capitals: this is a building
        ("Shropshire Council and West Mercia Police work from Shrewsbury police station",
         ["Shropshire Council", "West Mercia Police"]),
    ],
)  # fmt: skip
def test_body_names_are_read_whole(gaz: Gazetteer, text: str, names: list[str]) -> None:
    assert [m.text for m in gaz.find_in_text(text)] == names
