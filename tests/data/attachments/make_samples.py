"""Generate the sample attachments the reader tests read.

    python tests/data/attachments/make_samples.py

Each file imitates a kind of document councils send: someone else's PDF form with
meaningless field names, a flat PDF, locked and damaged PDFs, Word tables and content
controls, a spreadsheet register and a Windows-encoded CSV. Commit the outputs.
"""

import io
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from openpyxl import Workbook
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table

HERE = Path(__file__).resolve().parent
DESCRIPTION = (
    "One legal team serves both councils from a single office, with shared case "
    "management and one head of legal. Staff transferred to the host council in 2013 "
    "and the team now handles property, litigation and governance work for both."
)


def unfamiliar_form_pdf() -> bytes:
    """A council's own form: fields Text1.. with labels printed beside or above them."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(40, 800, "Borough partnership return")
    canvas.setFont("Helvetica", 10)
    left = [
        ("Text1", "Lead Authority:", "Adur District Council"),
        ("Text2", "Other councils involved", "Worthing Borough Council"),
        ("Text3", "Function shared", "Legal services"),
        ("Text4", "Annual savings (£)", "350,000"),
        ("Text5", "Reference number", "AW-17"),
    ]
    y = 760.0
    for name, label, value in left:
        canvas.drawString(40, y + 6, label)
        canvas.acroForm.textfield(name=name, x=200, y=y, width=300, height=18, value=value)
        y -= 30
    canvas.drawString(40, y + 6, "Contact name")
    canvas.acroForm.textfield(name="Text6", x=130, y=y, width=150, height=18, value="Jo Bloggs")
    canvas.drawString(300, y + 6, "Telephone")
    canvas.acroForm.textfield(name="Text7", x=360, y=y, width=150, height=18, value="01903 221000")
    y -= 40
    canvas.drawString(40, y, "About the arrangement")
    canvas.acroForm.textfield(
        name="Text8", x=40, y=y - 70, width=470, height=60, value=DESCRIPTION[:80]
    )
    canvas.save()
    return buffer.getvalue()


def signed_flat_pdf() -> bytes:
    """Typed text with a single form field of its own: a signature line."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setFont("Helvetica", 10)
    canvas.drawString(40, 800, "Lead council: Adur District Council")
    canvas.drawString(40, 785, "Partner councils: Worthing Borough Council")
    canvas.drawString(40, 746, "Signed")
    canvas.acroForm.textfield(name="Signature1", x=100, y=740, width=200, height=18,
                              value="J Bloggs")  # fmt: skip
    canvas.save()
    return buffer.getvalue()


