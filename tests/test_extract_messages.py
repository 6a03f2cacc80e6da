"""Extraction of whole messages: follow-ups, forwards, labelled values, titles, speed."""

from email.message import EmailMessage

import pytest

from intake.config import LimitsSettings
from intake.extract.assemble import Extractor
from intake.parse.mime import parse_message
from intake.validate import validate
from tests.test_extract_prose import RULES, extract


def test_a_follow_up_keeps_only_the_facts_it_adds() -> None:
    """GIVEN a reply naming our reference WHEN it gives a savings figure THEN one entry with
    that figure alone, and 'missing' as after its own facts."""
    body = (
        "Hi,\n\nThe partnership saves £480,000 a year.\n\nPriya\n\n"
        "On Mon, 2 Nov 2026 at 09:00, LGA <sharedservices@local.gov.uk> wrote:\n"
        "> Thank you for telling us about Babergh and Mid Suffolk's legal team.\n"
    )
    result = extract(body, subject="Re: [SS-2026-00042] Legal partnership")
    assert (result.kind, result.reference) == ("follow_up", "SS-2026-00042")
    [entry] = result.submissions
    assert [(s.amount_gbp, s.period) for s in entry.savings] == [(480000, "annual")]
    assert entry.organisations == []
    assert entry.title is None
    assert entry.missing == ["organisations", "service_areas", "description"]


def test_a_follow_up_with_no_new_fact_has_no_entry() -> None:
    result = extract("Thanks, will do.\n", subject="Re: [SS-2026-00042] Legal partnership")
    assert (result.kind, result.submissions) == ("follow_up", [])


def test_a_forward_names_its_author_as_contact() -> None:
    body = (
        "Please see below.\n\n-----Original Message-----\n"
        "From: Rob Sharp <rob.sharp@malvernhills.gov.uk>\nSent: 02 December 2026 16:12\n"
        "Subject: ICT\n\nMalvern Hills District Council hosts a shared ICT service for "
        "Wychavon District Council.\n"
    )
    result = extract(body, sender="gemma@wychavon.gov.uk", subject="FW: ICT")
    contact = result.submissions[0].contact
    assert contact is not None and contact.email == "rob.sharp@malvernhills.gov.uk"


@pytest.mark.parametrize(
    ("savings_line", "amounts", "reason"),
    [
        ("Savings: £350,000 a year", [350000], None),
        ("Savings: 40000", [40000], None),
        ("Savings: None - the aim was resilience", [], "the aim was resilience"),
        ("Savings: n/a", [], "n/a"),
    ],
)
def test_a_labelled_savings_value(
    savings_line: str, amounts: list[int], reason: str | None
) -> None:
    body = (
        "Lead council: Babergh\nPartner councils: Mid Suffolk\nService area: Legal\n"
        f"{savings_line}\n"
    )
    [entry] = extract(body).submissions
    assert [s.amount_gbp for s in entry.savings] == amounts
    assert entry.savings_none_reason == reason


@pytest.mark.parametrize(
    ("councils", "roles"),
    [
        ("Babergh District Council (lead), Mid Suffolk District Council", ["lead", "partner"]),
        ("Babergh District Council\nMid Suffolk District Council (lead authority)",
         ["partner", "lead"]),
        ("Babergh (lead), Mid Suffolk (lead)", ["partner", "partner"]),  # two leads: neither
        ("Babergh, Mid Suffolk", ["partner", "partner"]),
    ],
)  # fmt: skip
def test_a_lead_marked_in_a_list_of_councils_is_the_lead(councils: str, roles: list[str]) -> None:
    body = f"Councils involved: {councils}\nService area: Legal\nSavings: £95,000 a year\n"
    [entry] = extract(body).submissions
    assert [o.code for o in entry.organisations] == ["E07000200", "E07000203"]
    assert [o.role for o in entry.organisations] == roles


