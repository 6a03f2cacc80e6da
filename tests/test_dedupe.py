"""Duplicates: the same message again, and the same arrangement told again."""

from pathlib import Path

import pytest
from sqlmodel import Session

from intake.contract import Organisation, Saving, SubmissionEntry
from intake.db import make_engine
from intake.dedupe import (
    DuplicateRules,
    Fingerprint,
    content_hash,
    find_duplicate,
    index_arrangement,
    normalised_text,
    same_arrangement,
    what_it_adds,
)
from intake.extract.kinds import default_kind_rules
from intake.messages import Attachment, ParsedMessage
from intake.store import MapEntry

ADUR, WORTHING, MID_SUSSEX = "E07000223", "E07000229", "E07000228"
CHELTENHAM, COTSWOLD = "E07000078", "E07000079"
RULES = DuplicateRules(
    min_council_overlap=0.5, min_similarity_same_services=50,
    min_similarity_overlapping_services=65,
)  # fmt: skip
LEGAL = "Shared legal service. One legal team serves both councils from a single office, with one case management system and a shared head of legal."  # noqa: E501
LEGAL_PARTNER = "Worthing and Adur legal team. Worthing and Adur have had a joint legal team since 2014, hosted by Adur, that does the legal work of both councils."  # noqa: E501
WASTE = "Joint waste collection. One fleet and one depot collect the bins of both districts."
CLEANSING = "Street cleansing contract. The two councils procured a single street cleansing and grounds maintenance contract from a private provider in 2019."  # noqa: E501


def entry(codes: list[str], areas: list[str], text: str, **more: object) -> SubmissionEntry:
    orgs = [Organisation(name=c, code=c, current_code=c) for c in codes]
    return SubmissionEntry(organisations=orgs, service_areas=areas, description=text, **more)  # type: ignore[arg-type]


def fp(codes: list[str], areas: list[str], text: str) -> Fingerprint:
    return Fingerprint.of(entry(codes, areas, text))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("One  legal\nteam, for both!", "one legal team for both"),
        ("£350,000 a year", "350 000 a year"),
        ("Café—Ysgol", "café ysgol"),
        ("", ""),
    ],
)
def test_text_is_compared_by_its_words(raw: str, expected: str) -> None:
    assert normalised_text(raw) == expected


def parsed(**changes: object) -> ParsedMessage:
    base = ParsedMessage(message_id="<a@council.test>", subject="Shared legal service",
                         from_email="jo@adur-worthing.gov.uk",
                         body_text="Lead council: Adur\nPartner: Worthing\n")  # fmt: skip
    return base.model_copy(update=changes)


@pytest.mark.parametrize(
    ("changes", "same"),
    [
        ({"message_id": "<b@council.test>"}, True),  # re-sent under another Message-ID
        ({"headers": {"received": "from relay"}, "date": None}, True),  # another delivery
        ({"subject": "RE: Shared legal service"}, True),
        ({"subject": "[EXTERNAL] Shared legal service"}, True),
        ({"body_text": "Lead council:   Adur\n\nPartner: Worthing"}, True),  # spacing only
        ({"body_text": "Lead council: Adur\nPartner: Mid Sussex\n"}, False),
        ({"from_email": "sam@worthing.gov.uk"}, False),
        ({"subject": "Shared ICT"}, False),
        ({"attachments": [Attachment(filename="form.pdf", content_type="application/pdf",
                                     sniffed_type="pdf", size=3, data=b"pdf")]}, False),
    ],
)  # fmt: skip
def test_a_copy_has_the_same_content_hash(changes: dict[str, object], same: bool) -> None:
    core = default_kind_rules().subject_core
    assert (content_hash(parsed(**changes), core) == content_hash(parsed(), core)) is same


@pytest.mark.parametrize(
    ("new", "held", "duplicate"),
    [
        (fp([ADUR, WORTHING], ["legal"], LEGAL_PARTNER), fp([WORTHING, ADUR], ["legal"], LEGAL),
         True),  # the partner, in its own words
        (fp([ADUR, WORTHING], ["legal", "audit_fraud"], LEGAL), fp([ADUR, WORTHING], ["legal"],
         LEGAL), True),  # overlapping services, same words
        (fp([ADUR, WORTHING], ["legal", "ict"], LEGAL_PARTNER), fp([ADUR, WORTHING], ["legal"],
         LEGAL), False),  # overlapping services, other words
        (fp([ADUR, WORTHING], ["ict"], LEGAL), fp([ADUR, WORTHING], ["legal"], LEGAL), False),
        (fp([CHELTENHAM, COTSWOLD], ["waste"], CLEANSING), fp([CHELTENHAM, COTSWOLD], ["waste"],
         WASTE), False),  # two arrangements of the same councils in one service area
        (fp([ADUR, WORTHING, MID_SUSSEX], ["legal"], LEGAL), fp([ADUR, WORTHING], ["legal"],
         LEGAL), True),  # 2 of 3 councils
        (fp([ADUR, CHELTENHAM, COTSWOLD], ["legal"], LEGAL), fp([ADUR, WORTHING], ["legal"],
         LEGAL), False),  # 1 of 4 councils
        (fp([], ["legal"], LEGAL), fp([ADUR, WORTHING], ["legal"], LEGAL), False),
    ],
)  # fmt: skip
def test_same_arrangement(new: Fingerprint, held: Fingerprint, duplicate: bool) -> None:
    assert (same_arrangement(new, held, RULES) is not None) is duplicate


