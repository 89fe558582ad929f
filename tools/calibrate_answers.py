"""Fit the answer model (retrieval/data/answer_model.json) by cross-validation, in one command.

    python tools/calibrate_answers.py            # fit, print held-out and in-sample figures
    python tools/calibrate_answers.py --write    # ... and store the model and the CV figures

What it fits (the features: :mod:`fahras.retrieval.answer.features`):

1. the **chooser**, a conditional logistic regression (a softmax over each question's
   candidate sentences) fitted on the answerable questions: the label is whether the sentence
   (as ``ask`` would give it) contains an ``answer_contains`` string and lies in a relevant
   passage (one holding an anchor) -- for a row without ``answer_contains``, whether it
   overlaps an anchor;
2. the **refusal model**, a logistic regression over the questions whose coefficients keep the
   sign of their evidence (``features.SIGNS``): the label is whether the question is
   answerable; the negatives are the unanswerable sets and the negatives made from answerable
   questions that ``--negatives`` names (tools/answer_data.py: by default ``far``, each corpus
   question asked with its gold document filtered out; every kind is reported);
3. the two limits on P(answerable): ``refuse_below``, the highest that refuses at most
   ``FALSE_REFUSALS`` of the fitting sets' answerable questions (a refusal is the exception:
   the limit is set by the answerable questions, and refuses what it can of the others);
   ``sure_above``, above which at most ``1 - SURE`` of the fitting questions are unanswerable
   (between the two: a likely answer).

Each is fitted three times: with every feature (``late``, for the embedding model it was
fitted with and an index with token states), without the late-interaction features (``dense``,
the same model without token states) and without the embedding features either (``lexical``,
for any other model).

**Cross-validation**: ``--folds`` folds by group -- each set of the report is one group, each
document of a corpus another (its questions in both languages, and the negatives made from
them, together) -- so a held-out fold's questions, and its documents, were never seen by the
model that answers them. The figures: per set, held-out (out-of-fold) beside in-sample (the
model fitted on everything), as ``fahras eval`` counts them: "answer" the share of rows with
``answer_contains`` whose answer contains one, "false refusals" the share of answerable rows
refused, "refused" the share of unanswerable rows refused (``SET:near`` / ``SET:far``: the
negatives made from a set). ``--write`` stores them in the model file (``cv``, ``in_sample``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answer_data import load_items  # noqa: E402
from logit_fit import fit_conditional_logit, fit_linear  # noqa: E402

from fahras.retrieval.answer.ask import _answer_span  # noqa: E402
from fahras.retrieval.answer.features import (  # noqa: E402
    DENSE,
    LATE,
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    question_features,
    sentence_features,
)
from fahras.retrieval.answer.model import (  # noqa: E402
    MODEL_FILE,
    AnswerModel,
    Linear,
    Variant,
    sigmoid,
)
from fahras.retrieval.answer.question import Question  # noqa: E402
from fahras.retrieval.answer.table import sentence_table  # noqa: E402
from fahras.retrieval.evaluation.evaluate import answer_contains  # noqa: E402

SURE = 0.95            # above sure_above, this share of the questions is answerable
MADE = 0.5             # the weight of each set of negatives made from a set's questions
NEGATIVES = ("far",)    # the made negatives the refusal model is fitted on (all are reported)
FALSE_REFUSALS = 0.05  # the share of answerable questions refuse_below may refuse (fitting sets)


class Record:
    """One item's question, candidates, their features and labels."""

    def __init__(self, item, searcher):
        self.item, self.searcher = item, searcher
        self.q = Question.of(searcher, item.scored)
        self.pool = sentence_features(searcher, item.scored, self.q)
        self.texts, self.labels = [], np.zeros(0, bool)
        if self.pool is not None:
            table = sentence_table(searcher)
            labels = []
            for row, pi in zip(self.pool.rows, self.pool.passages):
                passage = searcher.passages[pi]
                a, b = _answer_span(passage, table, row)
                self.texts.append((passage.id, passage.text[a:b]))
                labels.append(self._right(passage, pi, a, b))
            self.labels = np.array(labels, bool)

    def _right(self, passage, pi: int, a: int, b: int) -> bool:
        q = self.item.question
        if not self.item.answerable or pi not in self.item.relevant:
            return False
        if q.answer_contains:
            return answer_contains(passage.text[a:b], q.answer_contains)
        for anchor in q.anchors:
            i = passage.text.find(anchor)
            if i >= 0 and i < b and i + len(anchor) > a:
                return True
        return False


