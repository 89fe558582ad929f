"""Documents as they come (index/layouts/): plain prose, numbered paragraphs, headings, the
header's metadata and the file name's, and which layout a text is read with."""

import re
from pathlib import Path

import pytest

from conftest import SHARED
from fahras.index.header import from_file_name
from fahras.index.report import load_report, parse_report
from fahras.text.dates import date_line

CORPUS = Path(__file__).parent / "data" / "corpus"


def rows(doc, kinds=("paragraph", "recommendation")):
    return [(p.id.split(":")[1], p.label_ar, p.label_en, p.section, p.text)
            for p in doc.passages if p.kind in kinds]


def test_numbered_arabic_indic_paragraphs_are_cited_by_their_number():
    text = ("مذكرة عن المياه\n26 تموز/يوليه 2024\n\n١- النص الأول.\n\n٢- النص الثاني:\n"
            "(أ) بند أول؛\n(ب) بند ثان.\n\n٣- النص الثالث.\n")
    doc = parse_report(text, "water.ar")
    assert doc.layout == "numbered"
    assert (doc.title, doc.date, doc.year, doc.lang) == (
        "مذكرة عن المياه", "26 تموز/يوليه 2024", 2024, "ar")
    assert rows(doc) == [
        ("p1", "الفقرة ١", "Paragraph 1", "", "النص الأول."),
        ("p2", "الفقرة ٢", "Paragraph 2", "", "النص الثاني:\n(أ) بند أول؛\n(ب) بند ثان."),
        ("p3", "الفقرة ٣", "Paragraph 3", "", "النص الثالث.")]
    p2 = doc.citable[1]
    assert [i.marker for i in p2.items] == ["أ", "ب"]
    assert p2.cite_labels(p2.text.index("بند ثان")) == ("الفقرة ٢ (ب)", "Paragraph 2 (b)")


@pytest.mark.parametrize("form", ["{n}. ", "{n}- ", "({n}) ", "{n}) ", "{n} - "])
def test_the_usual_numbering_forms(form):
    paras = [form.format(n=n) + f"Paragraph text number {n}." for n in range(1, 4)]
    doc = parse_report("A note\n\n" + "\n\n".join(paras) + "\n", "n.en")
    assert doc.layout == "numbered" and doc.title == "A note"
    assert [(p.number, p.label_en, p.text) for p in doc.citable] == [
        (str(n), f"Paragraph {n}", f"Paragraph text number {n}.") for n in range(1, 4)]


def test_numbered_text_keeps_its_continuations_and_unnumbered_preamble():
    text = ("Foreword without a number, before the numbered paragraphs.\n\n"
            "1. The first paragraph.\n\n2. The second paragraph:\n\n(a) its first item;\n\n"
            "(b) its second item.\n\n3. The third paragraph.\n\n4. The fourth.\n")
    doc = parse_report(text, "t.en")
    assert doc.layout == "numbered"
    assert [(p.id.split(":")[1], p.label_en) for p in doc.citable] == [
        ("u1", "¶ 1"), ("p1", "Paragraph 1"), ("p2", "Paragraph 2"), ("p3", "Paragraph 3"),
        ("p4", "Paragraph 4")]
    p2 = doc.citable[2]
    assert p2.text == "The second paragraph:\n(a) its first item;\n(b) its second item."
    assert [i.marker for i in p2.items] == ["a", "b"]


def test_numbering_that_restarts_under_each_heading_keeps_unique_ids():
    text = ("# Notes\n\n## Water\n\n1. Water one.\n\n2. Water two.\n\n## Food\n\n"
            "1. Food one.\n\n2. Food two.\n")
    doc = parse_report(text, "t.en")
    assert doc.title == "Notes" and doc.layout == "numbered"
    assert [(p.id.split(":")[1], p.label_en, p.section) for p in doc.citable] == [
        ("p1", "Paragraph 1", "Water"), ("p2", "Paragraph 2", "Water"),
        ("p1-2", "Paragraph 1", "Food"), ("p2-2", "Paragraph 2", "Food")]


def test_markdown_headings_give_section_paths():
    text = ("# تقرير المياه\n\nمقدمة قصيرة.\n\n## الخلفية\nنص الخلفية.\n\n### التفاصيل\n\n"
            "نص التفاصيل.\n\n## النتائج\n\nنص النتائج.\n")
    doc = parse_report(text, "water-2023.ar")
    assert (doc.layout, doc.title, doc.year) == ("prose", "تقرير المياه", 2023)
    assert rows(doc) == [
        ("p1", "¶ 1", "¶ 1", "", "مقدمة قصيرة."),
        ("p2", "¶ 2", "¶ 2", "الخلفية", "نص الخلفية."),
        ("p3", "¶ 3", "¶ 3", "الخلفية › التفاصيل", "نص التفاصيل."),
        ("p4", "¶ 4", "¶ 4", "النتائج", "نص النتائج.")]
    headings = [(p.id.split(":")[1], p.label_en, p.text) for p in doc.passages
                if p.kind == "heading"]
    assert headings == [("h1", "§ 1", "الخلفية"), ("h1.1", "§ 1.1", "التفاصيل"),
                        ("h2", "§ 2", "النتائج")]


