"""Sample messages for the extraction benchmark: plain text, our PDF form, a Word form."""

from email.message import EmailMessage
from io import BytesIO

from docx import Document
from pypdf import PdfReader, PdfWriter

from tests.support.mail import submission_email
from tests.support.service import PROJECT

FORMS = PROJECT / "templates" / "forms"
VALUES = {
    "title": "Shared legal service", "lead_council": "Adur District Council",
    "partner_councils": "Worthing Borough Council", "service_areas": "Legal services",
    "savings": "£350,000 a year", "start_year": "2013",
    "description": "One legal team serves both councils with shared case management.",
    "contact_name": "Jo Bloggs", "contact_email": "jo.bloggs@adur-worthing.gov.uk",
}  # fmt: skip


def _with_attachment(name: str, data: bytes, subtype: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Jo Bloggs <jo.bloggs@adur-worthing.gov.uk>"
    msg["To"] = "sharedservices@local.gov.uk"
    msg["Subject"] = "Our shared service form"
    msg["Message-ID"] = f"<bench-{name}@adur-worthing.gov.uk>"
    msg.set_content("Please find our completed form attached.\n\nKind regards,\nJo Bloggs\n")
    msg.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return bytes(msg)


def _pdf_form() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(FORMS / "shared-service-form.pdf"))
    for page in writer.pages:
        writer.update_page_form_field_values(page, VALUES, auto_regenerate=False)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx_form() -> bytes:
    doc = Document(str(FORMS / "shared-service-form.docx"))
    for table in doc.tables:
        for row in table.rows:
            label = row.cells[0].text.strip().rstrip(":").lower()
            for key, value in VALUES.items():
                if label.startswith(key.replace("_", " ")[:8]):
                    row.cells[1].text = value
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def extraction_samples() -> list[tuple[str, bytes]]:
    docx = "vnd.openxmlformats-officedocument.wordprocessingml.document"
    return [
        ("text", submission_email(1, seed=5)),
        ("pdf-form", _with_attachment("form.pdf", _pdf_form(), "pdf")),
        ("docx", _with_attachment("form.docx", _docx_form(), docx)),
    ]