def set_weights(recs: list[Record]) -> np.ndarray:
    """Each set (and language of a corpus) weighs the same in total; the negatives made from a
    set (``near``, ``far``) weigh ``MADE`` of a set each."""
    key = [(r.item.set, r.item.negative, r.item.question.lang if r.item.corpus else "")
           for r in recs]
    n = defaultdict(int)
    for k in key:
        n[k] += 1
    return np.array([(MADE if k[1] else 1.0) / n[k] for k in key])


def corpus_weights(recs: list[Record]) -> np.ndarray:
    """Each corpus and language (the report's Arabic questions, its English ones, each other
    corpus's) weighs the same in total, and within one, each of its sets the same; made
    negatives weigh ``MADE`` of their set's."""
    key = [(r.item.corpus or "", r.item.question.lang, r.item.set, r.item.negative)
           for r in recs]
    n, sets = defaultdict(int), defaultdict(set)
    for k in key:
        n[k] += 1
        sets[k[:2]].add(k[2])
    return np.array([(MADE if k[3] else 1.0) / (n[k] * len(sets[k[:2]])) for k in key])


def chooser_weights(recs: list[Record]) -> np.ndarray:
    """The chooser's question weights: half as :func:`set_weights` (each set alike: the
    report's many small sets together outweigh a corpus), half as :func:`corpus_weights`
    (each corpus and language alike). Held-out, the blend chose better than either alone on
    the corpora at no cost on the report's sets (docs/answers.md)."""
    a, b = set_weights(recs), corpus_weights(recs)
    return a / a.sum() + b / b.sum()


def fit_chooser(recs: list[Record], names: tuple[str, ...]) -> Linear:
    rows = [r for r in recs if r.pool is not None and r.labels.any()]
    cols = [SENTENCE_FEATURES.index(f) for f in names]
    return fit_conditional_logit([r.pool.X[:, cols] for r in rows], [r.labels for r in rows],
                                 chooser_weights(rows), names)


def decide_all(recs: list[Record], chooser: Linear) -> list[dict]:
    """For each record: its best candidate and question features under ``chooser``."""
    out = []
    for r in recs:
        if r.pool is None:
            out.append(None)
            continue
        logits = chooser.logit(r.pool.X, SENTENCE_FEATURES)
        best = int(np.lexsort((np.array(r.pool.rows), -logits))[0])
        ev = question_features(r.searcher, r.item.scored, r.q, r.pool, logits, best)
        out.append({"best": best, "x": ev.x, "right": bool(r.labels[best]),
                    "text": r.texts[best][1]})
    return out


def fit_variant(recs: list[Record], dense: bool, negatives: tuple[str, ...] = NEGATIVES,
                late: bool = False) -> Variant:
    """The chooser and the refusal model fitted on ``recs`` (of the negatives made from
    answerable questions, the kinds in ``negatives`` only); the late-interaction features
    only with ``late``."""
    s_names = tuple(f for f in SENTENCE_FEATURES
                    if (dense or f not in DENSE) and (late or f not in LATE))
    q_names = tuple(f for f in QUESTION_FEATURES
                    if (dense or f not in DENSE) and (late or f not in LATE))
    recs = [r for r in recs if not r.item.negative or r.item.negative in negatives]
    train = [r for r in recs if r.item.answerable]
    chooser = fit_chooser(train, s_names)
    decided = decide_all(recs, chooser)
    keep = [i for i, d in enumerate(decided) if d is not None]
    X = np.vstack([decided[i]["x"] for i in keep])[:, [QUESTION_FEATURES.index(f) for f in q_names]]
    y = np.array([recs[i].item.answerable for i in keep])
    sub = [recs[i] for i in keep]
    w = set_weights(sub)
    refusal = fit_linear(X, y, w, q_names)
    p = sigmoid(refusal.logit(np.vstack([decided[i]["x"] for i in keep]), QUESTION_FEATURES))
    below, sure = limits(p, y, sub)
    return Variant(chooser, refusal, below, sure)


