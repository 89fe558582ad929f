"""The scale-measurement function (what `python tools/bench.py` calls) on tiny corpora."""

import json

import numpy as np
import pytest

import scale_bench


def test_synthetic_material_looks_like_the_report(hash_index_dir):
    terms, base = scale_bench.report_material(index_dir=hash_index_dir)
    corpus = scale_bench.synthetic_terms(2000, terms, seed=0)
    assert len(corpus) == 2000
    report_vocab = {t for ts in terms for t in ts}
    tokens = [t for ts in corpus for t in ts]
    share_from_report = np.mean([t in report_vocab for t in tokens])
    assert 0.85 < share_from_report < 0.95  # 10% rare variants
    mean_len = np.mean([len(t) for t in terms])
    assert abs(np.mean([len(t) for t in corpus]) - mean_len) < 0.2 * mean_len
    assert scale_bench.synthetic_terms(50, terms, seed=0) == scale_bench.synthetic_terms(
        50, terms, seed=0)
    v = scale_bench.perturbed(base, 500, scale_bench.VECTOR_NOISE, seed=1)
    assert v.shape == (500, base.shape[1]) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # A perturbed copy stays closest to the report vector it was made from.
    nearest = (v @ base.T).max(axis=1)
    assert nearest.mean() > 0.8
    queries = scale_bench.sample_queries(terms, 20)
    assert all(3 <= len(q) <= 7 and set(q) <= report_vocab for q in queries)


@pytest.mark.integration
def test_scale_curve_returns_every_measurement(hash_index_dir):
    out = scale_bench.scale_curve([300], index_dir=hash_index_dir, n_queries=5)
    json.dumps(out)  # plain data
    (row,) = out["results"]
    assert (row["passages"], row["documents"]) == (300, 4)
    lex = row["embedded"]["lexical"]
    assert set(lex) == {"rank-bm25", "bm25s"} and row["embedded"]["lexical_auto"] == "rank-bm25"
    for r in lex.values():
        assert r["build_s"] >= 0 and 0 < r["p50_ms"] <= r["p95_ms"] and r["memory_mb"] > 0
    dense = row["embedded"]["dense"]
    assert dense["flat"]["memory_mb"] > 0 and 0.5 <= dense["hnsw"]["recall_at_10"] <= 1.0
    m = row["milvus_lite"]
    assert m["build_s"] > 0 and all(m[k]["p50_ms"] > 0 for k in ("lexical", "dense", "hybrid"))
    assert "lexical_target" not in out  # only measured at 100k passages
