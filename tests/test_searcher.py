"""The search API with the hashing embedder: structure, filters, fusion, bad input."""

import numpy as np
import pytest

from fahras.errors import UsageError
from fahras.retrieval import fusion
from fahras.retrieval.query import WEIGHTS_ARABIC, analyze_query


@pytest.mark.parametrize("query, label", [
    ("التوصية 8", "Recommendation 8"),
    ("التوصيه ٨", "Recommendation 8"),
    ("recommendation 12", "Recommendation 12"),
    ("Rec. 3", "Recommendation 3"),
    ("paragraph 27", "Paragraph 27"),
    ("para. 16", "Paragraph 16"),
    ("الفقرة 27", "Paragraph 27"),
    ("الفقره ٢٧", "Paragraph 27"),
    ("ما نص الفقرة 41؟", "Paragraph 41"),
    ("§ 30", "Paragraph 30"),
])
def test_structural_queries_put_that_passage_first(hash_searcher, query, label):
    hits = hash_searcher.search(query, 5).hits
    assert hits[0].label_en == label
    assert hits[0].pinned
    assert hits[0].score >= max(h.score for h in hits)


def test_structural_reference_parsing():
    a = analyze_query("paragraph 28 (e)")
    assert (a.ref.kind, a.ref.number, a.ref.item) == ("paragraph", "28", "e")
    assert a.only_ref
    assert analyze_query("التوصية 8 والبحر").only_ref is False
    assert analyze_query("المرفقة بقرار المؤتمر 9/1").ref is None


@pytest.mark.parametrize("query, number", [
    ("التوصية الثانية عشرة", "12"),
    ("التوصيه الاولى", "1"),
    ("the twelfth recommendation", "12"),
    ("recommendation twelve", "12"),
])
def test_structural_references_by_ordinal_words(hash_searcher, query, number):
    top = hash_searcher.search(query, 1).hits[0]
    assert (top.kind, top.number, top.pinned) == ("recommendation", number, True)


def test_a_document_symbol_puts_the_passages_citing_it_first(hash_searcher):
    hits = hash_searcher.search("ما موضوع الوثيقة CTOC/COP/WG.7/2024/3؟", 3).hits
    assert hits[0].label_en == "Paragraph 53" and hits[0].pinned
    assert not hits[1].pinned  # only paragraph 53 cites that symbol
    assert analyze_query("ما موضوع الوثيقة CTOC/COP/WG.7/2024/3؟").codes == ("ctoc/cop/wg.7/2024/3",)
    assert analyze_query("تموز/يوليه 2024 والقرار 9/1").codes == ()


def test_missing_structural_reference_is_noted(hash_searcher):
    result = hash_searcher.search("recommendation 99", 3)
    assert result.notes == ["there is no recommendation 99 in the index"]
    assert not any(h.pinned for h in result.hits)


def test_arabic_lexical_top_hits(hash_searcher):
    top = hash_searcher.search("القانون البحري الدولي", 1, mode="lexical").hits[0]
    assert top.label_en == "Recommendation 8"
    top = hash_searcher.search("CTOC/COP/WG.7/2024/1", 1).hits[0]
    assert top.label_en == "Paragraph 53"
    top = hash_searcher.search("حمايه الاطفال والشباب المهربين", 1).hits[0]
    assert top.label_en == "Paragraph 28"


def test_filters(hash_searcher):
    hits = hash_searcher.search("تهريب المهاجرين", 20, kinds=["recommendation"]).hits
    assert hits and all(h.kind == "recommendation" for h in hits)
    hits = hash_searcher.search("تهريب المهاجرين", 20, parts=["organization"]).hits
    assert hits and all(h.part == "organization" for h in hits)
    assert all(h.kind != "heading" for h in hash_searcher.search("تهريب", 84).hits)
    with pytest.raises(UsageError, match="unknown passage kind"):
        hash_searcher.search("x", kinds=["chapter"])


def test_hybrid_equals_reference_fusion(hash_searcher):
    """The fused score is the weighted sum of min-max normalized lexical and dense scores."""
    s = hash_searcher
    query = "تنسيق تدابير التصدي للأزمات"
    scored = s.score(query)
    idx = np.flatnonzero(scored.eligible)
    lex, den = scored.lexical[idx], scored.dense[idx]
    w_lex, w_dense = WEIGHTS_ARABIC
    ref = (w_lex * (lex - lex.min()) / (lex.max() - lex.min())
           + w_dense * (den - den.min()) / (den.max() - den.min()))
    assert np.allclose(scored.fused[idx], ref)
    hits = s.search(query, 3).hits
    assert hits[0].id == s.passages[idx[np.argmax(ref)]].id
    assert fusion.interpolate([{0: 1.0}, {0: 0.5}], [0.7, 0.3]) == {0: 0.0}


def test_latin_query_uses_only_specific_lexical_terms(hash_searcher):
    scored = hash_searcher.score("meetings in 2024 and CTOC/COP/WG.7/2024/2")
    weights = hash_searcher.lexical_query(scored.analysis, [])
    assert "ctoc/cop/wg.7/2024/2" in weights
    assert "2024" not in weights  # in most passages: would drown the dense side


def test_modes(hash_searcher):
    for mode in ("hybrid", "lexical", "dense"):
        assert len(hash_searcher.search("فيينا", 3, mode=mode).hits) == 3
    with pytest.raises(UsageError, match="unknown mode"):
        hash_searcher.search("فيينا", mode="magic")


@pytest.mark.parametrize("query, message", [
    ("", "empty"),
    ("   \n\t", "empty"),
    ("؟؟ !!", "no letters or digits"),
    ("🙂🙂", "no letters or digits"),
    ("ا" * 6000, "limit is 5,000"),
])
def test_bad_queries_are_clear_errors(hash_searcher, query, message):
    with pytest.raises(UsageError, match=message):
        hash_searcher.search(query)


def test_odd_but_valid_queries_return_results(hash_searcher):
    for q in ("\u200fفيينا\u200e", "<script>alert(1)</script> تهريب", "2024", "'; DROP TABLE x; --",
              "../../etc/passwd", "فيينا 🙂", "\ud800 تهريب"):
        assert hash_searcher.search(q, 3).hits


def test_lone_surrogates_become_replacement_characters(hash_searcher):
    result = hash_searcher.search("\ud800abc تهريب", 2)
    assert result.query == "\ufffdabc تهريب"
    result.to_json()  # encodable


def test_hit_json_shape(hash_searcher):
    d = hash_searcher.search("فيينا", 1).to_json()
    assert set(d) == {"query", "hits", "expansions", "notes", "took_ms"}
    assert set(d["hits"][0]) >= {"rank", "id", "kind", "number", "label_ar", "label_en",
                                 "section", "text", "score"}
    with pytest.raises(UsageError):
        hash_searcher.search("فيينا", 0)
