"""Generate the attachment-bearing sample messages of tests/data.

    .venv/bin/python tests/data/make_fixtures.py

Each message imitates what councils send: our PDF and Word forms filled in, someone
else's PDF form, a flat PDF, Word documents with a label table, a list of arrangements
or headings and paragraphs, a spreadsheet register, a Windows-encoded CSV, a
password-protected PDF, Outlook's winmail.dat and a saved Outlook .msg (written by
tnef_writer.py and msg_writer.py). The
output is byte-for-byte reproducible (fixed dates, boundaries and document metadata);
commit the .eml files. Expected readings (NAME.json) are written by hand beside them.
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

from docx import Document
from msg_writer import outlook_msg  # beside this script
from openpyxl import Workbook
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from tnef_writer import winmail_dat

HERE = Path(__file__).resolve().parent
FORMS = HERE.parents[1] / "templates" / "forms"
MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "dat": "application/ms-tnef",
    "msg": "application/vnd.ms-outlook",
}
SAMPLES = HERE / "attachments"


def message(
    sender: str, subject: str, date: str, msg_id: str, body: str, files: list[tuple[str, bytes]]
) -> bytes:
    msg = MIMEMultipart(boundary=f"=_part_{msg_id.split('@')[0]}")
    msg["From"], msg["To"], msg["Subject"] = sender, "sharedservices@local.gov.uk", subject
    msg["Date"], msg["Message-ID"] = date, f"<{msg_id}>"
    msg.attach(MIMEText(body, "plain", "utf-8"))
    for name, data in files:
        maintype, subtype = MIME_TYPES[name.rsplit(".", 1)[1]].split("/")
        part = MIMEApplication(data, subtype) if maintype == "application" else None
        if part is None:
            part = MIMEApplication(data, "octet-stream")
            part.replace_header("Content-Type", f"{maintype}/{subtype}")
        part.add_header("Content-Disposition", "attachment", filename=name)
        msg.attach(part)
    return msg.as_bytes()


# --- documents -------------------------------------------------------------------------


def our_pdf_form(values: dict[str, str]) -> bytes:
    """Our fillable form (templates/forms) with its fields filled in."""
    writer = PdfWriter(clone_from=PdfReader(FORMS / "shared-service-form.pdf"))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer._root_object["/AcroForm"][NameObject("/NeedAppearances")] = writer._root_object[
        "/AcroForm"
    ].get("/NeedAppearances", True)
    writer.add_metadata({"/Producer": "fixtures", "/CreationDate": "D:20260101000000"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def our_docx_form(values: dict[str, str]) -> bytes:
    """Our Word form (templates/forms) with the value column filled in, by label."""
    document = Document(str(FORMS / "shared-service-form.docx"))
    for row in document.tables[0].rows:
        label = row.cells[0].text.splitlines()[0]
        if label in values:
            row.cells[1].text = values[label]
    return _docx_bytes(document)


def _docx_bytes(document: Document) -> bytes:
    document.core_properties.created = datetime(2026, 1, 1)
    document.core_properties.modified = datetime(2026, 1, 1)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip (docx, xlsx) with every entry dated 2026-01-01, so output repeats."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", content
                )
            dst.writestr(fixed, content)
    return out.getvalue()


def unfamiliar_pdf_form() -> bytes:
    """Another body's form: fields named Text1.., labels printed to their left."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(40, 800, "District partnership return 2026")
    canvas.setFont("Helvetica", 10)
    rows = [
        ("Text1", "Host authority", "Harborough District Council"),
        ("Text2", "Partner authorities", "Melton Borough Council, Rutland County Council"),
        ("Text3", "Service shared", "Licensing"),
        ("Text4", "Year established", "2015"),
        ("Text5", "Annual savings", "£65,000"),
        ("Text6", "Contact officer", "Ruth Gibbs"),
        ("Text7", "Email", "r.gibbs@harborough.gov.uk"),
    ]
    y = 760.0
    for name, label, value in rows:
        canvas.drawString(40, y + 6, label)
        canvas.acroForm.textfield(name=name, x=200, y=y, width=340, height=18, value=value)
        y -= 30
    canvas.drawString(40, y, "Brief description")
    text = "One licensing team for taxis, alcohol and animal licences across the three areas."
    canvas.acroForm.textfield(name="Text8", x=40, y=y - 70, width=500, height=60, value=text)
    canvas.save()
    return buffer.getvalue()