def test_form_description_names_the_councils_when_no_field_does() -> None:
    body = (
        "Background:\nBabergh and Mid Suffolk have shared a legal team since 2012.\n\n"
        "Savings: £95,000 a year\n"
    )
    [entry] = extract(body).submissions
    assert [o.code for o in entry.organisations] == ["E07000200", "E07000203"]
    assert entry.sources["organisations"] == "body"


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        (
            "Shared legal service - Babergh and Mid Suffolk",
            "Shared legal service - Babergh and Mid Suffolk",
        ),
        ("FW: Shared legal team", "Shared legal team"),
        ("Re: Call for shared service examples", None),
        ("Hello", None),
    ],
)
def test_title_from_a_subject_that_names_the_arrangement(subject: str, title: str | None) -> None:
    result = extract("Babergh and Mid Suffolk share one legal team.\n", subject=subject)
    assert result.submissions[0].title == title


def test_a_plain_text_message_in_prose_is_a_submission() -> None:
    """(How fast this runs is measured by ``make bench``, not asserted here.)"""
    body = (
        "Dear colleague,\n\nBabergh District Council and Mid Suffolk District Council have "
        "had a shared legal service since 2012, hosted by Mid Suffolk. It has saved "
        "£1.1m to date.\n\nBest wishes\n\nRachel Green\n"
    )
    result = extract(body)
    assert result.kind == "submission"
    assert result.submissions[0].service_areas == ["legal"]


