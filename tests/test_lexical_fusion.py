"""BM25 (with its IDF fixed for small corpora) and the fusion functions, against references."""

import math

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from fahras.retrieval import fusion
from fahras.retrieval.lexical import LexicalIndex, lucene_idf

DOCS = [
    ["تهريب", "مهاجر", "بحر"],
    ["تهريب", "مهاجر", "طفل"],
    ["تهريب", "مهاجر", "قنصل"],
    ["تعاون", "دول", "طفل"],
]


def test_term_in_half_the_passages_still_scores():
    # "طفل" is in 2 of 4 passages: rank-bm25's IDF is log(2.5/2.5) = 0 for it.
    plain = BM25Okapi(DOCS)
    assert plain.idf["طفل"] == 0.0
    assert plain.get_scores(["طفل"])[1] == 0.0
    lex = LexicalIndex(DOCS)
    scores = lex.scores(["طفل"])
    assert scores[1] > 0 and scores[3] > 0 and scores[0] == 0


def test_term_in_most_passages_scores_positive_but_less_than_rare_terms():
    plain = BM25Okapi(DOCS)
    # In 3 of 4 passages rank-bm25's raw IDF is negative and floored to epsilon * mean idf.
    assert math.log((4 - 3 + 0.5) / (3 + 0.5)) < 0
    lex = LexicalIndex(DOCS)
    assert 0 < lex.idf("تهريب") < lex.idf("طفل") < lex.idf("قنصل")
    assert lex.idf("تهريب") == pytest.approx(lucene_idf(4, 3))
    assert plain.get_scores(["قنصل"]).argmax() == lex.scores(["قنصل"]).argmax() == 2


def test_scores_equal_rank_bm25_with_the_same_idf():
    lex = LexicalIndex(DOCS)
    for query in (["تهريب", "طفل"], ["قنصل"], ["طفل", "طفل", "دول"], ["غائب"]):
        assert np.allclose(lex.scores(query), lex.reference_scores(query))


def test_hand_computed_bm25():
    lex = LexicalIndex(DOCS, k1=1.5, b=0.75)
    idf = math.log(1 + (4 - 1 + 0.5) / (1 + 0.5))
    tf, dl, avgdl = 1, 3, 3
    expected = idf * tf * 2.5 / (tf + 1.5 * (1 - 0.75 + 0.75 * dl / avgdl))
    assert lex.scores(["قنصل"])[2] == pytest.approx(expected)


def test_weighted_terms():
    lex = LexicalIndex(DOCS)
    a = lex.scores({"قنصل": 1.0, "طفل": 0.25})
    assert np.allclose(a, lex.term_scores("قنصل") + 0.25 * lex.term_scores("طفل"))


def naive_rrf(runs, k=60):
    out = {}
    for run in runs:
        ordered = sorted(run, key=lambda key: -run[key])
        for i, key in enumerate(ordered):
            out[key] = out.get(key, 0) + 1 / (k + i + 1)
    return out


def test_rrf_matches_naive_reference():
    runs = [{"a": 3.0, "b": 2.0, "c": 1.0}, {"c": 0.9, "a": 0.5, "d": 0.1}]
    assert fusion.rrf(runs) == pytest.approx(naive_rrf(runs))
    fused = fusion.rrf(runs)
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert max(fused, key=fused.get) == "a"


def test_rrf_weights_and_default_k():
    assert fusion.RRF_K == 60
    runs = [{"a": 1.0, "b": 0.0}, {"b": 1.0, "a": 0.0}]
    fused = fusion.rrf(runs, weights=[2.0, 1.0])
    assert fused["a"] > fused["b"]


def test_interpolation_matches_naive_reference():
    lex = {"a": 10.0, "b": 5.0, "c": 0.0}
    den = {"a": 0.80, "b": 0.90, "c": 0.85}
    out = fusion.interpolate([lex, den], [0.7, 0.3])
    assert out["a"] == pytest.approx(0.7 * 1.0 + 0.3 * 0.0)
    assert out["b"] == pytest.approx(0.7 * 0.5 + 0.3 * 1.0)
    assert out["c"] == pytest.approx(0.7 * 0.0 + 0.3 * 0.5)


def test_minmax_of_constant_run_is_zero():
    assert fusion.minmax({"a": 2.0, "b": 2.0}) == {"a": 0.0, "b": 0.0}
    assert fusion.minmax({}) == {}
