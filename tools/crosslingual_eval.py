"""Measure the cross-lingual expansion on several question sets and indexes in one run.

    python tools/crosslingual_eval.py \
        /work/shared/eval/dev-broad.tsv /work/shared/eval/dev.tsv tests/data/heldout.tsv \
        tests/data/names.tsv /work/shared/corpora/xquad-ar-dev/questions.tsv@IDX \
        --configs default,default-corpus --modes hybrid,lexical

A question file is ``FILE`` (scored on the default index, the bundled report's) or
``FILE@INDEX_DIR``; ``FILE:odd`` / ``FILE:even`` keep half of its rows (see
`tools/ablation.py`). A configuration is ``default`` or ``none`` followed by
``+piece`` / ``-piece`` (pieces: :data:`fahras.retrieval.crosslingual.expander.PIECES`, and
``lexicon``: the induced lexicon of tools/induced_lexicon.py): ``default-corpus`` leaves out the corpus glossary, ``none`` is no expansion.
It prints hit@1 / hit@5 per file, language and (with ``--kinds``) kind, for each mode. Query
vectors are cached in ``$FAHRAS_HOME/cache/crosslingual-eval/`` (by model and text), so a
second run costs no encoding. Search only: answers are not scored (``fahras eval`` does that).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np


LEXICON = "lexicon"  # not a piece of the product: tools/induced_lexicon.py


def parse_config(spec: str):
    """``(ExpansionConfig or None, with the induced lexicon)``."""
    from fahras.retrieval.crosslingual.expander import PIECES, ExpansionConfig

    known = PIECES + (LEXICON,)
    head, *rest = spec.replace("+", " +").replace("-", " -").split()
    if head not in ("default", "none"):
        raise SystemExit(f"a configuration starts with default or none: {spec!r}")
    if head == "none" and not rest:
        return None, False
    cfg = ExpansionConfig() if head == "default" else ExpansionConfig.only()
    lexicon = False
    for tok in rest:
        name = tok[1:]
        if name not in known:
            raise SystemExit(f"unknown piece {name!r} in {spec!r}; pieces are {known}")
        if name == LEXICON:
            lexicon = tok[0] == "+"
        else:
            cfg = replace(cfg, **{name: tok[0] == "+"})
    return cfg, lexicon


class QueryCache:
    """Query vectors by text, kept on disk between runs."""

    def __init__(self, searcher):
        from fahras import config

        key = hashlib.sha256(searcher.model_spec.encode()).hexdigest()[:12]
        self.dir = config.home() / "cache" / "crosslingual-eval" / key
        self.dir.mkdir(parents=True, exist_ok=True)
        self.texts: list[str] = []
        self.vectors = None
        if (self.dir / "texts.json").exists():
            self.texts = json.loads((self.dir / "texts.json").read_text("utf-8"))
            self.vectors = np.load(self.dir / "vectors.npy")
        self.index = {t: i for i, t in enumerate(self.texts)}
        self.new: dict[str, np.ndarray] = {}
        self.encode = searcher.encode_query

    def __call__(self, text: str):
        if text in self.index:
            return self.vectors[self.index[text]]
        if text not in self.new:
            self.new[text] = self.encode(text)
        return self.new[text]

    def save(self) -> None:
        if not self.new:
            return
        texts = self.texts + list(self.new)
        vecs = [self.vectors] if self.vectors is not None else []
        vectors = np.concatenate(vecs + [np.stack(list(self.new.values()))])
        np.save(self.dir / "vectors.npy", vectors.astype(np.float32))
        (self.dir / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), "utf-8")


def _split_spec(spec: str) -> tuple[str, str | None]:
    path, _, index = spec.partition("@")
    return path, (index or None)


def run(files, configs, modes, kinds=False, model=None):
    from ablation import _keep
    from ablation import _split_spec as split_half
    from fahras.retrieval.crosslingual.expander import CrossLingualExpander
    from fahras.retrieval.evaluation.evaluate import evaluate, load_questions
    from fahras.retrieval.searcher import Searcher

    searchers: dict[str | None, object] = {}
    caches = []
    table: dict[tuple, tuple[int, float, float]] = {}
    for spec in files:
        fspec, index = _split_spec(spec)
        if index not in searchers:
            s = Searcher.open(index, model=model, build_if_missing=False)
            cache = QueryCache(s)
            s.encode_query = cache
            caches.append(cache)
            searchers[index] = s
        s = searchers[index]
        path, half = split_half(fspec)
        qs = [q for q in load_questions(path) if _keep(q.id, half) and q.answerable]
        texts = [p.text for p in s.passages if p.kind != "heading"]
        name = Path(path).parent.name if Path(path).stem == "questions" else Path(path).stem
        label = name + ("" if half == "all" else f"({half})")
        for cname in configs:
            cfg, lexicon = parse_config(cname)
            s.expander = None if cfg is None else CrossLingualExpander.for_searcher(s, cfg)
            if lexicon and s.expander is not None:
                from induced_lexicon import for_expander

                s.expander.translator = for_expander(s.expander)
            for mode in modes:
                def rank(query, s=s, mode=mode):
                    return [(h.id, h.text) for h in s.search(query, 10, mode=mode).hits]

                rep = evaluate(qs, rank, texts)
                groups = dict(rep.by_lang)
                if kinds:
                    for kind in sorted({q.kind for q in qs}):
                        for lang in sorted({q.lang for q in qs}):
                            sub = [q for q in qs if q.kind == kind and q.lang == lang]
                            if sub:
                                groups[f"{lang}/{kind}"] = evaluate(sub, rank, texts).overall
                for g, m in groups.items():
                    table[(label, g, mode, cname)] = (m.n, m.hit1, m.hit5)
    for c in caches:
        c.save()
    return table


def render(table, configs, modes) -> str:
    rows = sorted({(f, g) for f, g, _m, _c in table}, key=lambda r: (r[0], "/" in r[1], r[1]))
    head = "| set | group | n | " + " | ".join(f"{m} {c}" for m in modes for c in configs) + " |"
    lines = [head, "|---" * (3 + len(modes) * len(configs)) + "|"]
    for f, g in rows:
        n = next(v[0] for k, v in table.items() if k[:2] == (f, g))
        cells = [table.get((f, g, m, c)) for m in modes for c in configs]
        lines.append(f"| {f} | {g} | {n} | " + " | ".join(
            "-" if v is None else f"{v[1]:.3f} / {v[2]:.3f}" for v in cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", help="question files, FILE[:odd|:even][@INDEX_DIR]")
    p.add_argument("--configs", default="default")
    p.add_argument("--modes", default="hybrid,lexical")
    p.add_argument("--kinds", action="store_true", help="also a row per language and kind")
    p.add_argument("--model")
    args = p.parse_args(argv)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for c in configs:
        parse_config(c)
    table = run(args.files, configs, modes, args.kinds, args.model)
    print("cells: hit@1 / hit@5\n")
    print(render(table, configs, modes))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
