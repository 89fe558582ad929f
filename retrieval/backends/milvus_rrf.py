"""Server-side fusion on Milvus: ``MilvusSearcher.search(..., fusion="rrf")`` -- one
``hybrid_search`` with ``RRFRanker(60)`` (reciprocal rank fusion, k = 60) of the BM25 and the
dense passage candidates, instead of Fahras' fitted fusion. A hit's score is then the RRF score
and its lexical and dense parts are not reported (0)."""

from __future__ import annotations

import time

import numpy as np

from fahras.retrieval import scoring
from fahras.retrieval.backends.milvus_store import EF_SEARCH, _pymilvus
from fahras.retrieval.scoring import Scored

RRF_K = 60
RRF_CANDIDATES = 200  # per side


def rrf_scored(searcher, query: str, k: int, **filters) -> Scored:
    """Server-side fusion: Milvus ``hybrid_search`` with reciprocal rank fusion of the
    BM25 and the dense passage candidates (names and cited symbols first, as always)."""
    pymilvus = _pymilvus()
    p = scoring.prepare(searcher, query, "hybrid", **filters)
    words = searcher.bm25_query(searcher.lexical_query(p.analysis, p.expansions))
    qvec = searcher.encode_query(p.text)
    t = time.perf_counter()
    reqs = [pymilvus.AnnSearchRequest(
        data=[np.asarray(qvec, dtype=np.float32).tolist()], anns_field="dense",
        param={"metric_type": "IP", "params": {"ef": EF_SEARCH}},
        limit=RRF_CANDIDATES, expr=p.sel.where)]
    if words:
        reqs.append(pymilvus.AnnSearchRequest(
            data=[words], anns_field="sparse", param={"metric_type": "BM25"},
            limit=RRF_CANDIDATES, expr=p.sel.where))
    res = searcher.client.hybrid_search(searcher.store.passages, reqs,
                                        pymilvus.RRFRanker(RRF_K), limit=k,
                                        output_fields=["ord"])
    p.timings["hybrid_ms"] = (time.perf_counter() - t) * 1000
    fused, eligible = np.zeros(searcher.n_rows), np.zeros(searcher.n_rows, dtype=bool)
    for h in (list(res[0]) if res else []):
        if int(h["entity"]["ord"]) < searcher.n_rows:
            fused[int(h["entity"]["ord"])] = float(h["distance"])
            eligible[int(h["entity"]["ord"])] = True
    pinned, citing = scoring.structure(searcher, p)
    eligible[pinned + sorted(citing)] = True
    pinned += sorted(citing - set(pinned), key=lambda i: (-fused[i], i))
    p.timings["total_ms"] = (time.perf_counter() - p.started) * 1000
    zeros = np.zeros(searcher.n_rows)
    return Scored(p.analysis, fused, zeros, zeros, eligible, pinned, p.expansions, p.notes,
                  p.timings, qvec)

