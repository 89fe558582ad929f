"""Engines chosen by corpus size: bm25s scores equal rank-bm25's; FAISS flat vs HNSW."""

import shutil

import numpy as np
import pytest

from fahras.retrieval import dense as dense_mod
from fahras.retrieval import lexical_fast
from fahras.text.arabic import analyze
from fahras.retrieval.dense import DenseIndex
from fahras.retrieval.lexical import LexicalIndex, lucene_idf
from fahras.retrieval.lexical_fast import FastLexicalIndex, make_lexical_index
from fahras.retrieval.searcher import Searcher


@pytest.fixture(scope="module")
def report_terms(report):
    return [analyze(p.text) for p in report.passages] + [[]]  # and one empty passage


def test_fast_engine_scores_equal_rank_bm25_on_the_report(report, report_terms):
    rank = LexicalIndex(report_terms)
    fast = FastLexicalIndex(report_terms)
    assert fast.n_docs == rank.n_docs == len(report_terms)
    checked = 0
    for p in report.passages:
        terms = analyze(p.text)
        for start in range(0, len(terms), 7):
            query = terms[start:start + 7]
            # rank-bm25's own get_scores (with the Lucene IDF) is the reference.
            np.testing.assert_allclose(fast.scores(query), rank.reference_scores(query),
                                       rtol=1e-5, atol=1e-6)
            checked += 1
    assert checked > 300
    for term in set(t for ts in report_terms for t in ts):
        assert fast.doc_freq(term) == rank.doc_freq(term)
        assert fast.idf(term) == pytest.approx(rank.idf(term)) == pytest.approx(
            lucene_idf(rank.n_docs, rank.doc_freq(term)))
    weighted = {"تهريب": 1.0, "مهاجر": 0.5, "قنصل": 0.25, "absent": 1.0}
    np.testing.assert_allclose(fast.scores(weighted), rank.scores(weighted), rtol=1e-5)
    assert fast.doc_freq("absent") == 0 and not fast.scores(["absent"]).any()


def test_engine_is_chosen_by_size(report_terms, monkeypatch):
    assert isinstance(make_lexical_index(report_terms), LexicalIndex)
    monkeypatch.setattr(lexical_fast, "FAST_ENGINE_FROM", 10)
    assert isinstance(make_lexical_index(report_terms), FastLexicalIndex)
    assert isinstance(make_lexical_index(report_terms, "rank-bm25"), LexicalIndex)
    with pytest.raises(ValueError, match="unknown lexical engine"):
        make_lexical_index(report_terms, "lucene")


def test_searcher_gives_the_same_hits_with_either_engine(hash_searcher, monkeypatch):
    monkeypatch.setattr(lexical_fast, "FAST_ENGINE_FROM", 1)
    fast = Searcher(hash_searcher.data, model="hash")
    assert isinstance(fast.lexical, FastLexicalIndex)
    for q in ["حماية الأطفال المهربين", "دور القنصليات", "Frontex", "التوصية 8",
              "البحث والإنقاذ في البحر", "CTOC/COP/WG.7/2024/3"]:
        a = [(h.id, round(h.score, 5)) for h in hash_searcher.search(q, 10).hits]
        b = [(h.id, round(h.score, 5)) for h in fast.search(q, 10).hits]
        assert a == b, q


def _unit(rng, n, dim=64):
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_flat_scores_are_every_exact_cosine():
    rng = np.random.default_rng(1)
    v = _unit(rng, 500)
    d = DenseIndex(v)
    assert d.kind == "flat"
    q = v[7]
    np.testing.assert_allclose(d.scores(q), v @ q, rtol=1e-6, atol=1e-6)
    ids, sc = d.search(q, 5)
    assert ids[0] == 7 and sc[0] == pytest.approx(1.0, abs=1e-5)


def test_hnsw_beyond_the_threshold_with_high_recall(monkeypatch):
    rng = np.random.default_rng(2)
    # Clustered vectors, like embeddings of one domain (not uniform noise).
    centers = _unit(rng, 50)
    v = centers[rng.integers(0, 50, 6000)] + 0.15 * _unit(rng, 6000)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    monkeypatch.setattr(dense_mod, "HNSW_FROM", 5000)
    monkeypatch.setattr(dense_mod, "CANDIDATES", 200)
    hnsw, flat = DenseIndex(v), DenseIndex(v, kind="flat")
    assert hnsw.kind == "hnsw"
    queries = v[rng.integers(0, 6000, 100)] + 0.05 * _unit(rng, 100)
    recall = np.mean([len(set(hnsw.search(q, 10)[0]) & set(flat.search(q, 10)[0])) / 10
                      for q in queries])
    assert recall >= 0.95
    q = queries[0]
    s = hnsw.scores(q)
    ids, sc = hnsw.search(q, 200)
    np.testing.assert_allclose(s[ids], v[ids] @ q, rtol=1e-5, atol=1e-5)
    rest = np.setdiff1d(np.arange(len(v)), ids)
    assert np.all(s[rest] == sc.min())


def test_hnsw_graphs_are_cached_between_opens(hash_index_dir, monkeypatch):
    monkeypatch.setattr(dense_mod, "HNSW_FROM", 50)  # the report's 84 passages, 144 sentences
    cache = hash_index_dir / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    first = Searcher.open(hash_index_dir, model="hash")
    assert first.dense.kind == first.sentence_dense.kind == "hnsw"
    assert not first.dense.from_cache and len(list(cache.glob("hnsw-*.faiss"))) == 2
    second = Searcher.open(hash_index_dir, model="hash")
    assert second.dense.from_cache and second.sentence_dense.from_cache
    q = "حماية الأطفال المهربين"
    assert [h.id for h in first.search(q, 5).hits] == [h.id for h in second.search(q, 5).hits]
    for f in cache.glob("hnsw-*.faiss"):  # a damaged cache is rebuilt, not trusted
        f.write_bytes(f.read_bytes()[:100])
    third = Searcher.open(hash_index_dir, model="hash")
    assert not third.dense.from_cache
    assert [h.id for h in third.search(q, 5).hits] == [h.id for h in first.search(q, 5).hits]
    # A graph over other vectors is not used for these.
    other = DenseIndex(third.dense.vectors[::-1].copy(), cache=next(cache.glob("hnsw-*.faiss")))
    assert not other.from_cache
    shutil.rmtree(cache)