def flat_pdf(pages: int = 1) -> bytes:
    """A typed-up submission: 'Label: value' lines, a heading, two tables."""
    styles = getSampleStyleSheet()
    grid = [("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    story = [
        Paragraph("Shared services example", styles["Title"]),
        Paragraph("Lead council: Adur District Council", styles["Normal"]),
        Paragraph("Partner councils: Worthing Borough Council", styles["Normal"]),
        Spacer(1, 12),
        Paragraph("About the arrangement", styles["Heading2"]),
        Paragraph(DESCRIPTION, styles["Normal"]),
        Spacer(1, 12),
        Table([["Service area(s)", "Legal"], ["Savings", "£350,000 per year"]], style=grid),
        Spacer(1, 12),
        Paragraph("Other arrangements", styles["Heading2"]),
        Table(
            [
                ["Lead authority", "Partners", "Service", "Savings"],
                ["Mid Suffolk District Council", "Babergh District Council", "Planning", "£1.2m"],
                ["Cotswold District Council", "Forest of Dean District Council", "ICT", "£250k"],
            ],
            style=grid,
        ),
    ]
    for page in range(2, pages + 1):
        story += [PageBreak(), Paragraph(f"Appendix page {page}", styles["Normal"])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=True).build(story)
    return buffer.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(flat_pdf())))
    writer.encrypt(user_password, owner_password="owner-secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def label_table_docx() -> Document:
    document = Document()
    document.add_heading("Shared service submission", level=1)
    table = document.add_table(rows=0, cols=2)
    for label, value in [
        ("Name of the partnership", "South Downs shared revenues"),
        ("Lead authority", "Lewes District Council"),
        ("Other councils involved", "Eastbourne Borough Council"),
        ("Function shared", "Revenues and benefits"),
        ("Savings to date", "£2.1m"),
        ("Since", "2015"),
        ("Contact email", "rev.team@lewes-eastbourne.gov.uk"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_heading("Outcomes", level=2)
    document.add_paragraph("Fewer complaints and a single phone line for residents.")
    document.add_paragraph("Status: operational")
    return document


def arrangements_docx() -> Document:
    document = Document()
    document.add_paragraph("Our shared arrangements are listed below.")
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(
        table.rows[0].cells,
        ["Lead Authority", "Partner organisations", "Service", "Savings"],
        strict=True,
    ):
        cell.text = text
    for row in [
        ("Breckland Council", "South Holland District Council", "Management", "£500,000"),
        ("Cherwell District Council", "South Northamptonshire Council", "Legal", "£300k"),
        ("Total", "", "", "£800,000"),
    ]:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    return document


def content_control_docx() -> Document:
    document = Document()
    document.add_paragraph("Please complete the boxes below.")
    body = document.element.body
    for tag, alias, text, placeholder in [
        ("lead_council", "Lead council", "Hart District Council", False),
        ("", "Partners", "Rushmoor Borough Council", False),
        ("benefits", "Benefits", "Click or tap here to enter text.", True),
    ]:
        tag_xml = f'<w:tag w:val="{tag}"/>' if tag else ""
        shown = "<w:showingPlcHdr/>" if placeholder else ""
        body.append(
            parse_xml(
                f'<w:sdt {nsdecls("w")}><w:sdtPr><w:alias w:val="{alias}"/>{tag_xml}{shown}'
                f"</w:sdtPr><w:sdtContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p>"
                "</w:sdtContent></w:sdt>"
            )
        )
    return document


def register_xlsx() -> Workbook:
    """A register with a title, a blank row, the header on row 3 and a totals row."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Shared services register 2024"])
    sheet.append([])
    sheet.append(["Lead Authority", "Partner organisations", "Service", "Savings (£)", "Start"])
    rows = [
        ("Adur District Council", "Worthing Borough Council", "Legal", 350000.0, 2013),
        ("Babergh District Council", "Mid Suffolk District Council", "Planning", 1200000, 2011),
        ("Hart District Council", "Rushmoor Borough Council", "Waste", 75000.5, 2019),
        ("Cotswold District Council", "West Oxfordshire District Council", "ICT", None, 2016),
        ("Lewes District Council", "Eastbourne Borough Council", "Revenues", 2100000.0,
         datetime(2015, 4, 1)),
    ]  # fmt: skip
    for row in rows:
        sheet.append(list(row))
    sheet.append(["Total", None, None, "=SUM(D4:D8)", None])
    return book


def windows_csv() -> bytes:
    text = (
        "Lead council;Partners;Service;Annual saving\r\n"
        "Tewkesbury Borough Council;Cheltenham Borough Council;Building control;£120,000\r\n"
    )
    return text.encode("cp1252")


def main() -> None:
    flat = flat_pdf()
    files: dict[str, bytes] = {
        "unfamiliar-form.pdf": unfamiliar_form_pdf(),
        "flat.pdf": flat,
        "signed-flat.pdf": signed_flat_pdf(),
        "long.pdf": flat_pdf(pages=5),
        "encrypted.pdf": encrypted_pdf("secret"),
        "owner-locked.pdf": encrypted_pdf(""),
        "truncated.pdf": flat[: len(flat) // 3],
        "arrangements-windows.csv": windows_csv(),
    }
    for name, document in [
        ("label-table.docx", label_table_docx()),
        ("arrangements.docx", arrangements_docx()),
        ("content-control.docx", content_control_docx()),
    ]:
        buffer = io.BytesIO()
        document.save(buffer)
        files[name] = buffer.getvalue()
    buffer = io.BytesIO()
    register_xlsx().save(buffer)
    files["register.xlsx"] = buffer.getvalue()
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(files)} files to {HERE}")


if __name__ == "__main__":
    main()
