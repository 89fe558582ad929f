"""The report's structure: 54 paragraphs, 13 recommendations, page-break joins, labels."""

import json
import subprocess
import sys

import pytest

from fahras.errors import CorpusError
from fahras.index.report import load_report, parse_report


def by_id(report, pid):
    return next(p for p in report.passages if p.id == f"wg-som-2024-report.ar:{pid}")


def test_counts(report):
    paragraphs = [p for p in report.passages if p.kind == "paragraph"]
    recommendations = [p for p in report.passages if p.kind == "recommendation"]
    assert [p.number for p in paragraphs] == [str(n) for n in range(1, 55)]
    assert [p.number for p in recommendations] == [str(n) for n in range(1, 14)]


def test_header_is_metadata_not_a_passage(report):
    assert report.date == "26 July 2024"
    assert report.language == "Arabic"
    assert report.original_language == "English"
    assert report.distribution == "General"
    assert report.title.startswith("تقرير عن اجتماع الفريق العامل المعني بتهريب المهاجرين")
    assert all("Distr." not in p.text and "26 July 2024" not in p.text for p in report.passages)


@pytest.mark.parametrize("pid, tail", [
    ("p6", "المديرية العامة للهجرة والشؤون الداخلية في المفوضية الأوروبية."),
    ("p12", "وقالت متكلمة إن العودة الطوعية يجب أن تكون مصحوبة بتدابير"),
    ("p17", "وقد استفاد العمال المهاجرون الذين جرى توظيفهم بشكل غير قانوني"),
    ("p23", "وبدلاً من ذلك، قدمت الأمانة تحديثاً لحالة عملية الاستعراض"),
])
def test_page_break_continuations_are_joined(report, pid, tail):
    p = by_id(report, pid)
    assert tail in p.text
    assert "\n" not in p.text  # joined into one paragraph, not a list line


def test_page_break_join_is_a_space_mid_sentence(report):
    assert "منسقة إدارة شؤون الهجرة والاتحاد الأوروبي والشؤون الدولية" in by_id(report, "p6").text


def test_bullets_and_numbers_are_not_part_of_the_text(report):
    p1 = by_id(report, "p1")
    assert p1.text.startswith("عملاً بالقرار 3/5")
    assert by_id(report, "p35").text.startswith("وفي إطار البنود 2 و3 و4")


def test_recommendation_heading_and_text_are_one_passage(report):
    r8 = by_id(report, "r8")
    assert r8.label_ar == "التوصية 8" and r8.label_en == "Recommendation 8"
    assert r8.text.startswith("تُشجّع الدول الأطراف، بما يتفق مع التزاماتها")
    assert "القانون البحري الدولي" in r8.text
    assert r8.section == ("ثانياً - التوصيات › باء - توصيات بشأن تدابير توفير الحماية "
                          "والمساعدة للمهاجرين المهريين")
    assert r8.section_en == "Chapter II › Section II.B"
    assert r8.part == "recommendations"


def test_lettered_items_stay_in_their_passage_and_are_citable(report):
    p28 = by_id(report, "p28")
    assert [i.marker for i in p28.items] == ["أ", "ب", "ج", "د", "هـ", "و", "ز"]
    e = p28.items[4]
    assert p28.text[e.start:e.end].startswith("(هـ) دور بلدان العبور")
    assert p28.cite_labels(e.start + 5) == ("الفقرة 28 (هـ)", "Paragraph 28 (e)")
    assert p28.cite_labels(0) == ("الفقرة 28", "Paragraph 28")
    r13 = by_id(report, "r13")
    assert [i.marker for i in r13.items] == ["أ", "ب", "ج"]


def test_agenda_inside_paragraph_41_does_not_restart_numbering(report):
    p41 = by_id(report, "p41")
    assert [i.marker for i in p41.items] == ["1", "أ", "ب", "2", "3", "4", "5", "6"]
    assert "6- اعتماد التقرير." in p41.text
    assert by_id(report, "p42").text.startswith("ومن أجل الاستفادة")


def test_labels_and_sections(report):
    p17 = by_id(report, "p17")
    assert (p17.label_ar, p17.label_en) == ("الفقرة 17", "Paragraph 17")
    assert p17.section.startswith("ثالثاً- ملخص المداولات › باء - ")
    assert p17.part == "deliberations"
    assert by_id(report, "p30").part == "organization"
    assert by_id(report, "p1").part == "introduction"
    assert by_id(report, "p54").part == "adoption"


def test_original_text_is_unaltered(report):
    # Only the layout differs (line breaks of page breaks): characters are as printed.
    raw = " ".join(open(report.source, encoding="utf-8").read().split())
    for p in report.passages:
        for line in p.text.split("\n"):
            assert line == line.strip() and " ".join(line.split()) == line
            assert line in raw


def test_ids_are_stable_and_unique(report):
    ids = [p.id for p in report.passages]
    assert len(ids) == len(set(ids))
    assert by_id(report, "p17").id == "wg-som-2024-report.ar:p17"


def test_bad_corpus_files_are_refused(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(CorpusError, match="empty"):
        load_report(empty)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_report(latin1)
    with pytest.raises(CorpusError, match="not found"):
        load_report(tmp_path / "missing.txt")
    digits = tmp_path / "digits.txt"
    digits.write_text("2024\n\n***\n")
    with pytest.raises(CorpusError, match="no paragraph of text"):
        load_report(digits)


def test_plain_prose_is_read_by_blank_lines(tmp_path):
    prose = tmp_path / "notes.ar.txt"
    prose.write_text("عنوان المقال\n\nالفقرة الأولى\nتتمتها.\n\nالفقرة الثانية.\n", encoding="utf-8")
    doc = load_report(prose)
    assert doc.title == "عنوان المقال"
    assert [(p.label_en, p.text) for p in doc.citable] == [
        ("¶ 1", "الفقرة الأولى تتمتها."), ("¶ 2", "الفقرة الثانية.")]
    lines = tmp_path / "lines.txt"
    lines.write_text("one line\nanother line\n", encoding="utf-8")
    assert [p.text for p in load_report(lines).citable] == ["one line", "another line"]


def test_parse_small_report():
    text = "Distr.: General\n1 May 2020\nArabic\n\nعنوان\n\nأولاً - مقدمة\n\n1- نص أول\n\nتتمة\n\n2- نص ثان\n"
    doc = parse_report(text, "t")
    paras = doc.citable
    assert [p.text for p in paras] == ["نص أول تتمة", "نص ثان"]
    assert doc.date == "1 May 2020"


@pytest.mark.integration
def test_passages_cli_json():
    out = subprocess.run([sys.executable, "-m", "fahras", "passages", "--json"],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    kinds = [p["kind"] for p in data["passages"]]
    assert kinds.count("paragraph") == 54 and kinds.count("recommendation") == 13
    assert data["documents"][0]["date"] == "26 July 2024"


def test_every_python_package_is_in_the_distribution():
    """A non-editable install must carry every subpackage (setuptools lists them explicitly)."""
    import tomllib
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    config = tomllib.loads((repo / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapped = {pkg: repo / folder for pkg, folder in config["package-dir"].items()}
    found = set()
    for pkg, folder in mapped.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder).parts
            found.add(".".join((pkg, *rel)))
    assert found <= set(config["packages"])
