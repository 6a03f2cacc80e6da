"""The gazetteer: its table against the reference, and matching names as people write them."""

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from intake.errors import RulesError
from intake.gazetteer import Council, Gazetteer, MatchContext

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
REFERENCE = ROOT.parent / "shared" / "reference" / "uk_local_authorities.csv"
COUNCIL_TYPES = {"NMD", "UA", "MD", "LBO", "CTY", "CC", "WPA", "SCO", "NID"}


def _reference_rows() -> list[dict[str, str]]:
    if not REFERENCE.exists():
        return []
    with REFERENCE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if r["gss-code"] and r["local-authority-type"] in COUNCIL_TYPES]


REFERENCE_ROWS = _reference_rows()
needs_reference = pytest.mark.skipif(not REFERENCE_ROWS, reason=f"{REFERENCE} not found")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load(RULES)


def _year_in_life(council: Council) -> int:
    """A year in which the council existed, for telling it apart from a namesake."""
    if council.end_date:
        year = council.end_date.year - 1
        return max(year, council.start_date.year) if council.start_date else year
    return council.start_date.year + 1 if council.start_date else date.today().year


# --- the table against the reference ------------------------------------------------------


@needs_reference
def test_every_reference_council_is_in_the_table_with_its_end_date_and_successors(
    gaz: Gazetteer,
) -> None:
    """GIVEN the mySociety table WHEN each council is looked up THEN its facts agree."""
    gss_of = {r["local-authority-code"]: r["gss-code"] for r in REFERENCE_ROWS}
    for row in REFERENCE_ROWS:
        council = gaz.get(row["gss-code"])
        assert council is not None, row["official-name"]
        assert council.end_date == (
            date.fromisoformat(row["end-date"]) if row["end-date"] else None
        )
        successors = {gss_of[c] for c in row["replaced-by"].split(",") if c}
        assert set(council.successors) == successors, row["official-name"]


@needs_reference
def test_all_english_and_welsh_principal_councils_are_present(gaz: Gazetteer) -> None:
    english = {r["gss-code"] for r in REFERENCE_ROWS if r["nation"] == "England"}
    table = {c.code for c in gaz.councils.values() if c.nation == "England"}
    abolished_2009 = {c.code for c in gaz.councils.values() if c.end_date == date(2009, 3, 31)}
    assert len(english) > 300 and table == english | abolished_2009 and len(abolished_2009) == 44
    welsh = {c.code for c in gaz.councils.values() if c.nation == "Wales"}
    assert len(welsh) == 22 and all(code.startswith("W06") for code in welsh)


@pytest.mark.parametrize(
    ("code", "successor"),
    [
        ("E10000001", None),  # Bedfordshire, split in 2009
        ("E07000001", "E06000056"),  # Mid Bedfordshire -> Central Bedfordshire
        ("E07000002", "E06000055"),  # Bedford district -> Bedford unitary
        ("E10000004", None),  # Cheshire, split
        ("E07000017", "E06000049"),  # Macclesfield -> Cheshire East
        ("E07000018", "E06000050"),  # Vale Royal -> Cheshire West and Chester
        ("E07000023", "E06000052"),  # Penwith -> Cornwall
        ("E07000056", "E06000047"),  # Durham City -> County Durham
        ("E07000162", "E06000057"),  # Wansbeck -> Northumberland
        ("E07000185", "E06000051"),  # Shrewsbury and Atcham -> Shropshire
        ("E07000232", "E06000054"),  # Salisbury -> Wiltshire
    ],
)
def test_councils_abolished_in_2009_are_added(
    gaz: Gazetteer, code: str, successor: str | None
) -> None:
    council = gaz.get(code)
    assert council is not None and council.end_date == date(2009, 3, 31)
    assert gaz.current_code(code) == successor


@pytest.mark.parametrize(
    ("code", "current"),
    [
        ("E07000004", "E06000060"),  # Aylesbury Vale -> Buckinghamshire
        ("E07000190", "E06000066"),  # Taunton Deane -> Somerset West and Taunton -> Somerset
        ("E10000021", None),  # Northamptonshire: North and West Northamptonshire
        ("E10000006", None),  # Cumbria: Cumberland, Westmorland and Furness
        ("E06000048", "E06000057"),  # Northumberland's code before 2013
        ("E07000223", "E07000223"),  # Adur, current
        ("E99999999", None),
    ],
)
def test_current_code_follows_successors(gaz: Gazetteer, code: str, current: str | None) -> None:
    assert gaz.current_code(code) == current


# --- names ----------------------------------------------------------------------------------


