"""Corpora of many documents: TXT/DOCX/PDF loaders, the English layout, metadata, filters,
language versions linked by paragraph number, and incremental indexing."""

import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from docfixtures import make_docx, make_pdf, make_scanned_pdf
from fahras.config import bundled_corpus
from fahras.errors import CorpusError, UsageError
from fahras.index import builder, loaders, store
from fahras.index.embedder import HashingEmbedder
from fahras.index.builder import update_index
from fahras.index.report import load_report, parse_report
from fahras.retrieval.searcher import Searcher

CORPUS = Path(__file__).parent / "data" / "corpus"
EN = CORPUS / "fx-2023-report.en.txt"
AR = CORPUS / "fx-2023-report.ar.txt"
BG = CORPUS / "fx-2022-background.ar.txt"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A folder of four reports: an English original (.txt), its Arabic version (.docx), an
    Arabic background paper (.pdf in visual order and presentation forms), the bundled report."""
    d = tmp_path_factory.mktemp("corpus")
    shutil.copy(EN, d / EN.name)
    make_docx(AR, d / "fx-2023-report.ar.docx")
    make_pdf(BG, d / "fx-2022-background.ar.pdf", visual=True)
    sub = d / "2024"
    sub.mkdir()
    shutil.copy(bundled_corpus(), sub / bundled_corpus().name)
    (d / ".hidden.txt").write_text("not a report")
    (d / "notes.md").write_text("not a report either")
    return d


@pytest.fixture(scope="session")
def corpus_searcher(corpus_dir, tmp_path_factory):
    index = tmp_path_factory.mktemp("corpus-index") / "index"
    builder.build_index([corpus_dir], index_dir=index, model="hash")
    return Searcher.open(index, model="hash", build_if_missing=False)


def passages_key(doc):
    return [(p.id.split(":")[1], p.kind, p.number, p.text, p.items, p.part, p.section_en)
            for p in doc.passages]


# -- loaders -------------------------------------------------------------------------------
def test_folder_expansion_skips_hidden_and_other_files(corpus_dir):
    names = [p.name for p in loaders.expand_paths([corpus_dir])]
    assert names == ["wg-som-2024-report.ar.txt", "fx-2022-background.ar.pdf",
                     "fx-2023-report.ar.docx", "fx-2023-report.en.txt"]


def test_empty_folder_and_missing_file_are_refused(tmp_path):
    with pytest.raises(CorpusError, match="no reports found in the folder"):
        loaders.expand_paths([tmp_path])
    with pytest.raises(CorpusError, match="not found"):
        loaders.expand_paths([tmp_path / "missing.pdf"])


def test_docx_with_automatic_numbering_reads_like_the_text(corpus_dir):
    docx = loaders.load_document(corpus_dir / "fx-2023-report.ar.docx")
    txt = load_report(AR)
    assert passages_key(docx) == passages_key(txt)
    assert docx.symbol == "FAHRAS/TEST/2023/1"  # from the page header
    assert (docx.date, docx.year, docx.lang, docx.title) == ("15 March 2023", 2023, "ar", txt.title)
    assert docx.id == "fx-2023-report.ar"


def test_pdf_in_visual_order_with_presentation_forms_is_repaired(corpus_dir):
    path = corpus_dir / "fx-2022-background.ar.pdf"
    raw = loaders.pdf_text(path)
    assert any(0xFE70 <= ord(c) <= 0xFEFF for c in raw)  # what the PDF really holds
    fwd, rev = loaders.reversed_evidence(raw)
    assert rev > 2 * fwd
    pdf = loaders.load_document(path)
    txt = load_report(BG)
    assert passages_key(pdf) == passages_key(txt)
    assert (pdf.symbol, pdf.date, pdf.year, pdf.lang) == ("FAHRAS/TEST/2022/2", "10 May 2022",
                                                          2022, "ar")
    # The running header (symbol) and page numbers of pages 2.. are not in the text.
    assert all("FAHRAS" not in p.text and "/3" not in p.text for p in pdf.passages)


def test_english_pdf_in_logical_order(tmp_path):
    pdf = loaders.load_document(make_pdf(EN, tmp_path / "fx-2023-report.en.pdf"))
    assert passages_key(pdf) == passages_key(load_report(EN))
    assert pdf.lang == "en"


def test_scanned_and_broken_pdfs_are_refused(tmp_path):
    with pytest.raises(CorpusError, match="no text layer .*scanned PDF.*OCR"):
        loaders.load_document(make_scanned_pdf(tmp_path / "scan.pdf"))
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    with pytest.raises(CorpusError, match="not a readable PDF"):
        loaders.load_document(bad)
    bad_docx = tmp_path / "broken.docx"
    bad_docx.write_bytes(b"PK nothing")
    with pytest.raises(CorpusError, match="not a readable .docx"):
        loaders.load_document(bad_docx)


def test_repair_arabic_units():
    # Presentation forms -> letters (NFKC), including the lam-alef ligature.
    shaped = "\ufedf\ufe8e\ufef3\ufe94 \ufefb"  # لاية لا in positional glyphs
    assert loaders.repair_arabic(shaped) == unicodedata.normalize("NFKC", shaped)
    # Visual order with numbers, a symbol and brackets: reversed back, LTR runs kept.
    logical = ["12- وترد في الوثيقة CTOC/COP/WG.7/2024/3 قائمة بأسماء المشاركين (أ) في عام 2024.",
               "ومن المقرر أن يعقد الاجتماع في فيينا من 1 إلى 3 تموز/يوليه على الأقل."]
    visual = []
    for line in logical:
        back = line[::-1].translate(str.maketrans("()", ")("))
        visual.append(loaders._LTR_RUN_RE.sub(lambda m: m.group(0)[::-1], back))
    assert loaders.repair_arabic("\n".join(visual)) == "\n".join(logical)
    # Text already in logical order is left alone (the bundled report, every character).
    text = bundled_corpus().read_text(encoding="utf-8")
    assert loaders.repair_arabic(text) == text


# -- English layout and metadata --------------------------------------------------------------
def test_english_layout_same_structure_english_labels():
    en = load_report(EN)
    ids = [p.id.split(":")[1] for p in en.passages]
    assert ids == ["hI", "p1", "p2", "hII", "p3", "hII.A", "r1", "r2", "hIII", "p4", "p5",
                   "hIV", "p6"]
    assert ids == [p.id.split(":")[1] for p in load_report(AR).passages]
    r2 = next(p for p in en.passages if p.id.endswith(":r2"))
    assert (r2.label_ar, r2.label_en, r2.part) == ("التوصية 2", "Recommendation 2",
                                                   "recommendations")
    assert r2.section == "II. Recommendations › A. Recommendations on the protection of victims"
    assert r2.section_en == "Chapter II › Section II.A"
    assert [i.marker for i in r2.items] == ["a", "b"]
    b = r2.items[1]
    assert r2.text[b.start:b.end].startswith("(b) Provide victims")
    assert r2.cite_labels(b.start + 3) == ("التوصية 2 (ب)", "Recommendation 2 (b)")
    assert [p.part for p in en.passages if p.kind == "paragraph"] == [
        "introduction", "introduction", "recommendations", "deliberations", "deliberations",
        "adoption"]
    hdr = next(p for p in en.passages if p.id.endswith(":hII.A"))
    assert (hdr.label_ar, hdr.label_en) == ("ثانياً - ألف", "Section II.A")
    assert (en.symbol, en.date, en.year, en.lang, en.original_language) == (
        "FAHRAS/TEST/2023/1", "15 March 2023", 2023, "en", "English")
    assert en.title.startswith("Report on the meeting of the Working Group on Trafficking")
    assert all("FAHRAS/TEST" not in p.text and "Distr." not in p.text for p in en.passages)


def test_english_numbered_list_inside_a_paragraph_does_not_restart_numbering():
    text = ("Distr.: General\n1 May 2020\nOriginal: English\n\nA title\n\nI. Organization of "
            "the meeting\n\n1. The meeting was held in Vienna.\n\n2. It was opened by the "
            "Chair.\n\n3. The agenda was as follows:\n1. Opening of the meeting.\n"
            "2. Adoption of the agenda.\n\n4. The meeting ended.\n")
    doc = parse_report(text, "t.en")
    paras = [p for p in doc.passages if p.kind == "paragraph"]
    assert [p.number for p in paras] == ["1", "2", "3", "4"]
    assert [i.marker for i in paras[2].items] == ["1", "2"]
    assert paras[0].part == "organization" and doc.lang == "en" and doc.symbol is None


def test_bundled_report_metadata_is_unchanged(report):
    assert (report.lang, report.year, report.symbol) == ("ar", 2024, None)
    assert report.version_key == "wg-som-2024-report"


# -- a folder corpus: filters, citations, linked versions -----------------------------------
def test_folder_index_has_every_document(corpus_searcher):
    docs = {d["id"]: d for d in corpus_searcher.documents}
    assert sorted(docs) == ["fx-2022-background.ar", "fx-2023-report.ar", "fx-2023-report.en",
                            "wg-som-2024-report.ar"]
    assert docs["fx-2023-report.ar"]["source"].endswith(".docx")
    assert docs["fx-2022-background.ar"]["source"].endswith(".pdf")
    manifest = corpus_searcher.data.manifest
    assert [d["id"] for d in manifest["documents"]] == [
        "wg-som-2024-report.ar", "fx-2022-background.ar", "fx-2023-report.ar",
        "fx-2023-report.en"]
    assert manifest["n_passages"] == 84 + 7 + 13 + 13


def test_hits_carry_their_document_for_citation(corpus_searcher):
    hit = corpus_searcher.search("البحث والإنقاذ في البحر المتوسط", 1, years=[2022]).hits[0]
    assert hit.id == "fx-2022-background.ar:p1"
    j = hit.to_json()
    assert j["document"] == {"id": "fx-2022-background.ar", "symbol": "FAHRAS/TEST/2022/2",
                             "title": load_report(BG).title, "date": "10 May 2022",
                             "year": 2022, "lang": "ar", "source": j["document"]["source"]}


@pytest.mark.parametrize("filters, docs", [
    ({"years": [2023]}, {"fx-2023-report.ar", "fx-2023-report.en"}),
    ({"years": ["2022-2023"], "langs": ["ar"]}, {"fx-2023-report.ar", "fx-2022-background.ar"}),
    ({"langs": ["en"]}, {"fx-2023-report.en"}),
    ({"years": [2024]}, {"wg-som-2024-report.ar"}),
    ({"docs": ["fx-2023-report.ar"]}, {"fx-2023-report.ar"}),
])
def test_filters_by_year_language_document(corpus_searcher, filters, docs):
    hits = corpus_searcher.search("الضحايا victims المهاجرين", 100, **filters).hits
    assert hits and {h.doc for h in hits} == docs


def test_bad_filters_are_usage_errors(corpus_searcher):
    with pytest.raises(UsageError, match="year"):
        corpus_searcher.search("x", years=["last year"])
    with pytest.raises(UsageError, match="unknown language 'xx'"):
        corpus_searcher.search("x", langs=["xx"])


def test_language_versions_are_linked_both_ways(corpus_searcher):
    en = corpus_searcher.search("consular services identifying victims abroad", 1,
                                langs=["en"]).hits[0]
    assert en.id == "fx-2023-report.en:p2"
    assert [(x["id"], x["lang"]) for x in en.linked] == [("fx-2023-report.ar:p2", "ar")]
    assert en.linked[0]["text"] == corpus_searcher.passage("fx-2023-report.ar:p2").text
    ar = corpus_searcher.search("التوصية 2", 1, langs=["ar"], years=[2023]).hits[0]
    assert ar.id == "fx-2023-report.ar:r2"
    assert ar.to_json()["linked"][0]["id"] == "fx-2023-report.en:r2"
    assert ar.to_json()["linked"][0]["text"].startswith("States parties are encouraged to "
                                                        "strengthen cooperation")
    # Different symbols are not versions of each other: paragraph 1 of the background paper
    # and paragraph 1 of the 2024 report stay unlinked.
    bg = corpus_searcher.search("البحث والإنقاذ في البحر المتوسط", 1, years=[2022]).hits[0]
    assert bg.linked == []


def test_structural_query_across_documents_pins_each_version(corpus_searcher):
    hits = corpus_searcher.search("recommendation 2", 3, years=[2023]).hits
    assert {h.id for h in hits[:2]} == {"fx-2023-report.ar:r2", "fx-2023-report.en:r2"}
    assert all(h.pinned for h in hits[:2])


@pytest.mark.integration
def test_cli_folder_index_and_filtered_search(corpus_dir, tmp_path):
    env_index = tmp_path / "idx"
    run = [sys.executable, "-m", "fahras"]
    out = subprocess.run(run + ["index", str(corpus_dir), "--index", str(env_index),
                                "--model", "hash", "--json"],
                         capture_output=True, text=True, check=True).stdout
    summary = json.loads(out)
    assert summary["passages"] == 117 and len(summary["documents"]) == 4
    assert summary["changes"]["added"] == summary["documents"]
    out = subprocess.run(run + ["search", "victims consulates", "--index", str(env_index),
                                "--model", "hash", "--lang", "en", "--year", "2023", "-k", "3",
                                "--json"], capture_output=True, text=True, check=True).stdout
    hits = json.loads(out)["hits"]
    assert hits and all(h["document"]["lang"] == "en" and h["document"]["year"] == 2023
                        for h in hits)
    assert all(h["linked"] and h["linked"][0]["lang"] == "ar" for h in hits)
    bad = subprocess.run(run + ["search", "x", "--index", str(env_index), "--model", "hash",
                                "--year", "soon"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("fahras: error: a year filter")
    scan = make_scanned_pdf(tmp_path / "scan.pdf")
    bad = subprocess.run(run + ["index", str(scan), "--index", str(tmp_path / "i2"),
                                "--model", "hash"], capture_output=True, text=True)
    assert bad.returncode == 1 and "no text layer" in bad.stderr
    assert "Traceback" not in bad.stderr


# -- incremental indexing ------------------------------------------------------------------
class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the texts it is asked to encode."""

    def __init__(self):
        super().__init__()
        self.encoded: list[str] = []

    def encode_documents(self, texts, progress=False):
        self.encoded.extend(texts)
        return super().encode_documents(texts, progress)