def flat_pdf() -> bytes:
    """A typed-up submission printed to PDF: labelled lines and a paragraph."""
    styles = getSampleStyleSheet()
    story = [
        Paragraph("Shared service example", styles["Title"]),
        Paragraph("Lead council: Hart District Council", styles["Normal"]),
        Paragraph("Partner councils: Rushmoor Borough Council", styles["Normal"]),
        Paragraph("Service area: Waste collection and street cleansing", styles["Normal"]),
        Paragraph("Savings: £420,000 per year", styles["Normal"]),
        Paragraph("Start date: 2017", styles["Normal"]),
        Spacer(1, 12),
        Paragraph("Description", styles["Heading2"]),
        Paragraph(
            "The two councils let one joint waste and street cleansing contract, "
            "managed by a client team hosted by Hart, covering both boroughs.",
            styles["Normal"],
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=True).build(story)
    return buffer.getvalue()


def docx_arrangements() -> bytes:
    document = Document()
    document.add_paragraph("Shared arrangements - Breckland Council (November 2026)")
    table = document.add_table(rows=1, cols=5)
    header = ["Lead authority", "Partner organisations", "Function", "Savings p.a.", "Since"]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    rows = [
        (
            "Breckland Council",
            "South Holland District Council",
            "Revenues and benefits",
            "£640,000",
            "2011",
        ),
        (
            "South Holland District Council",
            "Breckland Council",
            "Internal audit",
            "£45,000",
            "2014",
        ),
        ("Breckland Council", "Norfolk County Council", "Emergency planning", "£20,000", "2019"),
    ]
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    return _docx_bytes(document)


def docx_prose() -> bytes:
    document = Document()
    document.add_heading("Shared Legal Service: Hinckley & Bosworth and Blaby", level=1)
    document.add_heading("Background", level=2)
    document.add_paragraph(
        "Blaby District Council and Hinckley and Bosworth Borough Council have shared a "
        "legal service since 2014, hosted by Blaby District Council. One team of solicitors "
        "and legal assistants covers property, planning and litigation for both councils."
    )
    document.add_heading("Savings", level=2)
    document.add_paragraph("The shared service has saved £95,000 a year since it began.")
    return _docx_bytes(document)


def xlsx_register() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Shared services"
    sheet.append(["Greater Essex shared services register"])
    sheet.append([])
    sheet.append(
        [
            "Host council",
            "Other councils",
            "Area of service",
            "Annual saving (£)",
            "Start year",
            "Status",
        ]
    )
    rows = [
        (
            "Braintree District Council",
            "Uttlesford District Council",
            "Internal audit",
            40000,
            2016,
            "Operational",
        ),
        (
            "Chelmsford City Council",
            "Maldon District Council",
            "Building control",
            55000,
            2018,
            "Operational",
        ),
        (
            "Colchester City Council",
            "Tendring District Council",
            "Parking",
            120000,
            2011,
            "Operational",
        ),
        (
            "Basildon Borough Council",
            "Castle Point Borough Council",
            "CCTV",
            30000,
            2019,
            "Operational",
        ),
        (
            "Epping Forest District Council",
            "Harlow District Council",
            "Licensing",
            25000,
            2020,
            "Operational",
        ),
        (
            "Brentwood Borough Council",
            "Rochford District Council",
            "Legal services",
            150000,
            2017,
            "Operational",
        ),
        ("Essex County Council", "Thurrock Council", "Trading standards", 80000, 2013, "Ended"),
        (
            "Southend-on-Sea City Council",
            "Rochford District Council",
            "Payroll",
            35000,
            2021,
            "Operational",
        ),
        (
            "Braintree District Council",
            "Colchester City Council",
            "Procurement",
            60000,
            2015,
            "Operational",
        ),
        (
            "Tendring District Council",
            "Colchester City Council",
            "Waste collection",
            210000,
            2024,
            "In development",
        ),
    ]
    for row in rows:
        sheet.append(list(row))
    sheet.append(["Total", None, None, "=SUM(D4:D13)", None, None])
    buffer = io.BytesIO()
    book.properties.created = datetime(2026, 1, 1)
    book.properties.modified = datetime(2026, 1, 1)
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


def csv_rows() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["Lead Council", "Partners", "Service area", "Savings", "Started"])
    writer.writerow(
        ["North Devon Council", "Torridge District Council", "Audit", "£30,000 per year", "2012"]
    )
    writer.writerow(
        [
            "Torridge District Council",
            "North Devon Council",
            "Land charges",
            "£12,000 per year",
            "2019",
        ]
    )
    return buffer.getvalue().encode("cp1252")


