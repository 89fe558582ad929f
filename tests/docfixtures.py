"""Make DOCX and PDF fixtures from the text fixtures in tests/data/corpus (in test setup).

- :func:`make_docx`: the report as Word writes it: the symbol in the page header, numbered
  paragraphs as an automatically numbered list ("List Number": the numbers are not in the text).
- :func:`make_pdf`: the report as a PDF with a running header (symbol) and page numbers; with
  ``visual=True`` each Arabic line is written the way a producer without Arabic support writes
  it -- shaped into presentation forms (arabic-reshaper) and in visual order (python-bidi) --
  which is what the loader must repair.
- :func:`make_scanned_pdf`: a page with a picture and no text layer.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_MIRROR = str.maketrans("()[]«»", ")(][»«")
_NUMBERED = re.compile(r"^(\d+)- (.*)$")
_CHAPTER = re.compile(r"^(أولاً|ثانياً|ثالثاً|رابعاً|[IVX]+\.) ")


def _lines(src: Path) -> list[str]:
    return src.read_text(encoding="utf-8").split("\n")


def make_docx(src: Path, dest: Path) -> Path:
    import docx

    document = docx.Document()
    lines = _lines(src)
    header = document.sections[0].header
    header.paragraphs[0].text = lines[1]  # the symbol, as in UN Word documents
    in_body = False
    for i, line in enumerate(lines):
        if i < 2:
            continue
        in_body = in_body or bool(_CHAPTER.match(line))
        m = _NUMBERED.match(line)
        if in_body and m:
            document.add_paragraph(m.group(2), style="List Number")
        elif line.strip():
            document.add_paragraph(line)
    document.save(dest)
    return dest


def make_pdf(src: Path, dest: Path, visual: bool = True) -> Path:
    from arabic_reshaper import ArabicReshaper
    from bidi import get_display
    from fpdf import FPDF

    symbol = _lines(src)[1]
    reshaper = ArabicReshaper(configuration={"delete_harakat": False})

    class Report(FPDF):
        def header(self):
            self.set_font("dejavu", size=8)
            self.cell(0, 6, symbol, new_x="LMARGIN", new_y="NEXT", align="R")

        def footer(self):
            self.set_y(-12)
            self.set_font("dejavu", size=8)
            self.cell(0, 6, f"{self.page_no()}/{{nb}}", align="C")

    pdf = Report(format="A4")
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.set_font("dejavu", size=10)
    pdf.add_page()
    for line in _lines(src):
        if _CHAPTER.match(line) and pdf.page_no() and pdf.get_y() > 60:
            pdf.add_page()  # chapters on new pages: several pages with running lines
        for part in (textwrap.wrap(line, 70) or [""]):
            arabic = any("\u0600" <= c <= "\u06ff" for c in part)
            shown = part
            if visual and arabic:
                # Glyph order as drawn: shaped, reversed, brackets drawn mirrored.
                shown = get_display(reshaper.reshape(part)).translate(_MIRROR)
            pdf.cell(0, 6, shown, new_x="LMARGIN", new_y="NEXT", align="R" if arabic else "L")
    pdf.output(str(dest))
    return dest


def make_scanned_pdf(dest: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 170, 250, style="F")  # an "image" of a page, no text
    pdf.output(str(dest))
    return dest


def make_corpus(folder: Path, report: Path | None = None) -> Path:
    """A folder of fixture reports: the English original (.txt), its Arabic version (.docx), the
    Arabic background paper (.txt), and optionally the bundled ``report``."""
    import shutil

    corpus = Path(__file__).parent / "data" / "corpus"
    shutil.copy(corpus / "fx-2023-report.en.txt", folder / "fx-2023-report.en.txt")
    make_docx(corpus / "fx-2023-report.ar.txt", folder / "fx-2023-report.ar.docx")
    shutil.copy(corpus / "fx-2022-background.ar.txt", folder / "fx-2022-background.ar.txt")
    if report is not None:
        shutil.copy(report, folder / report.name)
    return folder
