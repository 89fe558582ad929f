"""Fit the answer model: the sentence-score weights and the "not in the report" rule.

Run from the repository root (it reads the question files, not the product)::

    python -m fahras.retrieval.calibrate_answers            # fit, print the figures
    python -m fahras.retrieval.calibrate_answers --write    # ... and store the model

The model is ``retrieval/data/answer_model.json`` (plain numbers, read by
:mod:`fahras.retrieval.answer`). Questions are split by the parity of their id's number so that
half of the project's own files stays an untouched check:

- **fit**: every row of the development set, the odd-numbered rows of ``heldout.tsv`` and of
  ``unanswerable.tsv``, and every row of ``answerable_more.tsv`` and ``unanswerable_more.tsv``
  (questions of our own, 30 the report answers and 40 it does not);
- **check**: the even-numbered rows of ``heldout.tsv`` and ``unanswerable.tsv``.

1. Sentence-score weights: a small grid, scored on the fit split's ``fact`` rows: the share
   whose best sentence contains an ``answer_contains`` string (or, without one, overlaps an
   anchor), ties broken by the mean reciprocal rank of the first right sentence, then by the
   order of the grid.
2. Refusal limits (:func:`fahras.retrieval.answer.refuse`), for each script of question
   (Arabic; Latin -- English questions reach the Arabic text through their expansions and
   are further from it in the embedding space): the ``missing``, ``topicality``, ``cosine``
   and ``support`` limits that refuse the most unanswerable questions of the fit split while
   refusing at most ``BUDGET`` of its answerable questions (:func:`fit_limits`). Questions
   that name a passage («التوصية 8») are only refused by their type's cue, and phrases (not
   questions) have their own rule: both are left out.

An answer is right when it contains an ``answer_contains`` string, a number pair either way
round (:func:`fahras.retrieval.evaluate.answer_contains`, as ``fahras eval`` counts it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
import time
from pathlib import Path

import numpy as np

from fahras.retrieval import answer as A
from fahras.retrieval.evaluate import Question, answer_contains, load_questions

MISSING_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.01)  # 1.01: the rule is off
SUPPORT_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.01)  # 1.01: "far" refuses whatever the words
GRID = {"dense": (5.0, 10.0, 20.0, 40.0), "lexical": (0.5, 1.0, 2.0, 4.0),
        "passage": (0.5, 1.0, 2.0), "cue": (0.0, 0.5, 1.0), "phrase": (0.0, 0.5, 1.0, 2.0, 4.0)}
BUDGET = 0.03
MODEL_PATH = Path(__file__).parent / "data" / "answer_model.json"
# The development set lies beside the checkout (../shared), or beside the worktrees folder.
_DEV = next((p for p in ("../shared/eval/dev.tsv", "../../shared/eval/dev.tsv")
             if Path(p).exists()), "../shared/eval/dev.tsv")
DEFAULT_FILES = {
    "dev": _DEV,
    "heldout": "tests/data/heldout.tsv",
    "unanswerable": "tests/data/unanswerable.tsv",
    "unanswerable_more": "tests/data/unanswerable_more.tsv",
    "answerable_more": "tests/data/answerable_more.tsv",
}


def split_of(name: str, q: Question) -> str:
    if name in ("dev", "unanswerable_more", "answerable_more"):
        return "fit"
    m = re.search(r"(\d+)$", q.id)
    return "fit" if (m and int(m.group(1)) % 2) else "check"


def sentence_is_right(searcher, q: Question, c: A.Candidate) -> bool:
    """Whether a candidate sentence answers a question: it contains an ``answer_contains``
    string or, for a question without one, overlaps one of its anchors."""
    p = searcher.passages[c.passage]
    if q.answer_contains:
        return answer_contains(p.text[c.start:c.end], q.answer_contains)
    for a in q.anchors:
        i = p.text.find(a)
        if i >= 0 and i < c.end and i + len(a) > c.start:
            return True
    return False


def fit_limits(rows: list[tuple[dict, bool]], budget: float = BUDGET) -> dict:
    """The refusal limits (``missing``, ``topicality``, ``cosine``, ``support``) of one script:
    the ones that refuse the most unanswerable questions while refusing at most ``budget`` of
    the answerable ones (counting those the fixed rules refuse); among equals, the most
    lenient (refusing answerable questions is worse). ``rows``: (evidence, answerable) of
    questions."""
    ev = [e for e, _ in rows]
    ok = np.array([a for _, a in rows], dtype=bool)
    fixed = np.array([bool(e["cue_missing"] or e["focus_missing"] or e.get("ordinal_missing")
                           or e.get("country_missing"))
                      for e in ev])
    miss = np.array([e["missing_specific"] if (e["n_missing"] >= 2 or e["number_missing"])
                     else 0.0 for e in ev])
    top = np.array([e["topicality"] for e in ev])
    cos = np.array([e["cosine"] for e in ev])
    sup = np.array([e["support"] for e in ev])
    # The fixed rules (no limit to fit) may already refuse some answerable questions.
    allowed = max(int(math.floor(budget * ok.sum())), int((fixed & ok).sum()))

    def cuts(values: np.ndarray) -> list[float]:
        v = np.unique(values)
        return [0.0] + [float((a + b) / 2) for a, b in zip(v[:-1], v[1:])]

    best = None
    for m in MISSING_GRID:
        for s in SUPPORT_GRID:
            gate = sup < s
            for t in cuts(top):
                for c in cuts(cos):
                    refused = fixed | (miss >= m) | (gate & ((top < t) | (cos < c)))
                    wrong = int((refused & ok).sum())
                    if wrong > allowed:
                        continue
                    key = (int((refused & ~ok).sum()), -wrong, m, -s, -t, -c)
                    if best is None or key > best[0]:
                        best = (key, m, s, t, c)
    _, m, s, t, c = best
    return {"missing": m, "topicality": round(t, 6), "cosine": round(c, 6), "support": s}


def script_of(q_scored) -> str:
    return "latin" if q_scored.analysis.latin else "arabic"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fahras.retrieval.calibrate_answers",
                                 description=__doc__.split("\n\n")[0])
    for name, path in DEFAULT_FILES.items():
        ap.add_argument(f"--{name.replace('_', '-')}", default=path, metavar="FILE")
    ap.add_argument("--index", type=Path, help="index folder (default: $FAHRAS_HOME/index)")
    ap.add_argument("--model", help="embedding model (default e5-small)")
    ap.add_argument("--write", action="store_true", help=f"store the model in {MODEL_PATH}")
    ap.add_argument("--vectors", type=Path, metavar="FILE.npz",
                    help="keep the questions' vectors in this file between runs (encoding "
                         "them is most of the time)")
    ap.add_argument("--details", action="store_true",
                    help="print every question's features and refusal probability")
    args = ap.parse_args(argv)

    from fahras.retrieval.searcher import Searcher

    searcher = Searcher.open(args.index, model=args.model)
    searcher.warm_up()
    vectors: dict[str, np.ndarray] = {}
    if args.vectors and args.vectors.exists():
        with np.load(args.vectors) as z:
            vectors = {str(q): v for q, v in zip(z["queries"], z["vectors"])}
    encode = searcher.encode_query
    searcher.encode_query = lambda text: vectors[text] if text in vectors else \
        vectors.setdefault(text, encode(text))
    rows = []  # (file name, split, question, scored)
    t0 = time.perf_counter()
    for name in DEFAULT_FILES:
        for q in load_questions(getattr(args, name)):
            rows.append((name, split_of(name, q), q, searcher.score(q.query)))
    print(f"scored {len(rows)} questions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.vectors:
        np.savez(args.vectors, queries=np.array(list(vectors)),
                 vectors=np.array(list(vectors.values())))

    # 1. sentence-score weights: the candidates' features once, then every weighting
    facts = []
    for name, split, q, s in rows:
        if split == "fit" and q.answerable and q.kind == "fact":
            ranked = A.candidates(searcher, s)
            feats = np.array([[c.dense, c.lexical, c.passage_score, c.cue, c.phrase]
                              for c in ranked])
            right = np.array([sentence_is_right(searcher, q, c) for c in ranked])
            facts.append((feats, right, np.array([c.row for c in ranked])))
    best_key, weights = None, None
    for values in itertools.product(*GRID.values()):
        w = np.array(values)
        n_right, rr = 0, 0.0
        for feats, right, rows_ in facts:
            score = feats @ w
            order = np.lexsort((rows_, -score))  # best first; ties: reading order
            ranks = np.flatnonzero(right[order])
            n_right += bool(len(ranks) and ranks[0] == 0)
            rr += 1.0 / (ranks[0] + 1) if len(ranks) else 0.0
        key = (n_right, round(rr, 9))
        if best_key is None or key > best_key:
            best_key, weights = key, dict(zip(GRID, values))
    print(f"sentence weights {weights}: {best_key[0]}/{len(facts)} fit fact rows right",
          file=sys.stderr)

    # 2. refusal limits, per script
    feats = {}
    for i, (name, split, q, s) in enumerate(rows):
        ranked = A.candidates(searcher, s, weights=weights)
        if ranked:
            feats[i] = A.evidence(searcher, s, ranked[0])
            feats[i]["dense"] = True  # fitted with this model: its cosines count
    refusal = {}
    for script in ("arabic", "latin"):
        fit = [(feats[i], rows[i][2].answerable) for i, (name, split, q, s) in enumerate(rows)
               if i in feats and split == "fit" and script_of(s) == script
               and feats[i]["question"] and not feats[i]["pinned"]]
        refusal[script] = fit_limits(fit)
        refusal[script]["n_fit_questions"] = len(fit)
        refusal[script]["n_fit_unanswerable"] = sum(not a for _, a in fit)
    model = {
        "embedding": searcher.embedder.name,
        "weights": weights,
        "refusal": refusal,
        "fitted_by": "python -m fahras.retrieval.calibrate_answers --write",
        "fit_split": "dev.tsv; odd ids of heldout.tsv and unanswerable.tsv; answerable_more.tsv; "
                     "unanswerable_more.tsv",
    }

    # 3. figures, with the new model
    report = {}
    for i, (name, split, q, s) in enumerate(rows):
        res = A.answer_scored(searcher, s, 10, model=model)
        group = report.setdefault((name, split), {"n": 0, "refused": 0, "graded": 0, "right": 0})
        group["n"] += 1
        group["refused"] += not res.found
        if q.answer_contains:
            group["graded"] += 1
            text = res.answer.text if res.answer else ""
            group["right"] += answer_contains(text, q.answer_contains)
    print(json.dumps(model, ensure_ascii=False, indent=1))
    if args.details:
        for i, (name, split, q, s) in enumerate(rows):
            ev = feats.get(i)
            if ev is None or ev["pinned"] or not ev["question"]:
                continue
            why = A.refuse(ev, s.analysis.latin, model)
            truth = "unanswerable" if not q.answerable else q.kind
            print(f"{script_of(s):6} {split:5} {q.id:5} {truth:12} "
                  f"{'REFUSED' if why else 'answered'} cos={ev['cosine']:.3f} "
                  f"top={ev['topicality']:.3f} miss={ev['missing_specific']:.2f} "
                  f"| {q.query} | {why or ''}")
    print(f"\n{'file':20}{'split':7}{'n':>5}{'refused':>9}{'answers right':>15}")
    for (name, split), g in sorted(report.items()):
        right = f"{g['right']}/{g['graded']}" if g["graded"] else "-"
        print(f"{name:20}{split:7}{g['n']:>5}{g['refused'] / g['n']:>9.2f}{right:>15}")
    if args.write:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")
        print(f"\nwrote {MODEL_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
