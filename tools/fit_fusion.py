"""Fit the fusion of lexical and dense evidence, with cross-validation over disjoint folds.

    python tools/fit_fusion.py                      # held-out and in-sample tables
    python tools/fit_fusion.py --write              # and store retrieval/data/fusion_model.json

What it fits, twice -- on :data:`~fahras.retrieval.rank_features.FEATURES` plus
:data:`~fahras.retrieval.rank_features.LATE_FEATURES` (an index with token states), and on
``FEATURES`` alone (one without) -- the weights of the features in a conditional
logit -- for each question, the softmax of ``features @ weights`` over its candidate passages
is the probability of each being the passage sought; the weights maximize the log-probability
of the right passages (L2-regularized, L-BFGS). The questions:

- the bundled report's question sets (``--report-sets``; default ../shared/eval/dev.tsv,
  dev-broad.tsv, tests/data/heldout.tsv, tests/data/answerable_more.tsv, tests/data/names.tsv);
- other corpora (``--corpus DOCS_FOLDER:QUESTIONS``; default the two corpora of
  ../shared/corpora), indexed once into ``$FAHRAS_HOME/fit-indexes/``.

Folds (5): a report question by a hash of its id; a corpus question by its passage's document
(documents sorted by id, taken in turn), so no document of a held-out fold is ever seen in
training. Each fold is predicted by weights fitted on the other four: the *held-out* table; the
*in-sample* one uses the weights fitted on everything (what ``--write`` stores). Questions that
name a passage («التوصية 8») are ranked by that rule, not by the fusion, and are left out.

Features are computed by the product's own code (:meth:`Searcher.score` and
:meth:`Searcher.features`) and cached per question file in ``$FAHRAS_HOME/fit-cache/``
(keyed by the index, the file and the feature list), so a refit takes seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEFAULT_REPORT_SETS = (
    SHARED / "eval" / "dev.tsv", SHARED / "eval" / "dev-broad.tsv",
    REPO / "tests" / "data" / "heldout.tsv", REPO / "tests" / "data" / "answerable_more.tsv",
    REPO / "tests" / "data" / "names.tsv",
)
DEFAULT_CORPORA = tuple(f"{SHARED / 'corpora' / c / 'docs'}:{SHARED / 'corpora' / c / 'questions.tsv'}"
                        for c in ("xquad-ar-dev", "arcd-dev"))
FOLDS = 5
L2 = 3e-4


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _code_version() -> str:
    """A hash of the source the features depend on: cached features are recomputed when it
    changes (tools/source_version.py)."""
    from source_version import source_version

    return source_version()


def corpus_index(docs: Path, model: str | None) -> Path:
    """An index of a corpus folder, built once under $FAHRAS_HOME/fit-indexes/."""
    from fahras import config
    from fahras.index import store
    from fahras.index.builder import build_index

    key = hashlib.sha256(str(docs.resolve()).encode()).hexdigest()[:12]
    path = config.home() / "fit-indexes" / f"{docs.parent.name}-{key}"
    if not store.exists(path) or not store.has_token_states(path):
        # (an index built before token states is rebuilt: its vectors are reused)
        print(f"indexing {docs} -> {path}", file=sys.stderr)
        build_index([str(docs)], index_dir=path, model=model, progress=False)
    return path


def question_rows(searcher, questions, group: str, folds_by: str) -> list[dict]:
    """Features, relevance and fold of every answerable question that the fusion ranks."""
    from fahras.retrieval.evaluation.evaluate import is_relevant

    from fahras.retrieval.rank_features import FEATURES, LATE_FEATURES

    docs = sorted({p.doc for p in searcher.passages})
    doc_fold = {d: i % FOLDS for i, d in enumerate(docs)}
    searcher.late_signals = True  # the signals, late interaction included, whatever is bundled
    if not searcher.late_ready():
        raise SystemExit(f"{searcher.index_dir}: no token states; rebuild it with `fahras index`"
                         " (an index written before them, or over their budget)")
    out = []
    for q in questions:
        if not q.answerable or not q.anchors:
            continue
        scored = searcher.score(q.query)
        if scored.pinned or scored.signals is None:
            continue
        rows, feats = searcher.features(scored.signals, scored.eligible,
                                        FEATURES + LATE_FEATURES)
        rel = np.array([is_relevant(searcher.passages[i].text, q.anchors) for i in rows])
        if not rel.any():
            continue
        if folds_by == "id":
            fold = int(hashlib.md5(q.id.encode()).hexdigest(), 16) % FOLDS
        else:
            fold = doc_fold[searcher.passages[int(rows[np.flatnonzero(rel)[0]])].doc]
        out.append({"id": q.id, "lang": q.lang, "kind": q.kind, "group": group, "fold": fold,
                    "F": feats, "y": rel})
    return out


def cached_rows(searcher, index_dir: Path, path: Path, group: str, folds_by: str) -> list[dict]:
    from fahras import config
    from fahras.index import store
    from fahras.retrieval.evaluation.evaluate import load_questions
    from fahras.retrieval.rank_features import FEATURES, LATE_FEATURES

    _, manifest = store.read_manifest(index_dir)
    key = hashlib.sha256(json.dumps([manifest.get("path"), _sha(path), FEATURES + LATE_FEATURES,
                                     group,
                                     folds_by, _code_version()]).encode()).hexdigest()[:20]
    cache = config.home() / "fit-cache" / f"{path.stem}-{key}.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        meta = json.loads(str(z["meta"]))
        return [dict(m, F=z[f"F{i}"], y=z[f"y{i}"]) for i, m in enumerate(meta)]
    rows = question_rows(searcher, load_questions(path), group, folds_by)
    cache.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"F{i}": r["F"] for i, r in enumerate(rows)}
    arrays.update({f"y{i}": r["y"] for i, r in enumerate(rows)})
    meta = [{k: v for k, v in r.items() if k not in ("F", "y")} for r in rows]
    np.savez_compressed(cache, meta=json.dumps(meta, ensure_ascii=False), **arrays)
    return rows


# How much a large set's questions are discounted (see balanced); chosen by the held-out folds
# of 0, 0.5 and 1 (docs/evaluation.md), for both fusions (with token states, 0.75 traded
# questions with 0.5 at the same total on the report's sets).
BALANCE = 0.5


def balanced(rows: list[dict], power: float = 1.0) -> np.ndarray:
    """A weight per question, ``1 / n ** power`` for a (set, language) cell of n questions:
    with power 1 every cell weighs the same in all (612 English XQuAD questions do not outvote
    the report's 80 English dev-broad ones), with 0 every question does."""
    cells = Counter((r["group"], r["lang"]) for r in rows)
    w = np.array([cells[(r["group"], r["lang"])] ** -power for r in rows])
    return w * len(rows) / w.sum()


def loss(w: np.ndarray, rows: list[dict], l2: float,
         weights: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """Mean (weighted) negative log-probability of the right passages, and its gradient."""
    total, grad = 0.0, np.zeros_like(w)
    for i, r in enumerate(rows):
        c = 1.0 if weights is None else float(weights[i])
        z = r["F"] @ w
        p = np.exp(z - z.max())
        p /= p.sum()
        py = float(p[r["y"]].sum())
        total -= c * np.log(max(py, 1e-12))
        grad -= c * ((np.where(r["y"], p, 0.0) / max(py, 1e-12) - p) @ r["F"])
    n = max(len(rows), 1)
    return total / n + l2 * float(w @ w), grad / n + 2 * l2 * w


def fit(rows: list[dict], l2: float = L2, balance: float = 0.0) -> np.ndarray:
    from scipy.optimize import minimize

    w0 = np.zeros(rows[0]["F"].shape[1])
    weights = balanced(rows, balance) if balance else None
    return minimize(loss, w0, args=(rows, l2, weights), jac=True, method="L-BFGS-B").x


def first_rank(r: dict, w: np.ndarray) -> int:
    order = np.argsort(-(r["F"] @ w), kind="stable")
    return int(np.flatnonzero(r["y"][order])[0]) + 1


def table(ranks: dict) -> str:
    lines = ["| set | lang | n | hit@1 | hit@5 |", "|---|---|---|---|---|"]
    for (group, lang), rs in sorted(ranks.items()):
        rs = np.array(rs)
        lines.append(f"| {group} | {lang} | {len(rs)} | {np.mean(rs == 1):.3f} | "
                     f"{np.mean(rs <= 5):.3f} |")
    return "\n".join(lines)


def cross_validate(rows: list[dict], l2: float = L2, balance: float = 0.0) -> dict:
    ranks = defaultdict(list)
    for f in range(FOLDS):
        train = [r for r in rows if r["fold"] != f]
        w = fit(train, l2, balance)
        for r in rows:
            if r["fold"] == f:
                ranks[(r["group"], r["lang"])].append(first_rank(r, w))
    return ranks


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report-sets", nargs="*", type=Path, default=list(DEFAULT_REPORT_SETS))
    ap.add_argument("--corpus", action="append", metavar="DOCS:QUESTIONS",
                    help="another corpus and its questions (default: ../shared/corpora)")
    ap.add_argument("--index", type=Path, help="the bundled report's index (default: built)")
    ap.add_argument("--model", help="embedding model (default e5-small)")
    ap.add_argument("--l2", type=float, default=L2)
    ap.add_argument("--balance", type=float, default=BALANCE, metavar="POWER",
                    help="a question of a (set, language) of n questions weighs 1/n**POWER: "
                         f"1 every set the same, 0 every question the same (default {BALANCE})")
    ap.add_argument("--write", action="store_true", help="store the fitted weights")
    args = ap.parse_args(argv)

    from fahras.retrieval import fusion
    from fahras.retrieval.rank_features import FEATURES, LATE_FEATURES
    from fahras.retrieval.searcher import Searcher
    from fahras import config

    rows: list[dict] = []
    report_dir = args.index or config.default_index_dir()
    report = Searcher.open(report_dir, model=args.model)
    for path in args.report_sets:
        group = "report:" + path.stem
        rows += cached_rows(report, report_dir, path, group, "id")
    for spec in args.corpus or DEFAULT_CORPORA:
        docs, _, questions = spec.rpartition(":")
        index_dir = corpus_index(Path(docs), args.model)
        s = Searcher.open(index_dir, model=args.model, build_if_missing=False)
        rows += cached_rows(s, index_dir, Path(questions), Path(docs).parent.name, "doc")
    full = FEATURES + LATE_FEATURES
    base = [dict(r, F=r["F"][:, :len(FEATURES)]) for r in rows]
    models = []
    for title, names, data in (("with token states (late interaction)", full, rows),
                               ("without token states", FEATURES, base)):
        power = args.balance
        print(f"## Fusion {title}: {len(data)} questions, {len(names)} features, {FOLDS} folds, "
              f"l2={args.l2}, balance {power}\n")
        print("Held-out folds (weights fitted on the other folds):\n")
        print(table(cross_validate(data, args.l2, power)))
        w = fit(data, args.l2, power)
        ins = defaultdict(list)
        for r in data:
            ins[(r["group"], r["lang"])].append(first_rank(r, w))
        print("\nIn-sample (weights fitted on all; what --write stores):\n")
        print(table(ins))
        print("\nweights:", json.dumps(dict(zip(names, np.round(w, 3).tolist()))), "\n")
        models.append(fusion.FittedFusion(tuple(names), w, report.embedder.name))
    if args.write:
        blob = {"models": [m.to_json() for m in models]}
        fusion.MODEL_FILE.write_text(json.dumps(blob, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {fusion.MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
