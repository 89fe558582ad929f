"""Sweep the lexical and fusion parameters: the table behind the defaults in lexical.py/query.py.

    python tools/sweep.py ../shared/eval/dev.tsv tests/data/heldout.tsv \\
        --k1 0.9,1.2,1.5,2.0 --b 0.3,0.5,0.75 --arabic-weight 0.6

For each combination of BM25 ``k1``, ``b`` and Arabic-query lexical weight it scores the
question files with the real searcher and prints hit@1 / MRR@10 per file and language, as a
Markdown table. Query vectors are computed once and reused. ``FILE:odd`` / ``FILE:even`` keep
half of a held-out file (see `tools/ablation.py`).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from fahras.retrieval import query as query_mod
from ablation import _keep, _split_spec, cached_encoder
from fahras.retrieval.evaluation.evaluate import evaluate_searcher, load_questions
from fahras.retrieval.lexical import B, K1, LexicalIndex


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def run(files, k1s, bs, arabic_weights, index=None, model=None) -> list[dict]:
    from fahras.retrieval.searcher import Searcher

    s = cached_encoder(Searcher.open(index, model=model))
    sets = []
    for spec in files:
        path, ids = _split_spec(spec)
        label = Path(path).stem + ("" if ids == "all" else f"({ids})")
        sets.append((label, [q for q in load_questions(path) if _keep(q.id, ids)]))
    rows = []
    saved = query_mod.WEIGHTS_ARABIC
    try:
        for k1, b, w in itertools.product(k1s, bs, arabic_weights):
            s.lexical = LexicalIndex(s.data.terms, k1=k1, b=b)
            query_mod.WEIGHTS_ARABIC = (w, 1.0 - w)
            row = {"k1": k1, "b": b, "w": w}
            for label, qs in sets:
                for lang, m in evaluate_searcher(s, qs).by_lang.items():
                    row[(label, lang)] = m
            rows.append(row)
    finally:
        query_mod.WEIGHTS_ARABIC = saved
    return rows


def render(rows) -> str:
    cols = [k for k in rows[0] if isinstance(k, tuple)]
    head = "| k1 | b | Arabic lexical weight | " + " | ".join(
        f"{f} {lang} (n={rows[0][(f, lang)].n}) hit@1 / MRR@10" for f, lang in cols) + " |"
    lines = [head, "|---" * (len(cols) + 3) + "|"]
    for r in rows:
        cells = [f"{r[c].hit1:.3f} / {r[c].mrr10:.3f}" for c in cols]
        lines.append(f"| {r['k1']} | {r['b']} | {r['w']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", help="question files (dev.tsv, heldout.tsv[:odd|:even])")
    p.add_argument("--k1", default=str(K1), help="comma-separated BM25 k1 values")
    p.add_argument("--b", default=str(B), help="comma-separated BM25 b values")
    p.add_argument("--arabic-weight", default=str(query_mod.WEIGHTS_ARABIC[0]),
                   help="comma-separated lexical weights of Arabic queries (dense = 1 - w)")
    p.add_argument("--index", type=Path)
    p.add_argument("--model")
    args = p.parse_args(argv)
    rows = run(args.files, _floats(args.k1), _floats(args.b), _floats(args.arabic_weight),
               args.index, args.model)
    print(render(rows))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
