"""Attachment readers: what each kind of document a council sends turns into.

Sample files come from tests/data/attachments/make_samples.py; our own forms are
filled here from the committed templates/forms, as a council would fill them.
"""

import io
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader, PdfWriter

from intake.config import LimitsSettings
from intake.errors import RulesError
from intake.messages import Attachment
from intake.readers import READERS, make_readers
from intake.readers import pdf as pdf_reader
from intake.readers.labels import FormFieldRules, canonical_label, default_rules
from intake.readers.sheet import cell_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "attachments"
FORMS = ROOT / "templates" / "forms"
RULES = default_rules()
FORM_KEYS = [
    "title", "lead_council", "partner_councils", "service_areas", "arrangement_type",
    "status", "start_year", "savings", "savings_basis", "savings_year", "no_savings_reason",
    "description",
    "benefits", "contact_name", "contact_email", "contact_phone",
]  # fmt: skip
COMPLETED_FORM = {
    "title": "Adur & Worthing shared legal service",
    "lead_council": "Adur District Council",
    "partner_councils": "Worthing Borough Council\nBrighton & Hove City Council",
    "service_areas": "Legal; children's services",
    "arrangement_type": "Shared service",
    "status": "Operational",
    "start_year": "2013",
    "savings": "£350,000 a year (achieved)",
    "savings_year": "2017/18",
    "no_savings_reason": "n/a",
    "description": "One legal team serves both councils.\nIt is hosted by Adur.",
    "benefits": "Resilience; shared case management system",
    "contact_name": "Jo Bloggs",
    "contact_email": "jo.bloggs@adur-worthing.gov.uk",
    "contact_phone": "01903 221000",
}


def read(name: str, data: bytes | None = None, **limits: int) -> Attachment:
    """Run the reader for ``name``'s type on the sample of that name (or on ``data``)."""
    kind = name.rsplit(".", 1)[-1]
    content = (SAMPLES / name).read_bytes() if data is None else data
    attachment = Attachment(
        filename=name, content_type="application/octet-stream", sniffed_type=kind,
        size=len(content), data=content,
    )  # fmt: skip
    READERS[kind](attachment, LimitsSettings(**limits))
    return attachment


def filled_pdf_form(values: dict[str, str], flatten: bool = False) -> bytes:
    """Our PDF form filled in; ``flatten`` prints the values onto the page, as "Save as PDF"
    does, leaving no form fields."""
    writer = PdfWriter(clone_from=PdfReader(FORMS / "shared-service-form.pdf"))
    writer.update_page_form_field_values(None, values, auto_regenerate=False, flatten=flatten)
    if flatten:
        writer.remove_annotations(subtypes="/Widget")
    writer.set_need_appearances_writer(True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def filled_word_form(values: dict[str, str]) -> bytes:
    document = Document(str(FORMS / "shared-service-form.docx"))
    labels = {RULES.fields[key].label: key for key in values}
    for row in document.tables[0].rows:
        label = row.cells[0].paragraphs[0].text
        if label in labels:
            row.cells[1].text = values[labels[label]]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Lead council", "lead_council"),
        ("Lead Authority:", "lead_council"),
        ("Host authority", "lead_council"),
        ("lead_council", "lead_council"),
        ("Partner councils", "partner_councils"),
        ("Partners", "partner_councils"),
        ("Other councils involved", "partner_councils"),
        ("Partner organisations", "partner_councils"),
        ("Service area(s)", "service_areas"),
        ("Service", "service_areas"),
        ("Function shared", "service_areas"),
        ("Savings (£)", "savings"),
        ("Annual saving", "savings"),
        ("Savings to date", "savings"),
        ("Cumulative savings", "savings"),
        ("Savings year", "savings_year"),
        ("Description", "description"),
        ("Summary", "description"),
        ("About the arrangement", "description"),
        ("Description of the arrangement", "description"),
        ("Benefits", "benefits"),
        ("Outcomes", "benefits"),
        ("Start date", "start_year"),
        ("Year started", "start_year"),
        ("Since", "start_year"),
        ("Start", "start_year"),
        ("Status", "status"),
        ("Type of arrangement", "arrangement_type"),
        ("Contact name", "contact_name"),
        ("Contact email", "contact_email"),
        ("E-mail address", "contact_email"),
        ("Telephone", "contact_phone"),
        ("Title", "title"),
        ("Name of the partnership", "title"),
        ("Partner councils\nEvery other council or body taking part", "partner_councils"),
        ("Savings (say whether per year or to date, achieved or expected)", "savings"),
        ("Cyngor arweiniol / Lead council", "lead_council"),
        ("Disgrifiad / Description", "description"),
        ("Name of arrangement", "title"),
        ("Arrangement", "title"),
        ("Notes", "description"),
        ("How it works", "description"),
        ("Running since", "start_year"),
        ("Reference number", None),
        ("Reference (internal use only)", None),
        ("Text1", None),
        ("", None),
        ("Lead council officers have worked on this for a very long time", None),
    ],
)
def test_printed_label_to_canonical_key(label: str, key: str | None) -> None:
    assert canonical_label(label, RULES) == key


