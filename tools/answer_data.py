"""The questions the answer model is fitted on, scored once and cached (tools/calibrate_answers.py).

Question sets (the development set's format, ``fahras.retrieval.evaluation.evaluate.load_questions``):
the bundled report's (../shared/eval/dev.tsv, dev-broad.tsv, dev-broad-unanswerable.tsv and
tests/data/*.tsv) and the development corpora's (../shared/corpora/*/questions.tsv, each with
its own index, built on first use from its docs/ folder).

Every question is scored once (:meth:`Searcher.score`). The corpora have no unanswerable
questions and the report few, so each answerable question also makes *negatives*, questions of
the same kind whose answer is not in what is searched: ``near``, the same scores with the
passages that hold its anchors made ineligible (the rest of its document, on its topic, stays:
what a question the documents do not answer looks like), and for a corpus question ``far``,
the question asked again with its gold document filtered out (``docs=`` every other one).

Scoring is cached in ``--cache`` (default ``$FAHRAS_HOME/answer-fit``): the question vectors by
model and text (encoding is most of the time), and the ``Scored`` objects by a fingerprint of
the ranking code (retrieval/*.py outside the answer package, retrieval/data/*), the index and
the model -- a change to the ranking re-scores, a change to the answer layer does not.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    env = os.environ.get("FAHRAS_SHARED")
    for p in ([Path(env)] if env else []) + [REPO.parent / "shared", REPO.parent.parent / "shared"]:
        if p.exists():
            return p
    return REPO.parent / "shared"


def question_sets(shared: Path) -> list[dict]:
    """name, path, corpus (None: the bundled report) and grouping of every set."""
    report = [("dev", shared / "eval" / "dev.tsv"),
              ("dev-broad", shared / "eval" / "dev-broad.tsv"),
              ("dev-broad-unanswerable", shared / "eval" / "dev-broad-unanswerable.tsv")]
    report += [(p.stem, p) for p in sorted((REPO / "tests" / "data").glob("*.tsv"))]
    out = [{"name": n, "path": p, "corpus": None} for n, p in report if p.exists()]
    corpora = shared / "corpora"
    for c in sorted(corpora.glob("*/questions.tsv")) if corpora.exists() else []:
        out.append({"name": c.parent.name, "path": c, "corpus": c.parent.name,
                    "docs": c.parent / "docs"})
    return out


@dataclass
class Item:
    """One scored question: a set's row, or a corpus row with its gold document filtered out
    (``negative``)."""

    set: str
    corpus: str | None
    question: object        # fahras.retrieval.evaluation.evaluate.Question
    scored: object
    group: str              # cross-validation group: the set, or the corpus and document
    answerable: bool
    negative: str = ""      # "near" or "far" for a negative made from an answerable question
    relevant: frozenset = frozenset()  # indexes of the passages holding an anchor


def _fingerprint(searcher, index_dir: Path) -> str:
    from source_version import source_version

    h = hashlib.sha256(source_version(without_answer=True).encode())
    h.update((index_dir / "CURRENT").read_bytes() if (index_dir / "CURRENT").exists() else b"")
    h.update(searcher.embedder.name.encode())
    return h.hexdigest()[:16]


class VectorCache:
    """Question vectors by text, for one model, kept in an .npz between runs."""

    def __init__(self, path: Path):
        self.path, self.vectors, self.dirty = path, {}, False
        if path.exists():
            with np.load(path) as z:
                self.vectors = {str(q): v for q, v in zip(z["queries"], z["vectors"])}

    def install(self, searcher) -> None:
        encode = searcher.encode_query

        def cached(text):
            if text not in self.vectors:
                self.vectors[text], self.dirty = encode(text), True
            return self.vectors[text]

        searcher.encode_query = cached

    def save(self) -> None:
        if self.dirty:
            np.savez(self.path, queries=np.array(list(self.vectors)),
                     vectors=np.array(list(self.vectors.values())))


def _save_scored(path: Path, entries: list) -> None:
    """``entries``: (key, Scored). Arrays in an .npz, the rest in JSON; the analysis is
    rebuilt from the query text."""
    arrays, meta = {}, []
    for i, (key, s) in enumerate(entries):
        m = {"key": key}
        for f in dataclasses.fields(s):
            v = getattr(s, f.name)
            if f.name == "analysis":
                m["analysis"] = v.text
            elif f.name == "signals":  # the fusion's inputs: the answer layer does not read them
                continue
            elif isinstance(v, np.ndarray):
                arrays[f"{i}:{f.name}"] = v
            else:
                m[f.name] = v
        meta.append(m)
    np.savez_compressed(path.with_suffix(".npz"), **arrays)
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _load_scored(path: Path) -> dict:
    from fahras.retrieval.query import analyze_query
    from fahras.retrieval.searcher import Scored

    if not path.with_suffix(".json").exists() or not path.with_suffix(".npz").exists():
        return {}
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    out = {}
    with np.load(path.with_suffix(".npz")) as z:
        for i, m in enumerate(meta):
            kw = {k: v for k, v in m.items() if k not in ("key", "analysis")}
            kw["analysis"] = analyze_query(m["analysis"])
            for f in dataclasses.fields(Scored):
                if f"{i}:{f.name}" in z:
                    kw[f.name] = z[f"{i}:{f.name}"]
            out[m["key"]] = Scored(**kw)
    return out


def without(scored, passages: frozenset):
    """A copy of ``scored`` in which ``passages`` are not eligible (None if nothing is left)."""
    eligible = scored.eligible.copy()
    eligible[list(passages)] = False
    if not eligible.any():
        return None
    return dataclasses.replace(scored, eligible=eligible,
                               pinned=[i for i in scored.pinned if i not in passages])


def open_searcher(corpus_docs: Path | None, cache: Path, model: str | None):
    from fahras.index import store
    from fahras.index.builder import build_index
    from fahras.retrieval.searcher import Searcher

    if corpus_docs is None:
        return Searcher.open(None, model=model), None
    index_dir = cache / f"index-{corpus_docs.parent.name}"
    if not store.exists(index_dir) or not store.has_token_states(index_dir):
        # (an index built before token states is rebuilt: its vectors are reused)
        print(f"indexing {corpus_docs} into {index_dir} ...", file=sys.stderr)
        build_index(sorted(corpus_docs.glob("*.txt")), index_dir=index_dir, model=model)
    return Searcher.open(index_dir, model=model, build_if_missing=False), index_dir


def load_items(cache: Path, model: str | None = None, negatives=("near", "far"),
               only: set[str] | None = None) -> tuple[list[Item], dict]:
    """Every set's questions scored (cached), and the searcher of each corpus."""
    from fahras.config import default_index_dir
    from fahras.retrieval.evaluation.evaluate import is_relevant, load_questions

    cache.mkdir(parents=True, exist_ok=True)
    sets = [s for s in question_sets(shared_dir()) if only is None or s["name"] in only]
    items, searchers = [], {}
    for corpus in dict.fromkeys(s["corpus"] for s in sets):
        docs = next((s.get("docs") for s in sets if s["corpus"] == corpus), None)
        searcher, index_dir = open_searcher(docs, cache, model)
        searchers[corpus] = searcher
        vectors = VectorCache(cache / f"vectors-{searcher.embedder.name}.npz")
        vectors.install(searcher)
        fp = _fingerprint(searcher, index_dir or default_index_dir())
        store_path = cache / f"scored-{corpus or 'report'}-{fp}"
        known = _load_scored(store_path)
        fresh = []
        all_docs = sorted({p.doc for p in searcher.passages})
        for s in (s for s in sets if s["corpus"] == corpus):
            for q in load_questions(s["path"]):
                rel = frozenset(i for i, p in enumerate(searcher.passages)
                                if q.anchors and is_relevant(p.text, q.anchors))
                gold = sorted({searcher.passages[i].doc for i in rel})
                group = s["name"] if corpus is None else f"{corpus}:{gold[0] if gold else q.id}"
                runs = [("", None)]
                if corpus is not None and "far" in negatives and gold:
                    runs.append(("far", tuple(d for d in all_docs if d not in gold)))
                for negative, docs_filter in runs:
                    key = json.dumps([q.query, docs_filter], ensure_ascii=False)
                    sc = known.get(key)
                    if sc is None:
                        sc = known[key] = searcher.score(q.query, docs=docs_filter)
                        fresh.append(key)
                    items.append(Item(s["name"], corpus, q, sc, group,
                                      q.answerable and not negative, negative,
                                      frozenset() if negative else rel))
                    if not negative and "near" in negatives and rel and q.answerable:
                        near = without(sc, rel)
                        if near is not None:
                            items.append(Item(s["name"], corpus, q, near, group, False, "near"))
        if fresh:
            _save_scored(store_path, list(known.items()))
            print(f"scored {len(fresh)} questions of {corpus or 'the report'}", file=sys.stderr)
        vectors.save()
    return items, searchers