def _name_cases() -> list[tuple[str, str]]:
    cases = []
    for row in REFERENCE_ROWS:
        cases.append((row["official-name"], row["gss-code"]))
        cases.append((row["nice-name"].strip(), row["gss-code"]))
    return cases


@needs_reference
@pytest.mark.parametrize(("name", "code"), _name_cases())
def test_every_reference_council_resolves_from_its_names(
    gaz: Gazetteer, name: str, code: str
) -> None:
    """Without context a name gives its council, or lists it among namesakes;
    with a year in the council's life it gives exactly that council."""
    council = gaz.get(code)
    assert council is not None
    bare = gaz.match(name)
    assert bare is not None
    assert bare.code == code or code in bare.candidates
    dated = gaz.match(name, MatchContext(year=_year_in_life(council)))
    assert dated is not None and dated.code == code


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Bucks CC", "E10000002"),
        ("LB Camden", "E09000007"),
        ("the London Borough of Camden", "E09000007"),
        ("RBKC", "E09000020"),
        ("Royal Borough of Kensington & Chelsea", "E09000020"),
        ("TWBC", "E07000116"),
        ("Herts", "E10000015"),
        ("Hants CC", "E10000014"),
        ("B&NES", "E06000022"),
        ("BCP", "E06000058"),
        ("BCP Council", "E06000058"),
        ("Brum", "E08000025"),
        ("Aylesbury Vale DC", "E07000004"),
        ("St. Albans", "E07000240"),
        ("St Albans City & District Council", "E07000240"),
        ("King's Lynn & West Norfolk BC", "E07000146"),
        ("Kings Lynn", "E07000146"),
        ("Stoke", "E06000021"),
        ("Hull", "E06000010"),
        ("Kingston upon Hull City Council", "E06000010"),
        ("Brighton & Hove City Council", "E06000043"),
        ("Shepway DC", "E07000112"),
        ("Ynys Môn", "W06000001"),
        ("RCT", "W06000016"),
        ("Telford & Wrekin", "E06000020"),
        ("Newcastle-under-Lyme BC", "E07000195"),
        ("Barnsley MBC", "E08000016"),
        ("ESCC", "E10000011"),
        ("Mid Beds", "E07000001"),
        ("Penwith DC", "E07000023"),
        ("Cornwall County Council", "E10000005"),
        ("Cornwall Council", "E06000052"),
        ("City of Edinburgh Council", "S12000036"),
        ("City of London", "E09000001"),
        ("Stockton-on-Tees Borough Council", "E06000004"),
        ("WEALDEN DISTRICT COUNCIL", "E07000065"),
    ],
)
def test_informal_forms(gaz: Gazetteer, written: str, code: str) -> None:
    found = gaz.match(written)
    assert found is not None and found.code == code, found


@pytest.mark.parametrize("written", ["weald", "London", "the county", "Sussex", "council", ""])
def test_words_that_are_not_councils(gaz: Gazetteer, written: str) -> None:
    found = gaz.match(written)
    assert found is None or (found.council is None and found.kind != "council")


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        ("Adur & Worthing", ["E07000223", "E07000229"]),
        ("Adur and Worthing Councils", ["E07000223", "E07000229"]),
        ("South and Vale", ["E07000179", "E07000180"]),
        ("Adur, Worthing & Mid Sussex", ["E07000223", "E07000229", "E07000228"]),
        ("Cotswold, Forest of Dean and West Oxfordshire", ["E07000079", "E07000080", "E07000181"]),
    ],
)
def test_names_of_several_councils(gaz: Gazetteer, written: str, codes: list[str]) -> None:
    assert [m.code for m in gaz.match_all(written)] == codes
    single = gaz.match(written)
    assert single is not None and single.council is None and single.warning


# --- ambiguity --------------------------------------------------------------------------------

DACORUM, WINCHESTER, ELMBRIDGE = "E07000096", "E07000094", "E07000207"