@pytest.fixture
def counting(monkeypatch):
    emb = CountingEmbedder()
    monkeypatch.setattr(builder, "get_embedder", lambda spec=None, progress=False: emb)
    monkeypatch.setattr("fahras.index.embedder._CACHE", {"hash": emb})
    return emb


def _texts_of(doc):
    from fahras.text.sentences import split_sentences

    out = [p.text for p in doc.passages]
    for p in doc.passages:
        if p.kind != "heading":
            out += [p.text[s.start:s.end] for s in split_sentences(p.text)]
    return set(out)


def test_incremental_reembeds_only_what_changed(tmp_path, counting):
    folder = tmp_path / "reports"
    folder.mkdir()
    for src in (EN, AR):
        shutil.copy(src, folder / src.name)
    index = tmp_path / "index"

    m = builder.build_index([folder], index_dir=index, model="hash")
    first = len(counting.encoded)
    assert first == len(_texts_of(load_report(EN)) | _texts_of(load_report(AR)))
    assert m["changes"]["added"] == ["fx-2023-report.ar", "fx-2023-report.en"]
    before = store.read_index(index)

    # Nothing changed: nothing embedded, same vectors.
    counting.encoded.clear()
    m = builder.build_index([folder], index_dir=index, model="hash")
    assert counting.encoded == []
    assert m["changes"]["unchanged"] == ["fx-2023-report.ar", "fx-2023-report.en"]
    assert np.array_equal(store.read_index(index).vectors, before.vectors)

    # One paragraph of one document changed: only that paragraph and its new sentence.
    text = EN.read_text(encoding="utf-8")
    new_p5 = ("Speakers emphasized that online recruitment by traffickers required "
              "cooperation with social media platforms.")
    (folder / EN.name).write_text(text.replace(
        "Speakers emphasized that online recruitment by traffickers required cooperation with "
        "technology companies and the preservation of electronic evidence.", new_p5),
        encoding="utf-8")
    counting.encoded.clear()
    m = builder.build_index([folder], index_dir=index, model="hash")
    assert counting.encoded == [new_p5]  # the paragraph is one sentence: embedded once
    assert m["changes"]["changed"] == ["fx-2023-report.en"]
    assert m["changes"]["unchanged"] == ["fx-2023-report.ar"]
    after = store.read_index(index)
    s = Searcher(after, model="hash")
    assert s.passage("fx-2023-report.en:p5").text == new_p5
    i = s._by_id["fx-2023-report.en:p5"]
    assert np.allclose(after.vectors[i], HashingEmbedder().encode_documents([new_p5])[0])
    j = s._by_id["fx-2023-report.ar:p5"]
    assert np.array_equal(after.vectors[j], before.vectors[before.passages.index(
        next(p for p in before.passages if p.id == "fx-2023-report.ar:p5"))])

    # A new document: only its texts. Then remove one: its passages go, nothing embedded.
    shutil.copy(BG, folder / BG.name)
    counting.encoded.clear()
    m = builder.build_index([folder], index_dir=index, model="hash")
    assert set(counting.encoded) == _texts_of(load_report(BG)) - _texts_of(load_report(AR))
    assert m["changes"]["added"] == ["fx-2022-background.ar"]
    (folder / AR.name).unlink()
    counting.encoded.clear()
    m = builder.build_index([folder], index_dir=index, model="hash")
    assert counting.encoded == []
    assert m["changes"]["removed"] == ["fx-2023-report.ar"]
    data = store.read_index(index)
    assert {p.doc for p in data.passages} == {"fx-2022-background.ar", "fx-2023-report.en"}
    assert [d["id"] for d in m["documents"]] == ["fx-2022-background.ar", "fx-2023-report.en"]
    assert m["n_passages"] == len(data.passages) == data.vectors.shape[0] == 7 + 13
    assert [p.order for p in data.passages] == list(range(20))
    # Every sentence row points into its own passage, with the right vector.
    emb = HashingEmbedder()
    for (pi, a, b), v in zip(data.sentences.tolist()[:30], data.sentence_vectors[:30]):
        assert np.allclose(v, emb.encode_documents([data.passages[pi].text[a:b]])[0])


