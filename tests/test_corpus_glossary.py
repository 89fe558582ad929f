"""The general glossary and a corpus's own: what the general file may hold (lemma-like UN Arabic,
no one report's forms), corpus glossary files found beside documents, stored in the index and
used by the searcher's expander."""

from __future__ import annotations

import json
import re

import pytest

from fahras import cli
from fahras.errors import CorpusError
from fahras.index import glossaries, store
from fahras.index.builder import build_index
from fahras.index.builder import update_index
from fahras.text.arabic import STOP_WORDS, normalize, tokenize
from fahras.retrieval.crosslingual.expander import CrossLingualExpander, ExpansionConfig
from fahras.retrieval.crosslingual.glossary import (
    DATA,
    PRONOUNS,
    corpus_entries,
    read_entries,
    with_corpus,
    word_variants,
)
from fahras.retrieval.query import analyze_query
from fahras.retrieval.searcher import Searcher

GENERAL = DATA / "glossary.tsv"
ALL_PRONOUNS = ("ه", "ها", "هم", "هما", "هن", "كم", "نا")
# Letters that differ by their dots only: a form and its misprint share this skeleton.
_RASM = str.maketrans({c: g for g, cs in {"ب": "بتثني", "ح": "جحخ", "د": "دذ", "ر": "رز",
                                          "س": "سش", "ص": "صض", "ط": "طظ", "ع": "عغ",
                                          "ف": "فق"}.items() for c in cs})


def _words(form: str) -> list[str]:
    return [t.form for t in tokenize(form) if t.form.isalpha() and t.form not in STOP_WORDS]


@pytest.fixture(scope="module")
def general():
    return read_entries(GENERAL)


@pytest.fixture(scope="module")
def vocabulary(general):
    """Every word of the general glossary's Arabic side, and the same without the article."""
    words = {w for e in general for f in e.ar for w in _words(f)}
    return words | {w[2:] for w in words if w.startswith("ال") and len(w) > 4}


# -- what the general file holds ---------------------------------------------------------------
def test_general_forms_carry_no_attached_pronoun(general, vocabulary):
    """A pronoun attached to a word («سلطاتها», «حمايتهم», «اجتماعه») refers to something in
    one report's sentence; the general file lists the word («السلطات», «الحماية») and the
    expander adds the pronoun forms (:func:`word_variants`). Read on the written forms, where
    a pronoun «ه» is not the feminine «ة»."""
    bad = []
    for e in general:
        for form in e.ar:
            for w in re.findall(r"[\u0621-\u064a]+", form):
                for s in ALL_PRONOUNS:
                    base = w[:-len(s)]
                    if not w.endswith(s) or len(base) < 3:
                        continue
                    bases = {normalize(base), normalize(base[:-1] + "ة") if base.endswith("ت")
                             else normalize(base)}
                    if bases & vocabulary:
                        bad.append((e.en[0], form, w))
    assert not bad


def test_general_one_word_forms_carry_no_proclitic(general, vocabulary):
    """«وأكد», «بالقرار», «للاجتماعات» are «أكد», «القرار», «الاجتماعات» with و/ب/ل: the
    expander adds those itself, so a one-word form is never written with them."""
    bad = []
    for e in general:
        for form in e.ar:
            words = _words(form)
            if len(words) != 1:
                continue  # inside a phrase a proclitic is grammar («المعني بتهريب المهاجرين»)
            (w,) = words
            for p in ("و", "ف", "ب", "ل"):
                rest = w[len(p):]
                if w.startswith(p) and len(rest) >= 3 and (
                        rest in vocabulary or (p == "ل" and "ا" + rest in vocabulary)):
                    bad.append((e.en[0], form))
    assert not bad


def test_no_entry_holds_a_form_and_its_misprint(general):
    """Two words of one entry that differ only in their letters' dots («المهربين»/«المهريين»,
    «القطرية»/«الفطرية») are a word and a misprint of it: a report's typo, not UN Arabic."""
    bad = []
    for e in general:
        words = {w for f in e.ar for w in _words(f)}
        by_rasm: dict[str, set[str]] = {}
        for w in words:
            by_rasm.setdefault(w.translate(_RASM), set()).add(w)
        bad += [(e.en[0], sorted(ws)) for ws in by_rasm.values() if len(ws) > 1]
    assert not bad


def test_general_one_word_forms_are_not_variants_of_each_other(general):
    """Within an entry, «حماية» next to «الحماية» adds nothing: the expander reaches it."""
    bad = []
    for e in general:
        single = [normalize(f) for f in e.ar if len(_words(f)) == 1]
        bad += [(e.en[0], a) for a in single for b in single if a != b and a in word_variants(b)]
    assert not bad