@pytest.mark.parametrize(
    ("written", "context", "code"),
    [
        ("HCC", MatchContext(sender_code=DACORUM), "E10000015"),
        ("HCC", MatchContext(sender_code=WINCHESTER), "E10000014"),
        ("SCC", MatchContext(sender_code=ELMBRIDGE), "E10000030"),
        ("SCC", MatchContext(sender_email="jo@eastsuffolk.gov.uk"), "E10000029"),
        ("SCC", MatchContext(partner_regions=frozenset({"South West"})), "E10000027"),
        ("SCC", MatchContext(partner_regions=["South West"], year=2020), "E10000027"),  # type: ignore[arg-type]
        ("North Yorkshire", MatchContext(year=2020), "E10000023"),
        ("North Yorkshire", MatchContext(year=2024), "E06000065"),
        ("Somerset", MatchContext(year=2015), "E10000027"),
        ("Somerset", MatchContext(year=2024), "E06000066"),
        ("Durham", MatchContext(year=2015), "E06000047"),
        ("Dorset", MatchContext(year=2024), "E06000059"),
        ("Bucks", MatchContext(year=2022), "E06000060"),
        ("Kingston", MatchContext(sender_code="E09000029"), "E09000021"),  # from Sutton
        ("Newcastle", MatchContext(partner_regions=frozenset({"North East"})), "E08000021"),
    ],
)
def test_ambiguous_names_are_resolved_by_context(
    gaz: Gazetteer, written: str, context: MatchContext, code: str
) -> None:
    found = gaz.match(written, context)
    assert found is not None and found.code == code, found


@pytest.mark.parametrize(
    ("written", "candidates", "current"),
    [
        ("HCC", {"E10000015", "E10000014", "E06000019"}, None),
        ("SCC", {"E10000030", "E10000029", "E10000027", "E10000028"}, None),
        ("North Yorkshire", {"E10000023", "E06000065"}, "E06000065"),
        ("Somerset", {"E10000027", "E06000066"}, "E06000066"),
        ("Durham", {"E07000056", "E10000010", "E06000047"}, "E06000047"),
        ("Kingston", {"E09000021", "E06000010"}, None),
    ],
)
def test_ambiguous_names_without_context_are_not_guessed(
    gaz: Gazetteer, written: str, candidates: set[str], current: str | None
) -> None:
    found = gaz.match(written)
    assert found is not None and found.council is None and found.code is None
    assert candidates <= set(found.candidates)
    assert found.current_code == current
    assert found.warning and all(code in found.warning for code in candidates)


def test_a_split_county_has_no_current_code_and_says_why(gaz: Gazetteer) -> None:
    found = gaz.match("Bedfordshire")
    assert found is not None and found.code == "E10000001" and found.current_code is None
    assert found.warning and "E06000055" in found.warning and "E06000056" in found.warning


def test_an_abolished_council_keeps_its_own_code(gaz: Gazetteer) -> None:
    found = gaz.match("Aylesbury Vale District Council")
    assert found is not None
    assert (found.code, found.current_code) == ("E07000004", "E06000060")


@pytest.mark.parametrize(
    ("typo", "code"),
    [
        ("Worthng Borough Council", "E07000229"),
        ("Hertfordshre County Council", "E10000015"),
        ("Tunbridge Wels", "E07000116"),
        ("Bassetlow District Council", "E07000171"),
    ],
)
def test_typos_are_matched_with_a_lower_score_and_a_warning(
    gaz: Gazetteer, typo: str, code: str
) -> None:
    found = gaz.match(typo)
    assert found is not None and found.code == code
    assert found.score < 1 and found.warning


# --- e-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("a.b@hants.gov.uk", "E10000014"),
        ("x@surreycc.gov.uk", "E10000030"),
        ("X.Y@EastSuffolk.gov.uk", "E07000244"),
        ("x@northyorks.gov.uk", "E06000065"),  # the current council, not the abolished county
        ("jo@legal.adur-worthing.gov.uk", None),  # shared by two councils
        ("someone@gmail.com", None),
        ("not an address", None),
    ],
)
def test_by_email(gaz: Gazetteer, address: str, code: str | None) -> None:
    found = gaz.by_email(address)
    assert (found.code if found else None) == code


def test_a_shared_domain_lists_every_council_using_it(gaz: Gazetteer) -> None:
    codes = {c.code for c in gaz.councils_by_email("jo@legal.adur-worthing.gov.uk")}
    assert codes == {"E07000223", "E07000229"}
    assert {c.code for c in gaz.councils_by_email("a@southandvale.gov.uk")} == {
        "E07000179",
        "E07000180",
    }


