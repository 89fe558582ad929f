"""Scale measurements: how build time, search latency and memory grow with the corpus.

:func:`scale_curve` measures, on synthetic corpora of 1k, 10k and 100k passages (by default):

- the embedded default, its two parts timed separately:
  - lexical: BM25 build time, memory, query latency p50/p95, for each engine (rank-bm25 --
    :class:`~fahras.retrieval.lexical.LexicalIndex` -- and bm25s --
    :class:`~fahras.retrieval.lexical_fast.FastLexicalIndex`), and which one ``auto`` picks;
  - dense: FAISS build time, memory, latency of a top-10 search and of scoring every passage
    (what the fusion uses), for the exact index and HNSW, with HNSW's recall@10 against exact;
- Milvus Lite (a local file): insert + index time, latency of BM25, dense and hybrid searches
  (Fahras' fusion over Milvus candidates), and memory (RSS growth of this process and its
  children: Milvus Lite runs in-process). Milvus Lite is a Python engine meant for
  development and CI; its latencies say nothing of a Milvus server's.

Synthetic corpora are made from the bundled report so that they look like real ones:

- passages: terms drawn from the report's own analyzed terms with their frequencies, passage
  lengths drawn from the report's; 10% of the tokens are replaced by rare variants (a term
  with a numeric suffix, Zipf-distributed) so that the vocabulary grows with the corpus as a
  real one does; one synthetic document every 80 passages (the report's size);
- vectors: perturbed copies of the report's own passage and sentence embeddings (a random
  mixture of two of them plus Gaussian noise, renormalized), so that the neighbourhood
  structure is that of real embeddings --
  embedding 100k real passages with e5-small takes over an hour on 2 cores;
- queries: 3-7 consecutive terms of a report passage; query vectors: perturbed report vectors.

Every number is measured in this process on this machine: compare ratios from one run. The
result is a plain dict (JSON-serializable); ``python tools/scale_bench.py`` prints
it (see docs/scale.md for the command and the numbers).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

LEXICAL_TARGET_MS = 50.0  # search p50 at 100k passages on 2 cores (issue 9)
PASSAGES_PER_DOCUMENT = 80
RARE_SHARE = 0.1
VECTOR_NOISE = 0.5
QUERY_NOISE = 0.3
# Milvus Lite is a Python engine (seconds a query at 100k): fewer queries there.
MILVUS_QUERIES = 20


# -- material ---------------------------------------------------------------------------------
def report_material(model: str = "hash", index_dir: str | Path | None = None):
    """(terms per passage, base vectors) of the bundled report: the terms its index holds and
    its passage + sentence embeddings with ``model`` (``e5-small`` for real-shaped vectors)."""
    from fahras.index import store
    from fahras.index.builder import build_index

    if index_dir is None or not store.exists(Path(index_dir)):
        tmp = Path(tempfile.mkdtemp(prefix="fahras-scale-")) / "index"
        build_index(index_dir=tmp, model=model)
        index_dir = tmp
    data = store.read_index(Path(index_dir))
    base = np.vstack([data.vectors, data.sentence_vectors]).astype(np.float32)
    return [t for t in data.terms if t], base


def synthetic_terms(n: int, report_terms: Sequence[Sequence[str]], seed: int = 0
                    ) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    vocab, counts = np.unique([t for ts in report_terms for t in ts], return_counts=True)
    lengths = rng.choice([len(t) for t in report_terms], n)
    total = int(lengths.sum())
    flat = rng.choice(len(vocab), total, p=counts / counts.sum())
    rare = rng.random(total) < RARE_SHARE
    suffix = rng.zipf(1.3, total) % max(10, n // 2)
    words = [f"{vocab[w]}{s}" if r else str(vocab[w]) for w, r, s in zip(flat, rare, suffix)]
    out, pos = [], 0
    for length in lengths:
        out.append(words[pos:pos + length])
        pos += length
    return out


def perturbed(base: np.ndarray, n: int, noise: float, seed: int) -> np.ndarray:
    """``n`` unit vectors near the report's: each a random mixture of two report vectors (so
    that they fill the space between topics, as a real corpus does, instead of forming one
    tight cluster per report vector) plus Gaussian noise of norm about ``noise``."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
    v = w * base[rng.integers(0, len(base), n)] + (1 - w) * base[rng.integers(0, len(base), n)]
    v = v + (noise / np.sqrt(base.shape[1])) * rng.standard_normal(v.shape).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def sample_queries(report_terms: Sequence[Sequence[str]], n: int, seed: int = 1
                   ) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    long_enough = [t for t in report_terms if len(t) >= 7]
    out = []
    for _ in range(n):
        ts = long_enough[rng.integers(len(long_enough))]
        size = int(rng.integers(3, 8))
        start = int(rng.integers(0, len(ts) - size + 1))
        out.append(list(ts[start:start + size]))
    return out