def test_our_form_fields_are_the_canonical_keys_in_form_order() -> None:
    assert list(RULES.fields) == FORM_KEYS


def test_a_wording_meaning_two_fields_is_a_rules_error(tmp_path: Path) -> None:
    (tmp_path / "form_fields.yaml").write_text(
        "fields:\n  lead_council: {label: Lead, variants: [Host]}\n"
        "  partner_councils: {label: Partners, variants: [host]}\n"
    )
    with pytest.raises(RulesError, match="host"):
        FormFieldRules.load(tmp_path)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (350000.0, "350000"),
        (1200000, "1200000"),
        (75000.5, "75000.5"),
        (0.1 + 0.2, "0.3"),
        (datetime(2015, 4, 1), "2015-04-01"),
        (None, ""),
        ("  Legal ", "Legal"),
    ],
)
def test_spreadsheet_cell_as_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_readers_cover_the_four_sniffed_types() -> None:
    assert set(READERS) == {"pdf", "docx", "xlsx", "csv"}


def test_our_pdf_form_completed_reads_back_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN our fillable form completed WHEN read THEN every field, without layout analysis."""

    def no_layout(*args: object, **kwargs: object) -> None:
        raise AssertionError("a filled form must be read from its fields alone")

    monkeypatch.setattr(pdf_reader.pdfplumber, "open", no_layout)
    attachment = read("form.pdf", filled_pdf_form(COMPLETED_FORM))
    assert (attachment.fields, attachment.warnings) == (COMPLETED_FORM, [])
    assert "Lead council: Adur District Council" in attachment.text


def test_our_pdf_form_partly_completed_gives_only_filled_fields() -> None:
    values = {"lead_council": "Hart District Council", "savings": "none"}
    assert read("form.pdf", filled_pdf_form(values)).fields == values


def test_our_pdf_form_flattened_is_read_from_its_layout() -> None:
    """GIVEN our form filled then printed to PDF THEN label | value lines give the fields
    (a value's lines are joined: the layout cannot tell wrapping from line breaks)."""
    attachment = read("form.pdf", filled_pdf_form(COMPLETED_FORM, flatten=True))
    unwrapped = {k: v.replace("\n", " ") for k, v in COMPLETED_FORM.items()}
    assert (attachment.fields, attachment.warnings) == (unwrapped, [])


def test_our_word_form_completed_reads_back_exactly() -> None:
    attachment = read("form.docx", filled_word_form(COMPLETED_FORM))
    assert (attachment.fields, attachment.rows, attachment.warnings) == (COMPLETED_FORM, [], [])


def test_pdf_form_with_meaningless_field_names_is_read_by_printed_labels() -> None:
    assert read("unfamiliar-form.pdf").fields == {
        "lead_council": "Adur District Council",  # "Lead Authority:" left of Text1
        "partner_councils": "Worthing Borough Council",
        "service_areas": "Legal services",
        "savings": "350,000",
        "Reference number": "AW-17",  # not a label of ours: kept as printed
        "contact_name": "Jo Bloggs",  # two fields on one line
        "contact_phone": "01903 221000",
        "description": "One legal team serves both councils from a single office, with shared "
        "case manag",  # label printed above the box
    }


def test_flat_pdf_label_lines_heading_and_tables() -> None:
    attachment = read("flat.pdf")
    assert attachment.fields == {
        "lead_council": "Adur District Council",
        "partner_councils": "Worthing Borough Council",
        "description": "One legal team serves both councils from a single office, with shared "
        "case management and one head of legal. Staff transferred to the host council in 2013 "
        "and the team now handles property, litigation and governance work for both.",
        "service_areas": "Legal",
        "savings": "£350,000 per year",
    }
    assert attachment.rows == [
        {"lead_council": "Mid Suffolk District Council",
         "partner_councils": "Babergh District Council", "service_areas": "Planning",
         "savings": "£1.2m"},
        {"lead_council": "Cotswold District Council",
         "partner_councils": "Forest of Dean District Council", "service_areas": "ICT",
         "savings": "£250k"},
    ]  # fmt: skip
    assert attachment.text.startswith("Shared services example\n\nLead council: Adur")


def test_pdf_locked_with_a_password_is_a_warning() -> None:
    attachment = read("encrypted.pdf")
    assert (attachment.warnings, attachment.fields, attachment.text) == (
        ["encrypted.pdf is password-protected: not read"], {}, ""
    )  # fmt: skip


def test_pdf_locked_only_against_editing_is_read() -> None:
    attachment = read("owner-locked.pdf")
    assert (attachment.fields["lead_council"], attachment.warnings) == ("Adur District Council", [])


@pytest.mark.parametrize(
    ("name", "data", "warning"),
    [
        ("truncated.pdf", None, "truncated.pdf is damaged or not a PDF: not read"),
        ("empty.pdf", b"", "empty.pdf is damaged or not a PDF: not read"),
        ("junk.docx", b"PK\x03\x04 junk", "junk.docx could not be read as Word"),
        ("junk.xlsx", b"not a workbook", "junk.xlsx could not be read as Excel"),
    ],
)
def test_damaged_file_is_a_warning_not_an_error(
    name: str, data: bytes | None, warning: str
) -> None:
    attachment = read(name, data)
    assert len(attachment.warnings) == 1
    assert attachment.warnings[0].startswith(warning)
    assert (attachment.fields, attachment.rows, attachment.text) == ({}, [], "")


def test_pdf_pages_beyond_the_limit_are_not_read() -> None:
    attachment = read("long.pdf", max_pdf_pages=2)
    assert attachment.warnings == ["long.pdf has 5 pages: only the first 2 were read"]
    assert "Appendix page 2" in attachment.text
    assert "Appendix page 3" not in attachment.text


def test_pdf_within_the_limit_is_read_whole() -> None:
    attachment = read("long.pdf", max_pdf_pages=5)
    assert (attachment.warnings, "Appendix page 5" in attachment.text) == ([], True)


def test_word_label_value_table_with_heading_and_label_line() -> None:
    assert read("label-table.docx").fields == {
        "title": "South Downs shared revenues",
        "lead_council": "Lewes District Council",
        "partner_councils": "Eastbourne Borough Council",
        "service_areas": "Revenues and benefits",
        "savings": "£2.1m",
        "start_year": "2015",
        "contact_email": "rev.team@lewes-eastbourne.gov.uk",
        "benefits": "Fewer complaints and a single phone line for residents.",  # heading
        "status": "operational",  # "Status: operational" paragraph
    }


def test_word_table_of_arrangements_gives_one_row_each_without_the_total() -> None:
    attachment = read("arrangements.docx")
    assert (attachment.fields, attachment.rows) == ({}, [
        {"lead_council": "Breckland Council", "partner_councils": "South Holland District Council",
         "service_areas": "Management", "savings": "£500,000"},
        {"lead_council": "Cherwell District Council",
         "partner_councils": "South Northamptonshire Council", "service_areas": "Legal",
         "savings": "£300k"},
    ])  # fmt: skip


def test_word_content_controls_by_tag_or_title_placeholders_skipped() -> None:
    attachment = read("content-control.docx")
    assert attachment.fields == {
        "lead_council": "Hart District Council",
        "partner_councils": "Rushmoor Borough Council",
    }
    assert "Click or tap" not in attachment.text


def test_spreadsheet_header_found_by_meaning_on_row_three() -> None:
    attachment = read("register.xlsx")
    expected = [
        ("Adur District Council", "Worthing Borough Council", "Legal", "350000", "2013"),
        ("Babergh District Council", "Mid Suffolk District Council", "Planning", "1200000",
         "2011"),
        ("Hart District Council", "Rushmoor Borough Council", "Waste", "75000.5", "2019"),
        ("Cotswold District Council", "West Oxfordshire District Council", "ICT", "", "2016"),
        ("Lewes District Council", "Eastbourne Borough Council", "Revenues", "2100000",
         "2015-04-01"),
    ]  # fmt: skip
    keys = ("lead_council", "partner_councils", "service_areas", "savings", "start_year")
    assert attachment.rows == [
        {k: v for k, v in zip(keys, row, strict=True) if v} for row in expected
    ]
    assert attachment.warnings == []


def test_csv_in_windows_encoding_with_pound_sign() -> None:
    assert read("arrangements-windows.csv").rows == [
        {"lead_council": "Tewkesbury Borough Council",
         "partner_councils": "Cheltenham Borough Council",
         "service_areas": "Building control", "savings": "£120,000"},
    ]  # fmt: skip


def test_csv_rows_beyond_the_cap_are_dropped_with_a_warning() -> None:
    lines = ["Lead council,Partners,Service"] + [
        f"Council {n},Partner {n},Legal" for n in range(1005)
    ]
    attachment = read("big.csv", "\n".join(lines).encode())
    assert len(attachment.rows) == 1000
    assert attachment.rows[-1]["lead_council"] == "Council 999"
    assert attachment.warnings == ["big.csv has more than 1000 rows: only the first 1000 were read"]


def test_readers_bound_to_other_rules_use_their_wordings(tmp_path: Path) -> None:
    (tmp_path / "form_fields.yaml").write_text(
        "fields:\n  lead_council: {label: Lead, variants: [Widget owner]}\n"
        "  service_areas: {label: Service, variants: [Widget]}\n"
    )
    readers = make_readers(FormFieldRules.load(tmp_path))
    data = b"Widget owner,Widget\nHart District Council,Legal\n"
    attachment = Attachment(
        filename="w.csv", content_type="text/csv", sniffed_type="csv", size=len(data), data=data
    )
    readers["csv"](attachment, LimitsSettings())
    assert attachment.rows == [{"lead_council": "Hart District Council", "service_areas": "Legal"}]


@pytest.mark.parametrize(
    ("csv_text", "fields", "text"),
    [
        ("Lead council,Adur\nPartners,Worthing\n", {"lead_council": "Adur",
         "partner_councils": "Worthing"}, "Lead council | Adur\nPartners | Worthing"),
        ("Authority,Area,Saving\nAdur,Legal,100\n", {},
         "Authority | Area | Saving\nAdur | Legal | 100"),
    ],
)  # fmt: skip
def test_csv_without_a_header_row_gives_labelled_pairs_or_text(
    csv_text: str, fields: dict[str, str], text: str
) -> None:
    attachment = read("sheet.csv", csv_text.encode())
    assert (attachment.fields, attachment.rows, attachment.text) == (fields, [], text)


def test_pdf_form_of_unknown_fields_is_also_read_from_its_layout() -> None:
    """GIVEN a form whose only filled field is not one of ours THEN the page text is read."""
    attachment = read("signed.pdf", (SAMPLES / "signed-flat.pdf").read_bytes())
    assert attachment.fields["Signed"] == "J Bloggs"
    assert attachment.fields["lead_council"] == "Adur District Council"


def test_committed_forms_match_the_rules() -> None:
    """Run tools/make_forms.py after changing rules/form_fields.yaml: this fails until then."""
    pdf_names = list(PdfReader(FORMS / "shared-service-form.pdf").get_fields() or {})
    word_labels = [
        row.cells[0].paragraphs[0].text
        for row in Document(str(FORMS / "shared-service-form.docx")).tables[0].rows
    ]
    assert pdf_names == FORM_KEYS
    assert word_labels == [RULES.fields[key].label for key in FORM_KEYS]