# --- free text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We run a shared legal team between Adur District Council, Worthing and Mid Sussex.",
            ["E07000223", "E07000229", "E07000228"],
        ),
        ("Partners: Adur, Worthing & Mid Sussex", ["E07000223", "E07000229", "E07000228"]),
        ("The county council works with the districts across the county.", []),
        (
            "Wealden District Council and Rother share crews across the weald.",
            ["E07000065", "E07000064"],
        ),
        ("Reading the report, the team agreed to bury the idea.", []),
        ("Reading Borough Council and Wokingham", ["E06000038", "E06000041"]),
        ("Kind regards, Angus Brent, Head of Legal", []),
        ("Thanks, Jo Dudley (Westminster briefing attached)", []),
        ("Westminster City Council and RBKC share a bi-borough team", ["E09000033", "E09000020"]),
        (
            "East Kent Services is run by Canterbury, Dover and Thanet.",
            ["E07000106", "E07000108", "E07000114"],
        ),
        ("Working with LB Camden and RBKC on procurement", ["E09000007", "E09000020"]),
        ("Since 2009 Bucks CC and Aylesbury Vale DC shared a depot.", ["E10000002", "E07000004"]),
        ("Oxford Street and Cambridge University are not councils.", []),
        ("In North Kent and the Weald", []),
        ("Worthng Borough Council leads the service.", ["E07000229"]),
        (
            "In 2019 Christchurch and Poole merged into BCP Council.",
            ["E07000048", "E06000029", "E06000058"],
        ),
        (
            "The Cotswold, Forest of Dean and West Oxfordshire councils formed Publica.",
            ["E07000079", "E07000080", "E07000181"],
        ),
        ("the London Borough of Hammersmith & Fulham", ["E09000013"]),
    ],
)
def test_find_in_text_councils(gaz: Gazetteer, text: str, expected: list[str]) -> None:
    found = [m for m in gaz.find_in_text(text) if m.kind == "council"]
    assert [m.code for m in found] == expected


def test_find_in_text_keeps_order_offsets_and_other_bodies(gaz: Gazetteer) -> None:
    text = "Sussex Police, NHS Sussex ICB and Brighton & Hove City Council share a control room."
    found = gaz.find_in_text(text)
    assert [(m.kind, m.code) for m in found] == [
        ("police", None),
        ("health", None),
        ("council", "E06000043"),
    ]
    assert [text[m.start : m.end] for m in found] == [m.text for m in found]
    assert found[2].text == "Brighton & Hove City Council"


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Surrey Fire and Rescue Service and Surrey County Council", ["fire", "council"]),
        ("Horsham and Sussex Police; Devon and Cornwall Police", ["council", "police", "police"]),
        ("the Police and Crime Commissioner for Surrey and Surrey CC", ["police", "council"]),
        ("Cambridge University Hospitals NHS Foundation Trust", ["health"]),
        ("West Midlands Combined Authority and Brum", ["combined_authority", "council"]),
        ("County Durham and Darlington Fire and Rescue Service", ["fire"]),
    ],
)
def test_find_in_text_does_not_take_a_body_for_its_council(
    gaz: Gazetteer, text: str, kinds: list[str]
) -> None:
    assert [m.kind for m in gaz.find_in_text(text)] == kinds


def test_ambiguous_names_in_text_use_the_context(gaz: Gazetteer) -> None:
    text = "HCC hosts the internal audit team."
    bare = gaz.find_in_text(text)
    assert bare[0].council is None and bare[0].warning
    from_sender = gaz.find_in_text(text, MatchContext(sender_code=DACORUM))
    assert [m.code for m in from_sender] == ["E10000015"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("HCC and Dacorum share an internal audit team.", ["E10000015", DACORUM]),
        ("HCC and Winchester share an internal audit team.", ["E10000014", WINCHESTER]),
        ("Gloucestershire County Council (GCC) hosts it.", ["E10000013", "E10000013"]),
    ],
)
def test_ambiguous_names_in_text_use_the_other_councils_named(
    gaz: Gazetteer, text: str, codes: list[str]
) -> None:
    found = gaz.find_in_text(text)
    assert [m.code for m in found] == codes
    settled = [m for m in found if m.text in ("HCC", "GCC")]
    assert len(settled) == 1 and settled[0].score < 1 and settled[0].warning