def limits(p: np.ndarray, y: np.ndarray, recs: list[Record]) -> tuple[float, float]:
    """``refuse_below``: the highest limit that refuses at most ``FALSE_REFUSALS`` of the
    answerable questions (the mean over the answerable sets of the share each refuses);
    ``sure_above``: the lowest limit above which at most ``1 - SURE`` of the questions
    (set-weighted) are unanswerable."""
    sets = defaultdict(list)
    for i, r in enumerate(recs):
        if r.item.answerable:
            sets[(r.item.set, r.item.question.lang if r.item.corpus else "")].append(i)
    below = 0.0
    for t in np.unique(np.round(p[y], 4)):
        if np.mean([np.mean(p[ix] < t) for ix in sets.values()]) <= FALSE_REFUSALS:
            below = float(t)
        else:
            break
    w = set_weights(recs)
    order = np.argsort(-p)
    share = np.cumsum((w * y)[order]) / np.cumsum(w[order])
    ok = np.flatnonzero(share >= SURE)
    sure = float(p[order][ok[-1]]) if len(ok) else 1.0
    return below, max(sure, below)


def outcome(r: Record, d: dict | None, variant: Variant) -> dict:
    if d is None:
        return {"found": False, "right": False, "p": 0.0, "text": None}
    p = float(sigmoid(variant.refusal.logit(d["x"], QUESTION_FEATURES))[0])
    found = p >= variant.refuse_below
    text = d["text"] if found else None
    q = r.item.question
    right = bool(found and q.answer_contains and answer_contains(text, q.answer_contains))
    return {"found": found, "right": right, "p": p, "text": text, "best_right": d["right"]}


def figures(recs: list[Record], outcomes: list[dict]) -> dict:
    """Per set (and language): answer, false refusals, refused -- as ``fahras eval``."""
    out: dict = {}
    for r, o in zip(recs, outcomes):
        name = f"{r.item.set}:{r.item.negative}" if r.item.negative else r.item.set
        for key in (name, f"{name}/{r.item.question.lang}"):
            g = out.setdefault(key, {"n": 0, "graded": 0, "right": 0, "answerable": 0,
                                     "false_refusals": 0, "unanswerable": 0, "refused": 0})
            g["n"] += 1
            if r.item.answerable:
                g["answerable"] += 1
                g["false_refusals"] += not o["found"]
                if r.item.question.answer_contains:
                    g["graded"] += 1
                    g["right"] += o["right"]
            else:
                g["unanswerable"] += 1
                g["refused"] += not o["found"]
    for g in out.values():
        g["answer"] = round(g["right"] / g["graded"], 4) if g["graded"] else None
        g["false_refusal_rate"] = (round(g["false_refusals"] / g["answerable"], 4)
                                   if g["answerable"] else None)
        g["refused_rate"] = (round(g["refused"] / g["unanswerable"], 4) if g["unanswerable"]
                             else None)
    return out


def cross_validate(recs: list[Record], folds: int, dense: bool,
                   negatives: tuple[str, ...] = NEGATIVES, late: bool = False,
                   seed: int = 0) -> list[dict]:
    """Out-of-fold outcomes: each record decided by the model fitted without its group."""
    groups = sorted({r.item.group for r in recs})
    rng = np.random.default_rng(seed)
    fold_of = {g: i % folds for i, g in enumerate(rng.permutation(groups))}
    outcomes: list = [None] * len(recs)
    for f in range(folds):
        train = [r for r in recs if fold_of[r.item.group] != f]
        test = [i for i, r in enumerate(recs) if fold_of[r.item.group] == f]
        variant = fit_variant(train, dense, negatives, late)
        decided = decide_all([recs[i] for i in test], variant.chooser)
        for i, d in zip(test, decided):
            outcomes[i] = outcome(recs[i], d, variant)
    return outcomes


