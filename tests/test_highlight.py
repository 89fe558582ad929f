"""Highlight spans (library side) and citations."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fahras.retrieval.citation import cite, date_ar, reference_en
from fahras.retrieval.highlight import highlight_spans, query_terms, segments


def marked(text: str, query: str, expansions=None) -> list[str]:
    return [text[a:b] for a, b in highlight_spans(text, query_terms(query, expansions))]


def test_plain_query_highlights_word_with_diacritics_whole():
    text = "حماية الأَطْفَال المهربين"
    assert marked(text, "الاطفال") == ["الأَطْفَال"]


def test_alef_forms_tatweel_and_proclitics_map_back_to_original_characters():
    text = "وإلى الأطفـــال، وللأطفال، إعتماد أعتماد اعتماد آخر"
    assert marked(text, "اطفال") == ["الأطفـــال", "وللأطفال"]
    assert marked(text, "إعتماد") == ["إعتماد", "أعتماد", "اعتماد"]


def test_final_diacritic_is_inside_the_span():
    text = "عُقِدَ الاجتماعُ في فيينا"
    assert marked(text, "الاجتماع") == ["الاجتماعُ"]
    assert marked(text, "عقد") == ["عُقِدَ"]


def test_stop_words_are_not_highlighted_and_english_matches_through_expansions():
    text = "في حماية الأطفال من التهريب"
    assert marked(text, "في من") == []
    assert marked(text, "children") == []
    expansions = [{"source": "children", "arabic": ["الأطفال"], "terms": query_terms("الأطفال")}]
    assert marked(text, "children", expansions) == ["الأطفال"]


def test_document_symbol_highlights_whole():
    text = "(CTOC/COP/WG.7/2024/3)؛"
    assert marked(text, "CTOC/COP/WG.7/2024/3") == ["CTOC/COP/WG.7/2024/3"]


def test_segments_never_cut_a_highlighted_word_with_the_region():
    text = "حماية الأَطْفَال والشباب"
    spans = highlight_spans(text, query_terms("الاطفال"))
    # A region ending inside the highlighted word is widened to its end.
    pieces = segments(text, spans, (0, 9))
    assert pieces == [("حماية ", False, True), ("الأَطْفَال", True, True), (" والشباب", False, False)]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("الأإآطفَُِّـ ؤئةىي abc<>&\"'\n/.-")), max_size=60),
       st.text(alphabet=st.sampled_from(list("الأإطفاbc ")), max_size=12),
       st.tuples(st.integers(-3, 70), st.integers(-3, 70)))
def test_segments_always_rebuild_the_text(text, query, region):
    spans = highlight_spans(text, query_terms(query))
    pieces = segments(text, spans, region)
    assert "".join(p for p, _, _ in pieces) == text
    for a, b in spans:
        assert 0 <= a < b <= len(text)


def test_citation_of_a_paragraph_in_both_languages(hash_searcher):
    meta = hash_searcher.documents[0]
    p17 = hash_searcher.passage("wg-som-2024-report.ar:p17")
    assert cite(p17, meta, "ar") == (
        "تقرير عن اجتماع الفريق العامل المعني بتهريب المهاجرين المعقود في فيينا يومي 11 و 12 "
        "تموز/يوليه 2024 (26 تموز/يوليه 2024)، الفقرة 17")
    assert cite(p17, meta, "en") == (
        "Report on the meeting of the Working Group on the Smuggling of Migrants held in Vienna "
        "on 11 and 12 July 2024 (26 July 2024), para. 17")


def test_citation_narrows_to_the_list_item(hash_searcher):
    meta = hash_searcher.documents[0]
    p28 = hash_searcher.passage("wg-som-2024-report.ar:p28")
    item_e = next(i for i in p28.items if i.marker == "هـ")
    assert cite(p28, meta, "ar", item_e.start + 3).endswith("، الفقرة 28 (هـ)")
    assert cite(p28, meta, "en", item_e.start + 3).endswith(", para. 28 (e)")
    r8 = hash_searcher.passage("wg-som-2024-report.ar:r8")
    assert reference_en(r8) == "recommendation 8"


def test_citation_without_english_title_falls_back_to_the_arabic_one(hash_searcher):
    p17 = hash_searcher.passage("wg-som-2024-report.ar:p17")
    meta = {"id": "other-report", "title": "تقرير آخر", "date": "3 May 2023"}
    assert cite(p17, meta, "en") == "تقرير آخر (3 May 2023), para. 17"
    assert cite(p17, meta, "ar") == "تقرير آخر (3 أيار/مايو 2023)، الفقرة 17"
    assert date_ar("sometime") == "sometime"


def test_citations_carry_the_symbol_of_a_document_that_has_one(tmp_path):
    """A UN document's symbol is read from its header and cited, in both languages, before
    the date (written in the citation's language)."""
    from pathlib import Path

    from fahras.index.report import load_report

    corpus = Path(__file__).parent / "data" / "corpus"
    for name, lang in (("fx-2023-report.ar.txt", "ar"), ("fx-2023-report.en.txt", "en")):
        doc = load_report(corpus / name)
        assert doc.symbol == "FAHRAS/TEST/2023/1"
        p1 = next(p for p in doc.passages if p.kind == "paragraph" and p.number == "1")
        meta = doc.metadata()
        assert cite(p1, meta, "ar").endswith(
            " (FAHRAS/TEST/2023/1، 15 آذار/مارس 2023)، الفقرة 1")
        assert cite(p1, meta, "en").endswith(" (FAHRAS/TEST/2023/1, 15 March 2023), para. 1")
        assert cite(p1, meta, lang).startswith(meta["title"])