def test_un_style_and_short_line_headings_in_prose():
    long = "نص طويل يشرح الموضوع بالتفصيل ويمتد على سطر كامل من الكلام المتصل. " * 2
    text = (f"عنوان الوثيقة\n\nأولاً - مقدمة\n\n{long}\n\nخلفية تاريخية\n\n{long}\n\n"
            f"ثانياً - التوصيات\n\n{long}\n")
    doc = parse_report(text, "d.ar")
    assert doc.layout == "prose"  # «أولاً -» chapters, but no numbered paragraphs
    assert [(p.label_en, p.section, p.part) for p in doc.citable] == [
        ("¶ 1", "أولاً - مقدمة", "introduction"),
        ("¶ 2", "أولاً - مقدمة › خلفية تاريخية", "introduction"),
        ("¶ 3", "ثانياً - التوصيات", "recommendations")]


def test_plain_lines_without_blank_lines_are_one_passage_each():
    doc = parse_report("first line of text.\nsecond line of text.\nthird.\n", "lines")
    assert [(p.label_en, p.text) for p in doc.citable] == [
        ("¶ 1", "first line of text."), ("¶ 2", "second line of text."), ("¶ 3", "third.")]
    assert doc.title == "lines"  # no title line: the file name


@pytest.mark.parametrize("header", [
    "26 July 2024", "٢٦ تموز/يوليه ٢٠٢٤", "2024/07/26", "Distr.: General", "A/78/123",
    "فيينا، 26 تموز/يوليه 2024"])
def test_a_date_symbol_or_distribution_line_is_never_the_title(header):
    doc = parse_report(f"{header}\n\nالفقرة الأولى من النص.\n\nالفقرة الثانية.\n",
                       "2023-05-04-notes.ar")
    assert doc.title == "notes" and header not in doc.title
    assert len(doc.citable) == 2 and all(header not in p.text for p in doc.citable)
    if date_line(header):
        assert doc.year == 2024 and doc.date == date_line(header).text
    else:
        assert doc.year == 2023 and doc.date == "2023-05-04"  # from the file name


def test_a_date_under_the_title_is_metadata():
    doc = parse_report("Water notes\n26 July 2024\n\nFirst paragraph.\n\nSecond.\n", "w.en")
    assert (doc.title, doc.date, doc.year) == ("Water notes", "26 July 2024", 2024)
    assert [p.text for p in doc.citable] == ["First paragraph.", "Second."]


@pytest.mark.parametrize("name, meta", [
    ("000-Super_Bowl_50.ar", ("Super Bowl 50", None, None)),
    ("2024-07-26-notes.ar", ("notes", "2024-07-26", 2024)),
    ("wg-som-2024-report.ar", ("wg som 2024 report", None, 2024)),
    ("report", ("report", None, None)),
])
def test_metadata_from_the_file_name(name, meta):
    assert from_file_name(name) == meta


def test_ids_are_stable_across_parses():
    text = (CORPUS / "fx-2022-background.ar.txt").read_text(encoding="utf-8")
    plain = "عنوان\n\n" + "\n\n".join(f"فقرة رقم {n} من النص." for n in range(1, 30))
    for t in (text, plain):
        a, b = parse_report(t, "d"), parse_report(t, "d")
        assert [p.to_json() for p in a.passages] == [p.to_json() for p in b.passages]
        assert len({p.id for p in a.passages}) == len(a.passages)


@pytest.mark.parametrize("path, layout", [
    (CORPUS / "fx-2023-report.ar.txt", "un-ar"), (CORPUS / "fx-2023-report.en.txt", "un-en"),
    (CORPUS / "fx-2022-background.ar.txt", "un-ar")])
def test_un_reports_are_read_with_the_un_layouts(path, layout):
    assert load_report(path).layout == layout


def test_bundled_report_is_read_with_the_un_layout(report):
    assert report.layout == "un-ar" and len(report.citable) == 54 + 13


def test_prose_before_a_late_un_chapter_is_not_swallowed_as_a_title():
    prose = "\n\n".join(f"فقرة نثرية رقم {n} تشرح الموضوع شرحاً وافياً بكلام طويل متصل." for n in range(12))
    doc = parse_report(f"عنوان\n\n{prose}\n\nأولاً - ملحق\n\n1- نص مرقم.\n", "d.ar")
    assert doc.layout == "prose" and doc.title == "عنوان" and len(doc.citable) == 13


def _blank_line_paragraphs(path: Path) -> list[str]:
    """The reference split: the text's blocks between blank lines, less its title line."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", path.read_text(encoding="utf-8"))]
    return [" ".join(b.split("\n")) for b in blocks[1:] if b]


@pytest.mark.parametrize("corpus, n", [("xquad-ar-dev", 120), ("arcd-dev", 231)])
def test_dev_corpora_give_one_passage_per_paragraph(corpus, n):
    files = sorted((SHARED / "corpora" / corpus / "docs").glob("*.txt"))
    assert files, f"no documents in {SHARED / 'corpora' / corpus}"
    total = 0
    for path in files:
        doc = load_report(path)
        first_line = path.read_text(encoding="utf-8").split("\n", 1)[0].strip()
        assert doc.layout == "prose" and doc.title == first_line
        assert [p.text for p in doc.passages] == _blank_line_paragraphs(path)
        assert [p.label_en for p in doc.passages] == [f"¶ {k}" for k in range(1, len(doc.passages) + 1)]
        total += len(doc.passages)
    assert total == n