# -- measuring ---------------------------------------------------------------------------------
def _rss_mb(include_children: bool = False) -> float:
    import psutil

    p = psutil.Process()
    rss = p.memory_info().rss
    if include_children:
        rss += sum(c.memory_info().rss for c in p.children(recursive=True))
    return rss / 1e6


def _latencies(fn, items) -> dict:
    fn(items[0])  # warm-up
    ts = []
    for it in items:
        t = time.perf_counter()
        fn(it)
        ts.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(float(np.percentile(ts, 50)), 3),
            "p95_ms": round(float(np.percentile(ts, 95)), 3)}


def bench_lexical(terms, queries, engine: str) -> dict:
    """Build time and latency; memory the index keeps (Python objects and numpy arrays,
    traced in a second build: tracing slows allocation-heavy code)."""
    import tracemalloc

    from fahras.retrieval.lexical_fast import make_lexical_index

    make_lexical_index([["warm", "up"]], engine)  # imports (bm25s, numba) are not the index
    gc.collect()
    t = time.perf_counter()
    index = make_lexical_index(terms, engine)
    build = time.perf_counter() - t
    latency = _latencies(index.scores, queries)
    del index
    gc.collect()
    tracemalloc.start()
    index = make_lexical_index(terms, engine)
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del index  # kept alive until measured
    return {"engine": engine, "build_s": round(build, 2), "memory_mb": round(kept / 1e6, 1),
            "build_peak_mb": round(peak / 1e6, 1), **latency}


def bench_dense(vectors, qvecs, kind: str, exact=None) -> dict:
    from fahras.retrieval.dense import DenseIndex

    import faiss

    t = time.perf_counter()
    index = DenseIndex(vectors, kind=kind)
    build = time.perf_counter() - t
    memory = faiss.serialize_index(index._index).nbytes  # the FAISS index (with its vectors)
    out = {"kind": kind, "build_s": round(build, 2), "memory_mb": round(memory / 1e6, 1),
           "top10": _latencies(lambda q: index.search(q, 10), qvecs),
           "all_scores": _latencies(index.scores, qvecs)}
    if exact is not None:
        found = [set(index.search(q, 10)[0].tolist()) for q in qvecs]
        out["recall_at_10"] = round(float(np.mean([len(f & e) / 10 for f, e in
                                                   zip(found, exact)])), 4)
    return out