# --- messages --------------------------------------------------------------------------

SIGN = "\n\nKind regards\n\n{name}\n{role}\n{org}\n"
FORM_TWO_A = {
    "title": "Lewes and Eastbourne shared revenues and benefits",
    "lead_council": "Lewes District Council",
    "partner_councils": "Eastbourne Borough Council",
    "service_areas": "Revenues and benefits",
    "arrangement_type": "Shared service",
    "status": "Operational",
    "start_year": "2015",
    "savings": "£2.1m to date",
    "description": "One revenues and benefits team and one IT system serve both councils, "
    "managed by Lewes.",
    "contact_name": "Ann Patel",
    "contact_email": "ann.patel@lewes-eastbourne.gov.uk",
}
FORM_TWO_B = {
    "title": "Lewes and Eastbourne joint waste service",
    "lead_council": "Eastbourne Borough Council",
    "partner_councils": "Lewes District Council",
    "service_areas": "Waste and recycling",
    "arrangement_type": "Shared service",
    "status": "Operational",
    "start_year": "2019",
    "no_savings_reason": "The aim was a better recycling rate, not savings.",
    "description": "A single waste and recycling collection team works across both areas.",
    "contact_name": "Ann Patel",
    "contact_email": "ann.patel@lewes-eastbourne.gov.uk",
}