def test_update_index_adds_and_removes_without_rereading_others(tmp_path, counting):
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copy(EN, folder / EN.name)
    index = tmp_path / "index"
    builder.build_index([folder / EN.name], index_dir=index, model="hash")
    (folder / EN.name).unlink()  # the kept document is not read again
    counting.encoded.clear()
    m = update_index(index, add=[AR], model="hash")
    assert set(counting.encoded) == _texts_of(load_report(AR))
    assert [d["id"] for d in m["documents"]] == ["fx-2023-report.en", "fx-2023-report.ar"]
    assert m["changes"]["unchanged"] == ["fx-2023-report.en"]
    s = Searcher.open(index, model="hash")
    assert s.search("consular services", 1, langs=["en"]).hits[0].linked[0]["lang"] == "ar"
    counting.encoded.clear()
    m = update_index(index, remove=["fx-2023-report.en"], model="hash")
    assert counting.encoded == [] and m["changes"]["removed"] == ["fx-2023-report.en"]
    assert {p.doc for p in store.read_index(index).passages} == {"fx-2023-report.ar"}
    with pytest.raises(UsageError, match="no document 'nope'"):
        update_index(index, remove=["nope"], model="hash")
    with pytest.raises(UsageError, match="empty index"):
        update_index(index, remove=["fx-2023-report.ar"], model="hash")


def test_incremental_build_is_still_atomic(tmp_path, counting):
    index = tmp_path / "index"
    builder.build_index([EN], index_dir=index, model="hash")
    before = store.current_generation(index)

    def crash(gen):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        builder.build_index([EN, AR], index_dir=index, model="hash", before_switch=crash)
    assert store.current_generation(index) == before
    assert {p.doc for p in store.read_index(index).passages} == {"fx-2023-report.en"}