@pytest.mark.parametrize("word, variant", [
    ("الحماية", "حمايتهم"), ("الحماية", "وحماية"), ("الحماية", "للحماية"),
    ("التهريب", "لتهريب"), ("أكد", "وأكد"), ("الاجتماعات", "للاجتماعات"),
])
def test_word_variants(word, variant):
    assert normalize(variant) in word_variants(normalize(word))


def test_pronoun_variants_only_after_a_feminine_noun():
    assert [v for v in word_variants("التهريب") if v.endswith(PRONOUNS)] == []
    assert "حمايتها" in word_variants(normalize("حماية"))


# -- the bundled report's own glossary ---------------------------------------------------------
def test_the_bundled_report_carries_its_own_glossary():
    from fahras.config import bundled_corpus

    (path,) = [p for p in glossaries.files_for(bundled_corpus())]
    assert path.name == "wg-som-2024-report.glossary.tsv"
    rows = glossaries.read_rows(path)
    assert len(rows) > 20 and all(len(r) == 5 for r in rows)


def test_every_entry_of_the_report_glossary_is_the_reports_wording(report):
    """A corpus glossary describes its corpus: every entry has a form whose words all occur in
    the report (with or without a proclitic)."""
    from fahras.config import bundled_corpus
    from fahras.text.arabic import analyze
    from fahras.retrieval.crosslingual.glossary import clitic_terms

    terms = {t for p in report.passages for t in analyze(p.text)}

    def in_report(form: str) -> bool:
        words = [t.form for t in tokenize(form) if clitic_terms(t.form)]
        return all(terms.intersection(clitic_terms(w)) for w in words)

    rows = glossaries.read_rows(glossaries.files_for(bundled_corpus())[0])
    missing = [e.en[0] for e in corpus_entries([{"rows": rows}]) if not any(map(in_report, e.ar))]
    assert missing == []


# -- corpus glossary files ------------------------------------------------------------------
def test_which_files_apply_to_a_document(tmp_path):
    doc = tmp_path / "report.ar.txt"
    doc.write_text("x", encoding="utf-8")
    assert glossaries.files_for(doc) == []
    for name in ("glossary.tsv", "report.glossary.tsv", "report.ar.glossary.tsv",
                 "other.glossary.tsv"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert [p.name for p in glossaries.files_for(doc)] == [
        "glossary.tsv", "report.ar.glossary.tsv", "report.glossary.tsv"]


@pytest.mark.parametrize("content, message", [
    ("term\tbudget\n", "line 1: a glossary row needs a kind, English and Arabic"),
    ("# c\nterm\tbudget\tالميزانية\t2\n", "line 2: the weight '2' is not a number"),
    ("term\tbudget\tالميزانية\tx\n", "the weight 'x'"),
    ("term\ta\tب\t1\tnote\textra\n", "line 1: 6 tab-separated cells"),
    ("term\t|\tالميزانية\n", "needs a kind, English and Arabic"),
])
def test_a_malformed_glossary_is_refused_with_its_line(tmp_path, content, message):
    path = tmp_path / "glossary.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message) as e:
        glossaries.read_rows(path)
    assert str(e.value).startswith(str(path))


def test_a_glossary_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_bytes("term\tbudget\tالميزانية\n".encode("cp1256"))
    with pytest.raises(CorpusError, match="not UTF-8"):
        glossaries.read_rows(path)


def test_header_comments_and_bom_are_read(tmp_path):
    path = tmp_path / "glossary.tsv"
    path.write_text("\ufeffkind\ten\tar\tweight\tnote\n# a comment\n\nterm\tbudget|budgets\t"
                    "الميزانية|الميزانيات\t0.8\n", encoding="utf-8")
    assert glossaries.read_rows(path) == [["term", "budget|budgets", "الميزانية|الميزانيات",
                                           "0.8", ""]]


# -- stored in the index, used by the searcher ------------------------------------------------
DOC_A = "وتناول الاجتماع مسألة الخزانات الجوفية في المنطقة ومشروع القناة الكبرى.\n\nوناقش المشاركون إدارة المياه."
DOC_B = "وتحدث الخبراء عن الزراعة المروية في السهول الشمالية.\n\nوعرضت الوزارة خطتها للري."


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "water.ar.txt").write_text("مذكرة عن المياه\n\n" + DOC_A, encoding="utf-8")
    (folder / "farms.ar.txt").write_text("مذكرة عن الزراعة\n\n" + DOC_B, encoding="utf-8")
    (folder / "glossary.tsv").write_text(
        "kind\ten\tar\tweight\tnote\nterm\taquifer|aquifers\tالخزانات الجوفية\t\t\n",
        encoding="utf-8")
    (folder / "farms.glossary.tsv").write_text("place\tnorthern plains\tالسهول الشمالية\n",
                                               encoding="utf-8")
    return folder


