"""Late interaction (retrieval/late.py) and token states (index/token_states.py)."""

import numpy as np
import pytest

from fahras.index import store, token_states
from fahras.index.token_states import TokenStates
from fahras.retrieval import fusion, late, rank_features


def _states(rng, lengths, dim=8):
    units = []
    for n in lengths:
        v = rng.normal(size=(n, dim))
        units.append(v / np.linalg.norm(v, axis=1, keepdims=True))
    return units, TokenStates.pack(units, dim)


def _naive_maxsim(q, unit):
    if not len(unit):
        return 0.0
    return float(np.mean([max(float(a @ b) for b in unit) for a in q]))


def test_maxsim_matches_a_loop_over_tokens():
    rng = np.random.default_rng(7)
    units, states = _states(rng, [5, 1, 0, 9, 3])
    q = rng.normal(size=(4, 8))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    got = late.maxsim(q, states, np.array([3, 0, 2, 4]))
    want = [_naive_maxsim(q, units[u].astype(np.float16).astype(np.float32)) for u in (3, 0, 2, 4)]
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert got[2] == 0.0  # a unit without tokens
    assert late.maxsim(q[:0], states, np.array([0])).tolist() == [0.0]


def test_maxsim_of_units_that_share_overlap_or_repeat_rows_matches_the_loop():
    # A sentence that is its whole passage shares the passage's rows; units may come in any
    # order and twice. Rows are read in blocks: each unit must still see its own rows only.
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(14, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    spans = np.array([[0, 5], [0, 5], [2, 4], [5, 9], [9, 9], [11, 14], [3, 12]])
    states = TokenStates(vectors.astype(np.float16), spans.astype(np.int64),
                         np.zeros(14, np.int32))
    q = rng.normal(size=(3, 8))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    units = np.array([5, 3, 1, 0, 2, 4, 6, 3])
    got = late.maxsim(q, states, units)
    rows = vectors.astype(np.float16).astype(np.float32)
    want = [_naive_maxsim(q, rows[a:b]) for a, b in spans[units]]
    np.testing.assert_allclose(got, want, atol=1e-6)
    f32 = late.in_memory(states)
    assert f32.vectors.dtype == np.float32
    np.testing.assert_allclose(late.maxsim(q, f32, units), want, atol=1e-6)


def test_a_passage_scores_its_best_sentence_and_unscored_ones_are_nan():
    rng = np.random.default_rng(3)
    # 3 passages, then 3 sentences: two of passage 0, none of passage 1, one of passage 2.
    units, states = _states(rng, [6, 4, 5, 3, 3, 5])
    sentence_rows = np.array([[0, 0, 10], [0, 11, 20], [2, 0, 9]])
    q = units[4][:2]  # two tokens of passage 0's second sentence: its best match is itself
    p, s = late.scores(q, states, np.array([0, 1]), sentence_rows, 3)
    assert np.isnan(p[2]) and np.isnan(s[2])  # passage 2 was not scored
    assert s[0] == pytest.approx(1.0, abs=1e-3)
    assert s[0] == pytest.approx(max(_naive_maxsim(q, units[3]), _naive_maxsim(q, units[4])),
                                 abs=1e-3)
    assert s[1] == p[1]  # no sentences: the passage is its own best


def test_only_the_best_of_each_side_are_scored():
    eligible = np.ones(6, bool)
    eligible[5] = False
    lexical = np.array([0.0, 5, 4, 0, 0, 9])
    dense = np.array([0.9, 0.1, 0.2, 0.8, 0.3, 1.0])
    assert late.to_score(eligible, lexical, dense, k=2).tolist() == [0, 1, 2, 3]
    assert late.to_score(eligible, lexical, dense, k=5).tolist() == [0, 1, 2, 3, 4]


def test_late_features_fill_unscored_candidates_with_the_lowest_score():
    x = np.array([0.5, np.nan, 0.7, 0.6])
    scaled, gap = rank_features._late(x, np.arange(4))
    np.testing.assert_allclose(scaled, [0, 0, 1, 0.5])
    np.testing.assert_allclose(gap, [-2, -2, 0, -1])
    assert rank_features._late(None, np.arange(2))[0].tolist() == [0, 0]


def test_an_index_keeps_token_states_for_its_passages_and_sentences(hash_index_dir):
    data = store.read_index(hash_index_dir)
    ts = data.token_states
    assert ts is not None and ts.vectors.dtype == np.float16
    assert len(ts.spans) == len(data.passages) + len(data.sentences)
    # A passage's states are its analysed words' (the hashing embedder's tokens).
    from fahras.index.embedder import HashingEmbedder

    first = data.passages[0].text
    np.testing.assert_allclose(ts.unit(0).astype(np.float32),
                               HashingEmbedder()._tokens(first), atol=1e-3)
    # A sentence's span points at the states of its own text.
    i, a, b = data.sentences[0].tolist()
    np.testing.assert_allclose(ts.unit(len(data.passages)).astype(np.float32),
                               HashingEmbedder()._tokens(data.passages[i].text[a:b]), atol=1e-3)


def test_mismatched_token_states_are_reported(hash_index_dir):
    data = store.read_index(hash_index_dir)
    ts = data.token_states
    assert token_states.check(ts, len(ts.spans), ts.vectors.shape[1]) is None
    assert "different number" in token_states.check(ts, len(ts.spans) + 1, ts.vectors.shape[1])
    bad = TokenStates(ts.vectors, ts.spans + len(ts.vectors), ts.ids)
    assert "out of range" in token_states.check(bad, len(ts.spans), ts.vectors.shape[1])
    short = TokenStates(ts.vectors, ts.spans, ts.ids[:-1])
    assert "token ids" in token_states.check(short, len(ts.spans), ts.vectors.shape[1])


def test_an_unchanged_corpus_reuses_its_token_states(tmp_path, monkeypatch):
    from fahras.index.builder import build_index
    from fahras.index.embedder import HashingEmbedder

    index = tmp_path / "index"
    build_index(index_dir=index, model="hash")
    before = store.read_index(index).token_states
    calls = []
    real = HashingEmbedder.encode_document_tokens
    monkeypatch.setattr(HashingEmbedder, "encode_document_tokens",
                        lambda self, texts, progress=False: calls.append(len(texts))
                        or real(self, texts, progress))
    build_index(index_dir=index, model="hash")
    after = store.read_index(index).token_states
    assert calls == []
    np.testing.assert_array_equal(before.vectors, after.vectors)
    np.testing.assert_array_equal(before.spans, after.spans)


def test_over_the_budget_an_index_has_none_and_search_uses_the_fusion_without(tmp_path,
                                                                              monkeypatch):
    from fahras.index.builder import build_index
    from fahras.retrieval.searcher import Searcher

    monkeypatch.setattr(token_states, "BUDGET_BYTES", 1000)
    index = tmp_path / "index"
    build_index(index_dir=index, model="hash")
    assert store.read_index(index).token_states is None
    s = Searcher.open(index, model="hash", build_if_missing=False)
    full, base = _hash_models()
    s.fusions = (full, base)
    assert not s.late_ready() and s.fitted_fusion is base
    assert s.search("حماية المهاجرين المهربين", k=3).hits


def _hash_models(late_weight: float = 0.0):
    names = rank_features.FEATURES + rank_features.LATE_FEATURES
    w = np.zeros(len(names))
    w[names.index("lex")] = 1.0
    w[names.index("late")] = late_weight
    base = fusion.FittedFusion(rank_features.FEATURES, w[:len(rank_features.FEATURES)], "hash")
    return fusion.FittedFusion(names, w, "hash"), base


def test_a_fusion_weighing_late_interaction_ranks_by_it(hash_index_dir):
    from fahras.retrieval.searcher import Searcher

    s = Searcher.open(hash_index_dir, model="hash", build_if_missing=False)
    full, base = _hash_models(late_weight=50.0)
    s.fusions = (full, base)
    assert s.late_ready() and s.fitted_fusion is full
    scored = s.score("حماية المهاجرين المهربين")
    late_scores = scored.signals.late_passage
    top = scored.order()[0]
    assert late_scores[top] == np.nanmax(late_scores)
    assert scored.timings["late_ms"] >= 0
    # The same engine without token states takes the fusion fitted without them.
    s.token_states = None
    assert s.fitted_fusion is base
    assert s.score("حماية المهاجرين المهربين").signals.late_passage is None


def test_the_bundled_fusions_come_with_and_without_token_states():
    models = fusion.default_fusions()
    assert [m.features for m in models] == [
        rank_features.FEATURES + rank_features.LATE_FEATURES, rank_features.FEATURES]
    assert all(m.embedding == "e5-small" and np.all(np.isfinite(m.weights)) for m in models)
    assert fusion.choose(models, "e5-small", rank_features.FEATURES) is models[1]
    assert fusion.choose(models, "hash", rank_features.FEATURES) is None


def test_an_english_question_gets_an_arabic_hint_and_an_arabic_one_none(hash_index_dir):
    from fahras.retrieval.searcher import Searcher

    s = Searcher.open(hash_index_dir, model="hash", build_if_missing=False)
    full, base = _hash_models()
    s.fusions = (full, base)
    en = s.score("protection of smuggled migrants")
    assert late.hint_text(en.expansions)  # the glossary reaches these words
    hint = en.signals.hint
    assert hint is not None and np.isfinite(hint[en.eligible]).any()
    assert np.nanmax(hint) <= 1.0 + 1e-9 and np.nanmin(hint) >= 0.0  # shares
    ar = s.score("حماية المهاجرين المهربين")
    assert ar.signals.hint is None and ar.signals.late_passage is not None


def test_the_hint_is_the_first_arabic_form_of_each_expansion_once():
    expansions = [{"arabic": ["تهريب", "التهريب"]}, {"arabic": []}, {"arabic": ["تهريب"]},
                  {"arabic": ["المهاجرين"]}]
    assert late.hint_text(expansions) == "تهريب المهاجرين"
    assert late.hint_text(expansions, limit=1) == "تهريب"
    assert late.hint_text([]) == ""


def test_piece_coverage_is_the_idf_weighted_share_of_the_hint_in_each_unit():
    # 3 passages then 2 sentences (both of passage 0); 4 dims are enough, ids are what counts.
    ids = [np.array([1, 2, 3]), np.array([3, 4]), np.array([5]), np.array([1]), np.array([2, 3])]
    states = TokenStates.pack([np.ones((len(x), 4)) for x in ids], 4, ids)
    stats = late.PieceStats(states, 3)
    np.testing.assert_allclose(stats.idf(np.array([3, 9])), [np.log(1 + 3 / 2.5), np.log(1 + 3 / 0.5)])
    hint = np.array([3, 1, 9])
    w = stats.idf(hint)
    w = w / w.sum()
    sentence_rows = np.array([[0, 0, 5], [0, 6, 12]])
    p, s = late.piece_coverage(hint, states, np.array([0, 1]), sentence_rows, 3, stats)
    np.testing.assert_allclose(p[:2], [w[0] + w[1], w[0]])
    np.testing.assert_allclose(s[:2], [max(w[1], w[0]), w[0]])  # best sentence; none: itself
    assert np.isnan(p[2]) and np.isnan(s[2])
    empty = late.piece_coverage(np.zeros(0, np.int32), states, np.array([0]), sentence_rows, 3,
                                stats)
    assert np.isnan(empty[0]).all()
