"""Measure the cross-lingual pieces one by one: the table in docs/crosslingual.md.

    python tools/ablation.py ../shared/eval/dev.tsv tests/data/heldout.tsv

For each configuration (no expansion, glossary only, names only, numbers only, all together)
it scores each question file with the real searcher and prints a Markdown table of hit@1, hit@5
and MRR@10 per file and language. Query vectors are computed once and reused across
configurations, so the table costs one embedding per question. ``FILE:odd`` keeps only the
questions of FILE whose number is odd (the half of a held-out set one may study; keep the other
half for a final check), ``FILE:even`` the others. ``--weights L,D`` sets the fusion weights of
Latin-script queries for an experiment.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from fahras.retrieval.crosslingual import expander as crosslingual
from fahras.retrieval.evaluation.evaluate import evaluate_searcher, load_questions

CONFIGS = {
    "none": None,
    "glossary": ("glossary", "corpus"),
    "names": ("names",),
    "numbers": ("numbers",),
    "glossary+names": ("glossary", "corpus", "names"),
    "all": crosslingual.PIECES,
    "lexicon": (),  # the induced lexicon alone (tools/induced_lexicon.py)
    "all+lexicon": crosslingual.PIECES,
}
WITH_LEXICON = ("lexicon", "all+lexicon")


def _keep(qid: str, ids: str) -> bool:
    if ids == "all":
        return True
    m = re.search(r"(\d+)$", qid)
    n = int(m.group(1)) if m else 0
    return (n % 2 == 1) == (ids == "odd")


def cached_encoder(searcher):
    cache: dict[str, object] = {}
    encode = searcher.encode_query

    def encode_query(text: str):
        if text not in cache:
            cache[text] = encode(text)
        return cache[text]

    searcher.encode_query = encode_query
    return searcher


def set_latin_weights(weights: tuple[float, float]) -> None:
    """Fusion weights (lexical, dense) for Latin-script queries, for an experiment."""
    from fahras.retrieval import query

    query.WEIGHTS_LATIN = weights


def _split_spec(spec: str) -> tuple[str, str]:
    path, _, ids = spec.rpartition(":")
    if ids in ("odd", "even", "all") and path:
        return path, ids
    return spec, "all"


def run(files, configs, weights=None, index=None, model=None) -> list[dict]:
    from fahras.retrieval.searcher import Searcher

    if weights:
        set_latin_weights(weights)
    s = cached_encoder(Searcher.open(index, model=model))
    rows = []
    lexicon = None  # built once (an embedding per corpus word), shared by the configurations
    for name in configs:
        pieces = CONFIGS[name]
        s.expander = (None if pieces is None else crosslingual.CrossLingualExpander.for_searcher(
            s, crosslingual.ExpansionConfig.only(*pieces)))
        if name in WITH_LEXICON:
            from induced_lexicon import for_expander

            lexicon = lexicon or for_expander(s.expander)
            s.expander.translator = lexicon
        row = {"config": name}
        for spec in files:
            f, ids = _split_spec(spec)
            qs = [q for q in load_questions(f) if _keep(q.id, ids)]
            rep = evaluate_searcher(s, qs)
            label = Path(f).stem + ("" if ids == "all" else f"({ids})")
            for lang, m in rep.by_lang.items():
                row[(label, lang)] = m
        rows.append(row)
    return rows


def render(rows, lang: str | None = None) -> str:
    cols = [k for k in rows[0] if k != "config" and (lang is None or k[1] == lang)]
    head = "| expansion | " + " | ".join(
        f"{f} {lang} (n={rows[0][(f, lang)].n}) hit@1 / hit@5 / MRR" for f, lang in cols) + " |"
    lines = [head, "|---" * (len(cols) + 1) + "|"]
    for r in rows:
        cells = [f"{r[c].hit1:.3f} / {r[c].hit5:.3f} / {r[c].mrr10:.3f}" for c in cols]
        lines.append(f"| {r['config']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", help="question files (dev.tsv, heldout.tsv[:odd|:even])")
    p.add_argument("--configs", default=",".join(CONFIGS),
                   help=f"comma-separated, from {', '.join(CONFIGS)}")
    p.add_argument("--weights", help="Latin-query fusion weights LEXICAL,DENSE")
    p.add_argument("--lang", help="only this language's table (en, ar); default: one table each")
    p.add_argument("--index", type=Path)
    p.add_argument("--model")
    args = p.parse_args(argv)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    bad = [c for c in configs if c not in CONFIGS]
    if bad:
        p.error(f"unknown configuration(s) {bad}")
    weights = tuple(float(x) for x in args.weights.split(",")) if args.weights else None
    rows = run(args.files, configs, weights, args.index, args.model)
    langs = [args.lang] if args.lang else sorted({k[1] for k in rows[0] if k != "config"},
                                                  key=lambda x: (x != "en", x))
    print("\n\n".join(f"{lang} questions\n\n{render(rows, lang)}" for lang in langs))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
