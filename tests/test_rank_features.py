"""The fitted fusion's evidence features, the fusion itself, and Arabic typo tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from fahras.retrieval import fusion, rank_features
from fahras.retrieval.lexical import LexicalIndex
from fahras.retrieval.spelling import Speller, skeleton, within_one_edit


class _P:  # the two attributes rank_features reads from a passage
    def __init__(self, doc, kind):
        self.doc, self.kind = doc, kind


def _signals(lexical, pcos, scos, terms, reach=1.0, latin=False, kinds=()):
    return rank_features.Signals(np.asarray(lexical, float), np.asarray(pcos, float),
                                 np.asarray(scos, float), terms, reach, latin, kinds)


def test_feature_values_match_a_hand_computation():
    docs = [["تهريب", "مهاجر"], ["تهريب"], ["بحر", "انقاذ"], ["مهاجر"]]
    lex = LexicalIndex(docs)
    terms = {"تهريب": 1.0, "مهاجر": 1.0}
    L = lex.scores(terms)
    passages = [_P("a", "paragraph"), _P("a", "paragraph"), _P("a", "recommendation"),
                _P("b", "paragraph")]
    prev = rank_features.previous_passages(passages)
    assert prev.tolist() == [-1, 0, 1, -1]
    sig = _signals(L, [0.9, 0.5, 0.8, 0.7], [0.95, 0.6, 0.7, 0.9], terms, reach=0.5,
                   kinds=("recommendation",))
    rows = np.arange(4)
    F = rank_features.matrix(sig, rows, lex, prev[rows], np.array([p.kind for p in passages]))
    col = {name: F[:, i] for i, name in enumerate(rank_features.FEATURES)}
    np.testing.assert_allclose(col["lex"], L / L.max())
    D = np.array([1.85, 1.1, 1.5, 1.6])
    np.testing.assert_allclose(col["dense"], (D - 1.1) / (1.85 - 1.1))
    idf_t, idf_m = lex.idf("تهريب"), lex.idf("مهاجر")
    np.testing.assert_allclose(col["coverage"], [1.0, idf_t / (idf_t + idf_m), 0.0,
                                                 idf_m / (idf_t + idf_m)])
    np.testing.assert_allclose(col["dense_gap"], D - 1.85)
    np.testing.assert_allclose(col["prev_lex"], [0.0, L[0] / L.max(), L[1] / L.max(), 0.0])
    np.testing.assert_allclose(col["lex*reach"], 0.5 * L / L.max())
    np.testing.assert_allclose(col["dense*latin"], 0.0)
    assert col["kind_named"].tolist() == [0, 0, 1, 0]
    assert col["dense_rank"].tolist() == [1.0, 10 / 13, 10 / 12, 10 / 11]
    assert col["lex_margin"][0] == pytest.approx((L[0] - sorted(L)[-2]) / L[0])
    assert col["lex_margin"][1:].tolist() == [0, 0, 0]


def test_candidates_are_all_eligible_passages_of_a_small_corpus_and_the_best_of_a_large():
    n = rank_features.ALL_CANDIDATES_UP_TO + 500
    rng = np.random.default_rng(0)
    sig = _signals(rng.random(n), rng.random(n), rng.random(n), {})
    small = np.zeros(n, bool)
    small[:10] = True
    assert rank_features.candidates(small, sig).tolist() == list(range(10))
    rows = rank_features.candidates(np.ones(n, bool), sig)
    best_lex = int(np.argmax(sig.lexical))
    best_dense = int(np.argmax(sig.passage_cos + sig.sentence_cos))
    assert best_lex in rows and best_dense in rows
    assert len(rows) <= 2 * rank_features.CANDIDATES_PER_SIDE


def test_reach_counts_the_words_that_reach_the_index():
    from fahras.retrieval.query import analyze_query

    known = {"تهريب", "مهاجر"}
    df = lambda t: 1 if t in known else 0  # noqa: E731
    assert rank_features.reach(analyze_query("تهريب المهاجرين والطقس"), [], df) == pytest.approx(2 / 3)
    assert rank_features.reach(analyze_query("what did the weather say"), [], df) == 0.0
    english = analyze_query("migrant smuggling weather")
    exp = [{"source": "migrant smuggling", "terms": ["تهريب", "مهاجر"]}]
    assert rank_features.reach(english, exp, df) == pytest.approx(2 / 3)
    assert rank_features.kinds_named("ما التوصيات بشان البحر") == ("recommendation",)
    assert rank_features.kinds_named("what did they recommend") == ("recommendation",)
    assert rank_features.kinds_named("who spoke") == ()


def test_softmax_linear_and_the_fitted_model_round_trip():
    F = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    w = np.array([2.0, 1.0])
    p = fusion.softmax_linear(F, w)
    assert p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(p, np.exp(F @ w) / np.exp(F @ w).sum())
    m = fusion.FittedFusion(("a", "b"), w, "e5-small")
    back = fusion.FittedFusion.from_json(m.to_json())
    assert back.features == ("a", "b") and back.weights.tolist() == [2.0, 1.0]
    assert back.holds_for("e5-small", ("a", "b"))
    assert not back.holds_for("hash", ("a", "b"))
    assert not back.holds_for("e5-small", ("a",))
    assert back.holds_for("e5-small", ("a", "b", "late"))  # more features available: it holds


def test_the_bundled_fusion_names_the_current_features():
    bundled = next(iter(fusion.default_fusions()), None)
    assert bundled is not None
    assert bundled.features == rank_features.FEATURES + rank_features.LATE_FEATURES
    assert bundled.embedding == "e5-small"
    assert np.all(np.isfinite(bundled.weights))


def test_a_searcher_uses_the_fitted_fusion_only_for_its_model(hash_index_dir, monkeypatch):
    from fahras.retrieval.searcher import Searcher

    s = Searcher.open(hash_index_dir, model="hash", build_if_missing=False)
    assert not s.fusion_applies()  # fitted for e5-small: script weights for the hash model
    w = np.zeros(len(rank_features.FEATURES))
    w[rank_features.FEATURES.index("lex")] = 3.0
    s.fitted_fusion = fusion.FittedFusion(rank_features.FEATURES, w, "hash")
    assert s.fusion_applies()
    scored = s.score("حماية المهاجرين المهربين")
    assert scored.fused[scored.eligible].sum() == pytest.approx(1.0)
    top = scored.order()[0]
    assert scored.lexical[top] == scored.lexical[scored.eligible].max()


# -- spelling ---------------------------------------------------------------------------------
def test_one_edit_and_the_dotless_skeleton():
    assert within_one_edit("تهريب", "تهرب")          # deletion
    assert within_one_edit("تهرب", "تهريب")          # insertion
    assert within_one_edit("تهريب", "تهزيب")         # substitution
    assert within_one_edit("تهريب", "تهيرب")         # neighbours swapped
    assert not within_one_edit("تهريب", "تيهرب")     # two edits
    assert skeleton("بحث") == skeleton("بحت") == skeleton("نحب")
    assert skeleton("قنصل") == skeleton("فنصل")


def test_speller_corrects_only_words_the_index_lacks():
    from fahras.text.arabic import analyze

    vocab = set(analyze("تهريب المهاجرين البحث والإنقاذ في البحر القنصليات الوطنية"))
    s = Speller(vocab, lambda t: 1 if t in vocab else 0)
    by_source = {e["source"]: e for e in s.corrections(
        "الوطتية عن التهرييب المهاجرين البحت القنصلبات")}
    assert by_source["الوطتية"]["terms"] == ["وطنيه"]      # dots: ن typed ت
    assert by_source["الوطتية"]["weight"] == 0.8
    assert by_source["التهرييب"]["terms"] == ["تهريب"]     # one letter too many
    assert by_source["التهرييب"]["weight"] == 0.6
    assert "القنصلبات" in by_source
    assert "المهاجرين" not in by_source  # the index has it: never "corrected"
    assert "البحت" not in by_source      # a three-letter stem is one edit from too much
    assert s.corrections("عايز اعرف شو") == []  # spoken-Arabic function words are not typos
    long = " ".join(["كلمةغريبة"] * 3000)
    assert len(s.corrections(long)) <= 64


def test_speller_costs_are_bounded_by_word_length():
    from fahras.retrieval.spelling import MAX_LENGTH

    run = "ب" * 80_000  # a document that lost its spaces gives one enormous "term"
    s = Speller({run, "تهريب"}, lambda t: 1)
    assert s.candidates(run + "ت") == []
    assert s.candidates("تهرييب") == [("تهريب", 0.6)]
    # its deletions (80,000 strings of 80,000 letters) were never made
    assert max(len(k) for k in s._deletions) <= MAX_LENGTH


def test_balanced_weights_make_every_set_weigh_the_same_or_every_question():
    from fit_fusion import balanced

    rows = [{"group": "a", "lang": "en"}] * 6 + [{"group": "b", "lang": "en"}] * 2 + [
        {"group": "b", "lang": "ar"}] * 1
    w = balanced(rows, 1.0)
    # each of the three (set, language) cells sums to the same share, the total is the count
    assert w[:6].sum() == pytest.approx(3.0) and w[6:8].sum() == pytest.approx(3.0)
    assert w[8] == pytest.approx(3.0) and w.sum() == pytest.approx(9.0)
    assert balanced(rows, 0.0) == pytest.approx(np.ones(9))
    half = balanced(rows, 0.5)  # between: a large set counts more than a small one, less than n
    assert half[0] / half[8] == pytest.approx(1 / 6 ** 0.5)