def _expansions(searcher, text, **config):
    exp = CrossLingualExpander.for_searcher(searcher, ExpansionConfig(**config))
    return [(e["source"], e["kind"], e["arabic"]) for e in exp(analyze_query(text))]


def test_corpus_glossaries_are_stored_once_with_their_documents(corpus, tmp_path):
    index = tmp_path / "index"
    manifest = build_index([corpus], index_dir=index, model="hash")
    data = store.read_index(index)
    by_file = {g["file"]: g for g in data.glossaries}
    assert sorted(by_file) == ["farms.glossary.tsv", "glossary.tsv"]
    assert by_file["glossary.tsv"]["docs"] == ["farms.ar", "water.ar"]
    assert by_file["farms.glossary.tsv"]["docs"] == ["farms.ar"]
    assert by_file["glossary.tsv"]["rows"] == [["term", "aquifer|aquifers", "الخزانات الجوفية",
                                                "", ""]]
    assert {g["file"]: g["rows"] for g in manifest["glossaries"]} == {
        "glossary.tsv": 1, "farms.glossary.tsv": 1}
    # The search reads the index only: the folder may be gone.
    for f in corpus.iterdir():
        f.unlink()
    s = Searcher.open(index, model="hash", build_if_missing=False)
    assert _expansions(s, "What about the aquifers of the northern plains?") == [
        ("aquifers", "glossary", ["الخزانات الجوفية"]),
        ("northern plains", "glossary", ["السهول الشمالية"])]
    assert _expansions(s, "What about the aquifers?", corpus=False) == []
    assert s.search("aquifers", 1, mode="lexical").hits[0].text.startswith("وتناول")


def test_removing_a_document_drops_its_glossary(corpus, tmp_path):
    index = tmp_path / "index"
    build_index([corpus], index_dir=index, model="hash")
    update_index(index, remove=["farms.ar"], model="hash")
    data = store.read_index(index)
    assert [(g["file"], g["docs"]) for g in data.glossaries] == [("glossary.tsv", ["water.ar"])]
    update_index(index, remove=[], add=[corpus / "farms.ar.txt"], model="hash")
    data = store.read_index(index)
    assert sorted((g["file"], tuple(g["docs"])) for g in data.glossaries) == [
        ("farms.glossary.tsv", ("farms.ar",)), ("glossary.tsv", ("water.ar", "farms.ar"))]


def test_a_changed_glossary_replaces_the_stored_one(corpus, tmp_path):
    index = tmp_path / "index"
    build_index([corpus], index_dir=index, model="hash")
    (corpus / "glossary.tsv").write_text("term\tcanal\tالقناة\n", encoding="utf-8")
    build_index([corpus], index_dir=index, model="hash")
    rows = [g["rows"] for g in store.read_index(index).glossaries if g["file"] == "glossary.tsv"]
    assert rows == [[["term", "canal", "القناة", "", ""]]]


def test_a_malformed_glossary_stops_the_build_and_keeps_the_index(corpus, tmp_path, capsys):
    index = tmp_path / "index"
    build_index([corpus], index_dir=index, model="hash")
    before = store.current_generation(index)
    (corpus / "glossary.tsv").write_text("term\taquifer\n", encoding="utf-8")
    code = cli.main(["index", str(corpus), "--index", str(index), "--model", "hash"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and err[-1].startswith("fahras: error: ")
    assert "glossary.tsv: line 1: a glossary row needs a kind, English and Arabic" in err[-1]
    assert not any("Traceback" in line for line in err)
    assert store.current_generation(index) == before


def test_an_index_without_glossaries_still_opens(corpus, tmp_path, monkeypatch):
    """An index written before corpus glossaries existed (no glossaries.json) reads as none."""
    monkeypatch.setattr(store, "OPTIONAL_JSON", ())
    index = tmp_path / "index"
    build_index([corpus], index_dir=index, model="hash")
    monkeypatch.undo()
    gen, manifest = store.read_manifest(index)
    assert "glossaries.json" not in manifest["files"]
    assert store.read_index(index).glossaries == []


def test_a_tampered_glossary_file_is_damage(corpus, tmp_path):
    index = tmp_path / "index"
    build_index([corpus], index_dir=index, model="hash")
    gen = store.current_generation(index)
    (gen / "glossaries.json").write_text(json.dumps([{"rows": 1}]), encoding="utf-8")
    with pytest.raises(Exception, match="damaged"):
        store.read_index(index)


def test_general_and_corpus_entries_together(general):
    g = with_corpus([{"rows": [["term", "aquifer", "الخزانات الجوفية", "", ""]]},
                     {"rows": [["term", "aquifer", "الخزانات الجوفية", "", ""]]}])
    assert len(g.entries) == len(general) + 249 + 1  # + countries; a repeated row once
    assert [e.ar[0] for e in g.lookup_en("aquifer")] == ["الخزانات الجوفية"]