def held(session: Session, councils: list[str], areas: list[str], text: str) -> str:
    """A map entry held and indexed; its reference."""
    row = MapEntry(map_id=f"MAP-{text[:20]}", title=text[:20])
    session.add(row)
    session.flush()
    index_arrangement(session, fp(councils, areas, text), reference=row.map_id,
                      map_entry_id=row.id)  # fmt: skip
    return row.map_id


def test_lookup_finds_the_held_arrangement_through_the_council_index(sqlite_url: str) -> None:
    """GIVEN three held arrangements WHEN the partner's version and three new arrangements
    are looked up THEN the first finds its record, the others nothing."""
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        held(session, [ADUR, WORTHING], ["ict"], "One ICT team")
        legal = held(session, [ADUR, WORTHING], ["legal"], LEGAL)
        held(session, [CHELTENHAM, COTSWOLD], ["waste"], WASTE)
        found = find_duplicate(session, entry([WORTHING, ADUR], ["legal"], LEGAL_PARTNER), RULES)
        assert found is not None and found.reference == legal
        assert find_duplicate(session, entry([CHELTENHAM, COTSWOLD], ["waste"], CLEANSING),
                              RULES) is None  # fmt: skip
        assert find_duplicate(session, entry([MID_SUSSEX, ADUR], ["ict"], "x"), RULES) is None
        assert find_duplicate(session, entry([ADUR, WORTHING], [], LEGAL), RULES) is None
    engine.dispose()


def test_refreshing_an_index_entry_replaces_its_keys(sqlite_url: str) -> None:
    """GIVEN a map entry indexed WHEN indexed again with other councils THEN only those match."""
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        entry_row = MapEntry(map_id="MAP-1", title="Shared legal")
        session.add(entry_row)
        session.flush()
        for councils, areas, text in (([ADUR, WORTHING], ["legal"], LEGAL),
                                      ([CHELTENHAM, COTSWOLD], ["waste"], WASTE)):  # fmt: skip
            index_arrangement(session, fp(councils, areas, text), reference="MAP-1",
                              map_entry_id=entry_row.id)  # fmt: skip
        assert find_duplicate(session, entry([ADUR, WORTHING], ["legal"], LEGAL), RULES) is None
        found = find_duplicate(session, entry([CHELTENHAM, COTSWOLD], ["waste"], WASTE), RULES)
        assert found is not None and found.map_entry_id == entry_row.id
    engine.dispose()


SAVING = Saving(amount_gbp=350000)


@pytest.mark.parametrize(
    ("new", "held", "adds"),
    [
        (entry([ADUR, WORTHING], ["legal"], LEGAL), entry([ADUR, WORTHING], ["legal"], LEGAL),
         []),
        (entry([ADUR, WORTHING], ["legal"], LEGAL, savings=[SAVING], start_year=2014),
         entry([ADUR, WORTHING], ["legal"], LEGAL), ["start_year", "savings"]),
        (entry([ADUR, WORTHING, MID_SUSSEX], ["legal", "ict"], LEGAL),
         entry([ADUR, WORTHING], ["legal"], LEGAL), ["organisations", "service_areas"]),
        (entry([ADUR], ["legal"], ""), None, ["organisations", "service_areas"]),
    ],
)  # fmt: skip
def test_what_a_duplicate_adds(new: SubmissionEntry, held: SubmissionEntry | None,
                               adds: list[str]) -> None:  # fmt: skip
    assert what_it_adds(new, held) == adds


def test_the_benchmark_module_runs_its_lookups(tmp_path: Path) -> None:
    """The figures `make bench` prints come from the same lookup the pipeline runs."""
    import random

    from bench.dedupe_bench import fill, lookups_per_second
    from intake.db import upgrade

    url = f"sqlite:///{tmp_path}/bench.db"
    upgrade(url)
    codes = [ADUR, WORTHING, MID_SUSSEX, CHELTENHAM, COTSWOLD]
    fill(url, 200, codes, random.Random(1))
    assert lookups_per_second(url, codes, 20, random.Random(2)) > 0