def bench_milvus(terms, vectors, queries, qvecs, workdir: Path) -> dict:
    """Milvus Lite: insert + index, then BM25, dense and hybrid (Fahras fusion) latencies."""
    from fahras.index.embedder import HashingEmbedder
    from fahras.index.report import Passage
    from fahras.index.store import IndexData
    from fahras.retrieval.backends import milvus as mv
    from fahras.retrieval.filters import Filters
    from fahras.retrieval.fusion import interpolate
    from fahras.retrieval.query import analyze_query, fusion_weights
    from fahras.retrieval.rank_features import CANDIDATES_PER_SIDE

    n = len(terms)
    passages = [Passage(id=f"syn{i // PASSAGES_PER_DOCUMENT}:p{i}",
                        doc=f"syn{i // PASSAGES_PER_DOCUMENT}", kind="paragraph",
                        number=str(i % PASSAGES_PER_DOCUMENT + 1), label_ar="", label_en="",
                        section="", section_en="", part="other", text="", order=i, line=0)
                for i in range(n)]
    docs = [{"id": f"syn{d}", "year": 2000 + d % 25, "lang": "ar"}
            for d in range((n - 1) // PASSAGES_PER_DOCUMENT + 1)]
    data = IndexData(documents=docs, passages=passages, terms=terms, vectors=vectors,
                     sentences=np.zeros((0, 3), dtype=np.int32),
                     sentence_vectors=np.zeros((0, vectors.shape[1]), dtype=np.float32))
    uri = str(workdir / f"scale-{n}.db")
    before = _rss_mb(include_children=True)
    t = time.perf_counter()
    client = mv.connect(uri)
    store = mv.MilvusStore(client, "scale")
    store.drop()
    store.create(vectors.shape[1])
    fake = HashingEmbedder()
    store.write_info({"model": {"name": fake.name, "sha256": fake.fingerprint,
                                "dim": vectors.shape[1]}, "normalizer_version":
                      __import__("fahras.text.arabic", fromlist=["x"]).NORMALIZER_VERSION})
    store.insert(data, [{"id": d["id"]} for d in docs])
    build = time.perf_counter() - t
    searcher = mv.MilvusSearcher(client, "scale", model="hash", uri=uri)
    sel = searcher.select(Filters())
    pairs = list(zip(queries, qvecs))
    per_side = None if sel.rows is not None else CANDIDATES_PER_SIDE

    def lexical(q):
        return searcher.lexical_top({t: 1.0 for t in q}, sel, per_side)

    def dense(qv):
        return searcher.dense_top(qv, sel, per_side)

    def hybrid(pair):  # both retrievers and the fusion of their candidates (script weights)
        q, qv = pair
        lex, den = dict(zip(*lexical(q))), dense(qv)
        cos = {int(r): 0.5 * (p + s) for r, p, s in zip(*den)}
        missing = np.array(sorted(set(lex) - set(cos)), dtype=np.int64)
        cos.update((int(r), 0.5 * (p + s)) for r, p, s in zip(missing, *searcher.dense_scores(
            qv, missing)))
        runs = [{r: lex.get(r, 0.0) for r in set(lex) | set(cos)}, cos]
        fused = interpolate(runs, fusion_weights(analyze_query("تهريب"), 1.0))
        return sorted(fused, key=lambda r: -fused[r])[:10]

    out = {"build_s": round(build, 2), "queries": len(queries),
           "memory_mb": round(_rss_mb(include_children=True) - before, 1),
           "lexical": _latencies(lexical, queries), "dense": _latencies(dense, qvecs),
           "hybrid": _latencies(hybrid, pairs)}
    client.close()
    return out


# -- the curve ---------------------------------------------------------------------------------
def scale_curve(sizes: Sequence[int] = (1_000, 10_000, 100_000), *, model: str = "hash",
                index_dir: str | Path | None = None, engines: Sequence[str] = ("embedded",
                                                                                "milvus"),
                n_queries: int = 100, seed: int = 0, milvus_max: int = 100_000,
                hnsw: bool = True, progress: bool = False) -> dict:
    """Measure the scale curve (see the module docstring); returns a JSON-serializable dict.

    ``model`` gives the base vectors (``e5-small`` for real-shaped 384-dim vectors; ``hash``
    needs no model); ``index_dir`` reuses an existing index of the bundled report instead.
    """
    from fahras.retrieval import dense as dense_mod
    from fahras.retrieval import lexical_fast

    def say(msg):
        if progress:
            print(msg, file=sys.stderr, flush=True)

    report_terms, base = report_material(model, index_dir)
    queries = sample_queries(report_terms, n_queries, seed + 1)
    qvecs = perturbed(base, n_queries, QUERY_NOISE, seed + 2)
    results = []
    workdir = Path(tempfile.mkdtemp(prefix="fahras-scale-milvus-"))
    for n in sizes:
        say(f"{n} passages: generating...")
        terms = synthetic_terms(n, report_terms, seed)
        vectors = perturbed(base, n, VECTOR_NOISE, seed + 3)
        row: dict = {"passages": n, "documents": (n - 1) // PASSAGES_PER_DOCUMENT + 1,
                     "tokens": int(sum(map(len, terms)))}
        if "embedded" in engines:
            say(f"{n} passages: lexical...")
            lex = {e: bench_lexical(terms, queries, e) for e in ("rank-bm25", "bm25s")}
            auto = "bm25s" if n >= lexical_fast.FAST_ENGINE_FROM else "rank-bm25"
            say(f"{n} passages: dense...")
            flat = bench_dense(vectors, qvecs, "flat")
            from fahras.retrieval.dense import DenseIndex

            exact_index = DenseIndex(vectors, kind="flat")
            exact = [set(exact_index.search(q, 10)[0].tolist()) for q in qvecs]
            del exact_index
            dense = {"flat": flat}
            if hnsw:
                dense["hnsw"] = bench_dense(vectors, qvecs, "hnsw", exact=exact)
            row["embedded"] = {
                "lexical": lex, "lexical_auto": auto, "dense": dense,
                "dense_auto": "hnsw" if n >= dense_mod.HNSW_FROM else "flat"}
        if "milvus" in engines and n <= milvus_max:
            say(f"{n} passages: Milvus Lite...")
            m = min(n_queries, MILVUS_QUERIES)
            row["milvus_lite"] = bench_milvus(terms, vectors, queries[:m], qvecs[:m], workdir)
        results.append(row)
        say(json.dumps(row))
    out = {
        "what": "synthetic corpora from the bundled report's vocabulary and embeddings",
        "model_for_vectors": model, "dim": int(base.shape[1]), "queries": n_queries,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "results": results,
    }
    at = [r for r in results if r["passages"] == 100_000 and "embedded" in r]
    if at:
        r = at[0]
        measured = r["embedded"]["lexical"][r["embedded"]["lexical_auto"]]["p50_ms"]
        out["lexical_target"] = {"passages": 100_000, "p50_limit_ms": LEXICAL_TARGET_MS,
                                 "engine": r["embedded"]["lexical_auto"],
                                 "p50_ms": measured, "met": measured <= LEXICAL_TARGET_MS}
    return out


def milvus_parity(question_files: Sequence[str | Path], model: str | None = None,
                  index_dir: str | Path | None = None) -> dict:
    """Top-passage agreement of the Milvus backend (Milvus Lite, the index's own vectors) with
    the embedded default without token states (Milvus has none) on question files, for Fahras'
    fusion and Milvus' RRF fusion."""
    from fahras.index import store
    from fahras.retrieval.backends.milvus import MilvusSearcher, export_index
    from fahras.retrieval.evaluation.evaluate import load_questions
    from fahras.retrieval.searcher import Searcher

    embedded = Searcher.open(index_dir, model=model)
    embedded.token_states = None  # Milvus keeps none: both rank by the fusion without them
    uri = str(Path(tempfile.mkdtemp(prefix="fahras-parity-")) / "parity.db")
    export_index(store.read_index(embedded.index_dir), uri)
    milvus = MilvusSearcher.open(uri, model=model)
    out: dict = {"model": embedded.data.manifest["model"]["name"], "files": {}}
    try:
        for path in question_files:
            queries = [q.query for q in load_questions(path)]
            top = [embedded.search(q, 1).hits[0].id for q in queries]
            same = sum(t == milvus.search(q, 1).hits[0].id for t, q in zip(top, queries))
            rrf = sum(t == milvus.search(q, 1, fusion="rrf").hits[0].id
                      for t, q in zip(top, queries))
            out["files"][str(path)] = {"questions": len(queries),
                                       "top1_agreement": round(same / len(queries), 4),
                                       "top1_agreement_rrf": round(rrf / len(queries), 4)}
    finally:
        milvus.close()
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python tools/scale_bench.py",
                                description="Measure the multi-document scale curve (JSON).")
    p.add_argument("--sizes", default="1000,10000,100000",
                   help="comma-separated corpus sizes in passages")
    p.add_argument("--model", help="model for the base vectors (e5-small: real-shaped "
                   "vectors; default hash: no model); for --parity the index's model "
                   "(default e5-small)")
    p.add_argument("--index", help="an existing index of the bundled report to take "
                   "terms and vectors from")
    p.add_argument("--engines", default="embedded,milvus")
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--no-hnsw", action="store_true")
    p.add_argument("--parity", nargs="+", metavar="QUESTIONS.tsv",
                   help="instead: top-passage agreement of Milvus Lite with the embedded "
                   "default on these question files (--model: default e5-small)")
    args = p.parse_args(argv)
    if args.parity:
        print(json.dumps(milvus_parity(args.parity, model=args.model, index_dir=args.index),
                         indent=2))
        return 0
    out = scale_curve([int(s) for s in args.sizes.split(",")], model=args.model or "hash",
                      index_dir=args.index, engines=args.engines.split(","),
                      n_queries=args.queries, hnsw=not args.no_hnsw, progress=True)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
