"""Generate our shared-services forms from rules/form_fields.yaml.

    python tools/make_forms.py [OUT_DIR]   (default: templates/forms)

Writes shared-service-form.pdf (fillable: one text field per canonical key, the printed
label beside it) and shared-service-form.docx (a Label | value table). Run it again
after changing the labels, and commit both files.
"""

import sys
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.shared import Pt
from reportlab.lib.colors import black, grey, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake.readers.labels import FormField, FormFieldRules  # noqa: E402

TITLE = "Shared services example"
INTRO = (
    "Tell us about an arrangement in which councils share a service, a management team or "
    "a company. Fill in what you can and e-mail the form back; we will reply with a "
    "reference and ask for anything missing."
)
FORM_NAME = "shared-service-form"
MARGIN, LABEL_WIDTH, GAP = 40.0, 165.0, 10.0
SINGLE_HEIGHT, MULTI_HEIGHT = 20.0, 58.0


def make_pdf(rules: FormFieldRules, path: Path) -> None:
    width, height = A4
    canvas = Canvas(str(path), pagesize=A4, invariant=True)
    canvas.setTitle(TITLE)
    y = _pdf_heading(canvas, height)
    box_x = MARGIN + LABEL_WIDTH + GAP
    for key, spec in rules.fields.items():
        box_height = MULTI_HEIGHT if spec.multiline else SINGLE_HEIGHT
        if y - box_height < MARGIN:
            canvas.showPage()
            y = height - MARGIN
        label_bottom = _pdf_label(canvas, spec, y)
        canvas.acroForm.textfield(
            name=key,
            tooltip=spec.label,
            x=box_x,
            y=y - box_height,
            width=width - MARGIN - box_x,
            height=box_height,
            fontSize=10,
            borderColor=grey,
            fillColor=white,
            textColor=black,
            fieldFlags="multiline" if spec.multiline else "",
            forceBorder=True,
        )
        y = min(y - box_height, label_bottom) - 12
    canvas.save()


def _pdf_heading(canvas: Canvas, height: float) -> float:
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(MARGIN, height - MARGIN - 10, TITLE)
    canvas.setFont("Helvetica", 9)
    y = height - MARGIN - 30
    for line in simpleSplit(INTRO, "Helvetica", 9, A4[0] - 2 * MARGIN):
        canvas.drawString(MARGIN, y, line)
        y -= 12
    return y - 12


def _pdf_label(canvas: Canvas, spec: FormField, y: float) -> float:
    """Draw the label (bold) and its hint (small, grey); return where the text ends."""
    line_y = y - 12
    canvas.setFillColor(black)
    for line in simpleSplit(spec.label, "Helvetica-Bold", 10, LABEL_WIDTH):
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawString(MARGIN, line_y, line)
        line_y -= 12
    canvas.setFillColor(grey)
    for line in simpleSplit(spec.hint, "Helvetica", 7.5, LABEL_WIDTH):
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(MARGIN, line_y, line)
        line_y -= 9
    canvas.setFillColor(black)
    return line_y + 6


def make_docx(rules: FormFieldRules, path: Path) -> None:
    document = Document()
    document.core_properties.title = TITLE
    document.core_properties.created = datetime(2026, 1, 1)
    document.core_properties.modified = datetime(2026, 1, 1)
    document.add_heading(TITLE, level=1)
    document.add_paragraph(INTRO)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for spec in rules.fields.values():
        label_cell, _ = table.add_row().cells
        label_cell.paragraphs[0].add_run(spec.label).bold = True
        if spec.hint:
            hint = label_cell.add_paragraph().add_run(spec.hint)
            hint.font.size = Pt(8)
    document.save(str(path))


def main(argv: list[str]) -> None:
    out_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "templates" / "forms"
    out_dir.mkdir(parents=True, exist_ok=True)
    rules = FormFieldRules.load(ROOT / "rules")
    make_pdf(rules, out_dir / f"{FORM_NAME}.pdf")
    make_docx(rules, out_dir / f"{FORM_NAME}.docx")
    print(f"wrote {out_dir / FORM_NAME}.pdf and .docx")


if __name__ == "__main__":
    main(sys.argv)