def _with_csv(body: str, csv: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = "Helen Moore <helen.moore@sevenoaks.gov.uk>", "sharedservices@x"
    msg["Subject"], msg["Message-ID"] = "Shared service example", "<parts@sevenoaks.gov.uk>"
    msg["Date"] = "Mon, 07 Dec 2026 09:00:00 +0000"
    msg.set_content(body)
    msg.add_attachment(csv.encode(), maintype="text", subtype="csv", filename="sheet.csv")
    return msg.as_bytes()


PARTS_BODY = (
    "Councils: Sevenoaks District Council (lead) and Dartford Borough Council\n"
    "Service: revenues and benefits\nRunning since: 2008\n\n"
    "The savings and a short description are in the attached sheet.\n\nHelen\n"
)


def test_an_arrangement_told_partly_in_the_body_and_partly_attached_is_one_entry() -> None:
    """GIVEN councils and service in the body, savings and description in the attached
    sheet WHEN extracted THEN one entry with all of them, each with its own source."""
    csv = 'Savings,Description\n"£390,000 a year","One team runs council tax and benefits."\n'
    parsed = parse_message(_with_csv(PARTS_BODY, csv), LimitsSettings(), RULES.kinds)
    [entry] = validate(Extractor(RULES).extract(parsed), RULES.validation).submissions
    assert [(o.code, o.role) for o in entry.organisations] == [
        ("E07000111", "lead"), ("E07000107", "partner")]  # fmt: skip
    assert entry.service_areas == ["revenues_benefits"] and entry.start_year == 2008
    assert [s.amount_gbp for s in entry.savings] == [390000]
    assert entry.description == "One team runs council tax and benefits."
    assert entry.missing == []
    assert entry.sources["organisations"] == "body"
    assert entry.sources["savings"] == entry.sources["description"] == "attachment:sheet.csv"


def test_an_attachment_naming_other_councils_is_another_arrangement() -> None:
    csv = (
        "Lead council,Partner councils,Service,Savings\n"
        "Tonbridge and Malling Borough Council,Tunbridge Wells Borough Council,Waste,"
        '"£100,000 a year"\n'
    )
    parsed = parse_message(_with_csv(PARTS_BODY, csv), LimitsSettings(), RULES.kinds)
    assert len(Extractor(RULES).extract(parsed).submissions) == 2


@pytest.mark.parametrize(
    ("body", "description"),
    [
        (  # the answer to our question, beside a figure and courtesies
            "Hi,\n\nAnswers below.\n\nWe run a shared internal audit team of seven staff for "
            "both councils.\n\nAbout £85k a year.\n\nThanks,\nMark\n",
            "We run a shared internal audit team of seven staff for both councils.",
        ),
        (  # a scope remark and a signature block describe nothing
            "Hello,\n\nThe partnership also covers the council tax support scheme.\n\n"
            "Karen Harris\nRevenues & Benefits Manager\nBreckland Council\n",
            None,
        ),
    ],
)
def test_a_follow_up_gives_the_sentences_that_say_what_is_shared(
    body: str, description: str | None
) -> None:
    result = extract(body, subject="Re: [SS-2026-00042] Audit partnership")
    [entry] = result.submissions
    assert entry.description == description


def test_a_follow_up_correcting_the_lead_beside_a_labelled_description() -> None:
    """GIVEN a reply naming the right lead in a sentence and a 'Description:' line WHEN
    extracted THEN both: the councils as corrected, and the description."""
    body = (
        "Good morning,\n\nOne correction first: the lead council is Wychavon District "
        "Council, not Malvern Hills District Council. Malvern Hills and Worcester City "
        "Council are the partners.\n\nDescription: A single building control team, employed "
        "by Wychavon, serves all three councils.\n\nPaul\n"
    )
    result = extract(body, sender="paul@wychavon.gov.uk",
                     subject="RE: Building control [SS-2026-00143]")  # fmt: skip
    [entry] = result.submissions
    assert [(o.code, o.role) for o in entry.organisations] == [
        ("E07000238", "lead"), ("E07000235", "partner"), ("E07000237", "partner")]  # fmt: skip
    assert entry.description is not None and entry.description.startswith("A single building")
    assert entry.missing == ["savings"]


def test_a_follow_up_whose_figure_is_in_an_attachment() -> None:
    """GIVEN 'Figure attached.' and a sheet holding only a saving WHEN extracted THEN
    that saving, from the attachment."""
    msg = EmailMessage()
    msg["From"], msg["To"] = "Helen <helen@oadby-wigston.gov.uk>", "sharedservices@x"
    msg["Subject"], msg["Message-ID"] = "RE: Revenues [SS-2026-00144]", "<f@ow.gov.uk>"
    msg.set_content("Figure attached.\n\nHelen\n")
    sheet = 'Measure,Amount (GBP),Financial year\r\nAnnual saving,"64,500",2025/26\r\n'
    msg.add_attachment(sheet.encode(), maintype="text", subtype="csv", filename="figure.csv")
    parsed = parse_message(msg.as_bytes(), LimitsSettings(), RULES.kinds)
    result = Extractor(RULES).extract(parsed)
    assert result.kind == "follow_up"
    [entry] = result.submissions
    assert [(s.amount_gbp, s.period, s.year) for s in entry.savings] == [
        (64500, "annual", "2025/26")]  # fmt: skip
    assert entry.sources["savings"] == "attachment:figure.csv"


def test_a_table_pasted_with_a_rule_under_its_header_gives_one_entry_a_row() -> None:
    rows = [
        "| Service | Councils | Since | Saving |",
        "|---------|----------|:-----:|--------|",
        "| Internal audit | Gloucester City Council, Stroud District Council | 2015 "
        "| £60k a year |",
        "| Legal | Gloucester City Council, Tewkesbury Borough Council | 2019 | £40,000 a year |",
    ]
    body = "Hi,\n\nOur arrangements:\n\n" + "\n".join(rows) + "\n\nThanks\n"
    result = extract(body, sender="mark@gloucester.gov.uk")
    assert [(e.service_areas, e.start_year, e.status) for e in result.submissions] == [
        (["audit_fraud"], 2015, "operational"), (["legal"], 2019, "operational")]  # fmt: skip


def test_a_subject_above_a_body_of_a_few_words_is_the_submission() -> None:
    result = extract(
        "Sent from Outlook for iOS\n", sender="tom.reilly@scambs.gov.uk",
        subject="Shared planning: South Cambs & Cambridge City, £300k pa since 2018",
    )  # fmt: skip
    [entry] = result.submissions
    assert [o.code for o in entry.organisations] == ["E07000012", "E07000008"]
    assert (entry.service_areas, entry.start_year) == (["planning"], 2018)
    assert [s.amount_gbp for s in entry.savings] == [300000]
    assert entry.sources["organisations"] == "subject" and entry.description is None


def test_arrangements_in_paragraphs_of_their_own_are_one_entry_each() -> None:
    """GIVEN one paragraph per arrangement, a savings line after one of them WHEN
    extracted THEN one entry each, the savings line with the paragraph before it."""
    body = (
        "Hello,\n\nTamworth Borough Council and Lichfield District Council share a "
        "building control team, hosted by Lichfield.\n\nIt saves about £70,000 a year.\n\n"
        "We also share our ICT with Stafford Borough Council and Cannock Chase District "
        "Council, with one service desk since 2019.\n\nThanks,\nJo\n"
    )
    result = extract(body, sender="jo@tamworth.gov.uk")
    assert [(e.service_areas, [s.amount_gbp for s in e.savings]) for e in result.submissions] == [
        (["building_control"], [70000]), (["ict"], [])]  # fmt: skip
    assert [o.code for o in result.submissions[1].organisations] == [
        "E07000199", "E07000197", "E07000192"]  # fmt: skip


def test_one_arrangement_told_twice_is_one_entry_with_its_figure_once() -> None:
    body = (
        "Hi,\n\nIn short: Brentwood Borough Council and Rochford District Council share "
        "one environmental health team, saving £150k a year.\n\nIn more detail, the "
        "environmental health team of Brentwood and Rochford saves £150,000 per year.\n"
    )
    [entry] = extract(body, sender="sam@brentwood.gov.uk").submissions
    assert [s.amount_gbp for s in entry.savings] == [150000]


def test_table_rows_take_the_council_and_type_named_before_the_table() -> None:
    rows = [
        "Service | Partners | Start | Savings",
        "Building control | Blaby District Council (host), Melton Borough Council | 2016 | £120k",
        "ICT | Oadby and Wigston Borough Council | 2023 | To be confirmed",
    ]
    body = (
        "Good morning,\n\nHinckley and Bosworth Borough Council shares the following "
        "services with other Leicestershire councils:\n\n" + "\n".join(rows) + "\n\nThanks\n"
    )
    entries = extract(body, sender="kim@hinckley-bosworth.gov.uk").submissions
    assert [[(o.code, o.role) for o in e.organisations] for e in entries] == [
        [("E07000132", "partner"), ("E07000129", "lead"), ("E07000133", "partner")],
        [("E07000132", "partner"), ("E07000135", "partner")],
    ]  # fmt: skip
    assert [e.arrangement_type for e in entries] == ["shared_service", "shared_service"]


def _with_attachments(body: str, *files: tuple[str, str, bytes]) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = "Olivia <olivia@spelthorne.gov.uk>", "sharedservices@x"
    msg["Subject"], msg["Message-ID"] = "Our form", "<twice@spelthorne.gov.uk>"
    msg.set_content(body)
    for name, subtype, data in files:
        msg.add_attachment(data, maintype="text", subtype=subtype, filename=name)
    return msg.as_bytes()


def test_one_form_attached_twice_is_one_entry() -> None:
    sheet = (
        "Lead council,Partner councils,Service,Savings,Saving status\r\n"
        "Spelthorne Borough Council,Runnymede Borough Council,Emergency planning,"
        "£36000,Forecast\r\n"
    ).encode()
    data = _with_attachments("Form attached (twice, sorry).", ("a.csv", "csv", sheet),
                             ("b.csv", "csv", sheet))  # fmt: skip
    parsed = parse_message(data, LimitsSettings(), RULES.kinds)
    [entry] = Extractor(RULES).extract(parsed).submissions
    # the savings basis from its own column: "Forecast" is expected
    assert [(s.amount_gbp, s.basis) for s in entry.savings] == [(36000, "expected")]
    assert entry.sources["savings"] == "attachment:a.csv"