# --- other bodies and brands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Kent Fire and Rescue Service", "fire"),
        ("Hampshire & Isle of Wight Fire and Rescue Authority", "fire"),
        ("East Sussex FRS", "fire"),
        ("Sussex Police", "police"),
        ("Devon and Cornwall Constabulary", "police"),
        ("Office of the Police and Crime Commissioner for Surrey", "police"),
        ("NHS Frimley ICB", "health"),
        ("Sussex Partnership NHS Foundation Trust", "health"),
        ("West Kent CCG", "health"),
        ("South East Coast Ambulance Service", "health"),
        ("Royal Sussex County Hospital", "health"),
        ("Greater Manchester Combined Authority", "combined_authority"),
        ("WMCA", "combined_authority"),
        ("East Midlands Combined County Authority", "combined_authority"),
        ("Greater London Authority", "other"),
        ("Environment Agency", "other"),
        ("Acme Consulting Ltd", "other"),
        ("Adur District Council", "council"),
        ("Bucks CC", "council"),
    ],
)
def test_classify_body(gaz: Gazetteer, name: str, kind: str) -> None:
    assert gaz.classify_body(name) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Surrey Fire & Rescue Service", "fire"),
        ("East Sussex FRS", "fire"),
        ("Surrey PCC", "police"),
        ("Office of the Police and Crime Commissioner for Surrey", "police"),
        ("NHS Frimley ICB", "health"),
        ("WMCA", "combined_authority"),
        ("Greater London Authority", "other"),
    ],
)
def test_match_reports_the_kind_of_a_non_council(gaz: Gazetteer, name: str, kind: str) -> None:
    found = gaz.match(name)
    assert found is not None and found.kind == kind and found.code is None


def test_match_all_reads_a_list_of_councils_and_other_bodies(gaz: Gazetteer) -> None:
    found = gaz.match_all("Adur, Worthing & Sussex Police")
    assert [(m.kind, m.code) for m in found] == [
        ("council", "E07000223"),
        ("council", "E07000229"),
        ("police", None),
    ]


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("Orbis", ["E10000030", "E10000011", "E06000043"]),
        ("LGSS", ["E10000003", "E10000021", "E06000042"]),
        ("Publica", ["E07000079", "E07000080", "E07000181", "E07000078"]),
        ("3C Shared Services", ["E07000008", "E07000011", "E07000012"]),
        ("3C ICT", ["E07000008", "E07000011", "E07000012"]),
        ("Tri-borough", ["E09000013", "E09000020", "E09000033"]),
        ("Acme Shared Services", None),
    ],
)
def test_brand(gaz: Gazetteer, name: str, codes: list[str] | None) -> None:
    assert gaz.brand(name) == codes


# --- the rules files ----------------------------------------------------------------------


def _rules_copy(tmp_path: Path) -> Path:
    for name in ("councils.csv", "council_aliases.yaml", "partners.yaml"):
        shutil.copy(RULES / name, tmp_path / name)
    return tmp_path


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("councils.csv", "E07000223,Adur", "E0700022X,Adur", "councils.csv:"),
        ("councils.csv", ",E06000060,E10000002,", ",E06999999,E10000002,", "E06999999"),
        ("councils.csv", "adur-worthing.gov.uk;adur.gov.uk", "not a domain", "councils.csv:"),
        (
            "council_aliases.yaml",
            "  Brum: E08000025",
            "  Brum: Birmingham Town",
            "council_aliases.yaml:",
        ),
        ("council_aliases.yaml", "groups:", "groups: 3\nx:", "council_aliases.yaml"),
        ("council_aliases.yaml", "  - Wyre\n", "  - Wyrd\n", "Wyrd|wyrd"),
        ("partners.yaml", "[E07000008, E07000011", "[E07999999, E07000011", "partners.yaml:"),
        (
            "partners.yaml",
            "  Environment Agency: other",
            "  Environment Agency: charity",
            "partners.yaml:",
        ),
        (
            "partners.yaml",
            "    - \\bconstabulary\\b",
            "    - \\bconstab(ulary\\b",
            "partners.yaml:",
        ),
    ],
)
def test_bad_rules_are_refused_with_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    rules = _rules_copy(tmp_path)
    _replace(rules / file, old, new)
    with pytest.raises(RulesError, match=message):
        Gazetteer.load(rules)


def test_a_missing_rules_file_is_a_rules_error(tmp_path: Path) -> None:
    rules = _rules_copy(tmp_path)
    (rules / "partners.yaml").unlink()
    with pytest.raises(RulesError, match=r"partners\.yaml"):
        Gazetteer.load(rules)


# --- speed --------------------------------------------------------------------------------


def test_names_are_found_in_a_long_email(gaz: Gazetteer) -> None:
    """(How fast matching runs is measured by ``make bench``, not asserted here.)"""
    assert gaz.match("Worthing Borough Council") is not None
    names = (
        "Dear colleagues, the shared legal team between Adur District Council, Worthing and "
        "Mid Sussex has saved £350k a year since 2013. Surrey Fire and Rescue Service and "
        "NHS Sussex ICB also take part; reading the report, the county team agreed. "
    )
    filler = (
        "Thank you for the note about the joint waste contract; we met the team last week and "
        "agreed the plan for next year, including the budget and the procurement timetable. "
    )
    email = (names + filler * 20)[:3000]
    assert len(gaz.find_in_text(email)) >= 5