def fixtures() -> dict[str, Callable[[], bytes]]:
    return {
        "form-pdf-ours": lambda: message(
            "Jo Bloggs <jo.bloggs@adur-worthing.gov.uk>",
            "Shared legal service form",
            "Mon, 14 Dec 2026 09:00:00 +0000",
            "jb-form@adur-worthing.gov.uk",
            "Dear team,\n\nPlease find our completed form attached."
            + SIGN.format(name="Jo Bloggs", role="Head of Legal", org="Adur & Worthing Councils"),
            [
                (
                    "legal-form.pdf",
                    our_pdf_form(
                        {
                            "title": "Adur and Worthing shared legal service",
                            "lead_council": "Adur District Council",
                            "partner_councils": "Worthing Borough Council",
                            "service_areas": "Legal",
                            "arrangement_type": "Shared service",
                            "status": "Operational",
                            "start_year": "2013",
                            "savings": "£350,000 a year",
                            "savings_year": "2017/18",
                            "description": "One legal team serves both councils, with a single head of "  # noqa: E501
                            "legal, shared case management and one set of procedures.",
                            "benefits": "Resilience; shared case management system",
                            "contact_name": "Jo Bloggs",
                            "contact_email": "jo.bloggs@adur-worthing.gov.uk",
                            "contact_phone": "01903 221000",
                        }
                    ),
                )
            ],
        ),
        "form-pdf-two": lambda: message(
            "Ann Patel <ann.patel@lewes-eastbourne.gov.uk>",
            "Two examples from Lewes and Eastbourne",
            "Mon, 14 Dec 2026 10:00:00 +0000",
            "ap-two@lewes-eastbourne.gov.uk",
            "Hello,\n\nI attach two forms, one for each of our shared services."
            + SIGN.format(
                name="Ann Patel",
                role="Transformation Lead",
                org="Lewes District Council and Eastbourne Borough Council",
            ),
            [("revenues.pdf", our_pdf_form(FORM_TWO_A)), ("waste.pdf", our_pdf_form(FORM_TWO_B))],
        ),
        "form-pdf-unfamiliar": lambda: message(
            "Ruth Gibbs <r.gibbs@harborough.gov.uk>",
            "Partnership return",
            "Mon, 14 Dec 2026 11:00:00 +0000",
            "rg-return@harborough.gov.uk",
            "Good morning,\n\nOur return is attached, on our own form I'm afraid."
            + SIGN.format(
                name="Ruth Gibbs", role="Licensing Manager", org="Harborough District Council"
            ),
            [("partnership-return.pdf", unfamiliar_pdf_form())],
        ),
        "flat-pdf": lambda: message(
            "Mo Ahmed <mo.ahmed@hart.gov.uk>",
            "Shared service example (PDF)",
            "Mon, 14 Dec 2026 12:00:00 +0000",
            "ma-flat@hart.gov.uk",
            "Hi,\n\nSee the attached note on our joint waste contract."
            + SIGN.format(name="Mo Ahmed", role="Contracts Manager", org="Hart District Council"),
            [("waste-note.pdf", flat_pdf())],
        ),
        "form-docx-ours": lambda: message(
            "Chris Lane <chris.lane@southnorthants.gov.uk>",
            "Completed form",
            "Tue, 15 Dec 2026 09:00:00 +0000",
            "cl-docx@southnorthants.gov.uk",
            "Hello\n\nAttached is the Word version of your form, completed."
            + SIGN.format(
                name="Chris Lane", role="Head of Finance", org="West Northamptonshire Council"
            ),
            [
                (
                    "shared-service-form.docx",
                    our_docx_form(
                        {
                            "Title of the arrangement": "Cherwell and South Northants shared finance",  # noqa: E501
                            "Lead council": "Cherwell District Council",
                            "Partner councils": "South Northamptonshire Council",
                            "Service area(s)": "Finance and accountancy",
                            "Type of arrangement": "Shared management",
                            "Status": "Ended",
                            "Year started": "2011",
                            "Savings (£)": "£3.4m saved in total",
                            "Description": "A joint finance team and shared senior management across "  # noqa: E501
                            "both councils, ended in 2018.",
                            "Contact name": "Chris Lane",
                            "Contact email": "chris.lane@westnorthants.gov.uk",
                        }
                    ),
                )
            ],
        ),
        "docx-table-several": lambda: message(
            "Karen Harris <karen.harris@breckland.gov.uk>",
            "Our shared arrangements",
            "Tue, 15 Dec 2026 10:00:00 +0000",
            "kh-table@breckland.gov.uk",
            "Hello,\n\nOur list of shared arrangements is attached."
            + SIGN.format(
                name="Karen Harris", role="Revenues & Benefits Manager", org="Breckland Council"
            ),
            [("arrangements.docx", docx_arrangements())],
        ),
        "docx-prose": lambda: message(
            "Fiona Reid <fiona.reid@blaby.gov.uk>",
            "Case study - shared legal",
            "Tue, 15 Dec 2026 11:00:00 +0000",
            "fr-prose@blaby.gov.uk",
            "Dear colleagues,\n\nPlease find attached a short case study for the map."
            + SIGN.format(
                name="Fiona Reid", role="Legal Services Manager", org="Blaby District Council"
            ),
            [("case-study.docx", docx_prose())],
        ),
        "xlsx-ten": lambda: message(
            "Paul King <paul.king@essex.gov.uk>",
            "Essex shared services register",
            "Tue, 15 Dec 2026 12:00:00 +0000",
            "pk-register@essex.gov.uk",
            "Hi,\n\nAttached is the register of shared services across Greater Essex, "
            "ten arrangements in all."
            + SIGN.format(name="Paul King", role="Policy Officer", org="Essex County Council"),
            [("register.xlsx", xlsx_register())],
        ),
        "csv-rows": lambda: message(
            "Steve Hall <steve.hall@northdevon.gov.uk>",
            "Two more from North Devon",
            "Tue, 15 Dec 2026 13:00:00 +0000",
            "sh-csv@northdevon.gov.uk",
            "Hello again,\n\nTwo more arrangements in the attached CSV export."
            + SIGN.format(
                name="Steve Hall", role="Electoral Services Manager", org="North Devon Council"
            ),
            [("arrangements.csv", csv_rows())],
        ),
        "encrypted-pdf-body-read": lambda: message(
            "Dan Okafor <dan.okafor@swdevon.gov.uk>",
            "Shared building control - South Hams and West Devon",
            "Wed, 16 Dec 2026 09:30:00 +0000",
            "do-locked@swdevon.gov.uk",
            "Good morning,\n\nSouth Hams District Council and West Devon Borough Council have "
            "shared one building control service since 2016, with a single manager and one "
            "case management system. It saves £85,000 a year in management and software costs."
            "\n\nOur completed form is attached; it is password protected under our "
            "information policy and I will send the password separately."
            + SIGN.format(
                name="Dan Okafor",
                role="Building Control Manager",
                org="South Hams District Council and West Devon Borough Council",
            ),
            [("building-control-form.pdf", (SAMPLES / "encrypted.pdf").read_bytes())],
        ),
        "tnef-winmail-form": lambda: message(
            "Helen Marsh <helen.marsh@rushmoor.gov.uk>",
            "Shared service form - Rushmoor and Hart",
            "Wed, 16 Dec 2026 10:15:00 +0000",
            "hm-winmail@rushmoor.gov.uk",
            TNEF_NOTE,
            [("winmail.dat", winmail_dat(TNEF_NOTE, [("hr-form.pdf", our_pdf_form(TNEF_FORM))]))],
        ),
        "msg-forwarded-as-attachment": lambda: message(
            "Gemma Price <gemma.price@wychavon.gov.uk>",
            "FW: Shared ICT - Malvern Hills and Wychavon",
            "Wed, 16 Dec 2026 11:40:00 +0000",
            "gp-msg@wychavon.gov.uk",
            "Hi,\n\nForwarding Rob's note below as he asked, he is the best contact for it."
            + SIGN.format(
                name="Gemma Price", role="Policy Officer", org="Wychavon District Council"
            ),
            [("Shared ICT.msg", outlook_msg(**FORWARDED_MSG))],
        ),
    }