def render(held: dict, insample: dict) -> str:
    head = (f"{'set':34}{'n':>5}  {'answer':>15}  {'false refusals':>15}  {'refused':>15}")
    lines = [head, "", "(held-out | in-sample)", "-" * len(head)]

    def pair(key, g, h):
        a, b = g.get(key), h.get(key)
        if a is None:
            return f"{'-':>15}"
        return f"{a:>7.2f} | {b:<5.2f}"

    for name in sorted(held):
        g, h = held[name], insample[name]
        lines.append(f"{name:34}{g['n']:>5}  {pair('answer', g, h)}  "
                     f"{pair('false_refusal_rate', g, h)}  {pair('refused_rate', g, h)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python tools/calibrate_answers.py",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help=f"store the model in {MODEL_FILE}")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cache", type=Path, help="scoring cache (default $FAHRAS_HOME/answer-fit)")
    ap.add_argument("--model", help="embedding model (default e5-small)")
    ap.add_argument("--negatives", default=",".join(NEGATIVES) or "none",
                    help="which negatives made from answerable questions the refusal model is "
                         "fitted on: near, far, near,far or none (all are reported; "
                         "tools/answer_data.py)")
    ap.add_argument("--only", nargs="*", help="only these sets (names as printed)")
    ap.add_argument("--details", type=Path, metavar="FILE.jsonl",
                    help="write every question's held-out outcome and features")
    args = ap.parse_args(argv)

    from fahras import config

    cache = args.cache or config.home() / "answer-fit"
    t0 = time.perf_counter()
    made = tuple(n for n in args.negatives.split(",") if n in ("near", "far"))
    items, searchers = load_items(cache, args.model, ("near", "far"),
                                  set(args.only) if args.only else None)
    recs = [Record(it, searchers[it.corpus]) for it in items]
    print(f"{len(recs)} questions scored and featured in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    report, variants = {}, {}
    for name, dense, late in (("late", True, True), ("dense", True, False),
                              ("lexical", False, False)):
        held = cross_validate(recs, args.folds, dense, made, late)
        variant = fit_variant(recs, dense, made, late)
        decided = decide_all(recs, variant.chooser)
        inside = [outcome(r, d, variant) for r, d in zip(recs, decided)]
        variants[name] = variant
        report[name] = {"held_out": figures(recs, held), "in_sample": figures(recs, inside)}
        print(f"\n== {name} variant\n" + render(report[name]["held_out"],
                                                  report[name]["in_sample"]))
        if args.details and late:
            with args.details.open("w", encoding="utf-8") as f:
                for r, o, d in zip(recs, held, decided):
                    f.write(json.dumps({"set": r.item.set, "id": r.item.question.id,
                                        "negative": r.item.negative or None,
                                        "query": r.item.question.query,
                                        "answerable": r.item.answerable, "qtype": r.q.qtype,
                                        **{k: v for k, v in o.items()},
                                        "x": None if d is None else dict(zip(
                                            QUESTION_FEATURES, np.round(d["x"], 4).tolist()))},
                                       ensure_ascii=False) + "\n")
    embedding = searchers[None].embedder.name if None in searchers else next(
        iter(searchers.values())).embedder.name
    model = AnswerModel(embedding, variants, {
        "fitted_by": "python tools/calibrate_answers.py --write",
        "folds": args.folds,
        "negatives": list(made),
        "sets": sorted({r.item.set for r in recs}),
        "cv": {k: v["held_out"] for k, v in report.items()},
        "in_sample": {k: v["in_sample"] for k, v in report.items()},
    })
    if args.write:
        MODEL_FILE.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")
        print(f"\nwrote {MODEL_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