FORWARDED_MSG = {
    "subject": "Shared ICT",
    "sender_name": "Rob Sharp",
    "sender_email": "rob.sharp@malvernhills.gov.uk",
    "body": "Gemma,\r\n\r\nFor the LGA map: Malvern Hills District Council hosts one ICT "
    "service for itself and Wychavon District Council, set up in 2015 with a single "
    "service desk and data centre. It saves the two councils £210,000 a year between "
    "them.\r\n\r\nThanks\r\nRob\r\n",
}

TNEF_NOTE = "Hello,\n\nPlease find our completed form attached." + SIGN.format(
    name="Helen Marsh", role="HR Business Partner", org="Rushmoor Borough Council"
)
TNEF_FORM = {
    "title": "Rushmoor and Hart shared payroll",
    "lead_council": "Rushmoor Borough Council",
    "partner_councils": "Hart District Council",
    "service_areas": "Payroll and HR",
    "arrangement_type": "Shared service",
    "status": "Operational",
    "start_year": "2020",
    "savings": "£95,000 a year",
    "description": "Rushmoor runs payroll and HR administration for Hart on one system, "
    "with a single payroll team.",
    "contact_name": "Helen Marsh",
    "contact_email": "helen.marsh@rushmoor.gov.uk",
}


def main() -> None:
    for name, build in fixtures().items():
        (HERE / f"{name}.eml").write_bytes(build())
        print(f"wrote {name}.eml")


if __name__ == "__main__":
    main()
