"""Fahras side by side with what a researcher would otherwise use, on one question file.

    fahras eval ../shared/eval/dev.tsv --compare          # a readable table
    fahras eval tests/data/heldout.tsv --compare --json   # the same as JSON

Five configurations rank the same passages (the report's paragraphs and recommendations, what
a search returns by default) for every question, and are scored with the same metrics
(:mod:`fahras.retrieval.evaluation.evaluate`: hit@1, hit@5, MRR@10, nDCG@10 over the top 10):

- ``ctrl-f`` -- a **baseline**, what Ctrl-F in a PDF amounts to: a passage's score is the number
  of the query's whitespace-separated words found verbatim in its raw text (case-insensitive,
  as a PDF viewer's search is); passages with none are not listed; ties keep the report's order.
- ``bm25-naive`` -- a **baseline**, the naive use of rank-bm25: ``rank_bm25.BM25Okapi`` with its
  defaults over ``text.split()`` of each passage, queried with ``query.split()``; passages
  sharing no token with the query are not listed; ties keep the report's order.
- ``lexical``, ``dense``, ``hybrid`` -- Fahras itself (:class:`~fahras.retrieval.searcher.Searcher`
  with ``mode=`` lexical only, dense only, or the default hybrid): the product's own code,
  switched by its option. The hybrid configuration is scored through ``ask`` (as
  ``fahras eval`` is), so it also gets answer accuracy and refusal rates.

A query's vector is computed once and reused by the dense and hybrid configurations (the
encoder is deterministic; this changes no result, only the time the table takes).

:data:`TARGETS` are the goals other issues set for the default (hybrid) configuration; the
comparison reports each one as met or missed on the file it was run on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fahras.errors import UsageError
from fahras.retrieval.evaluation.evaluate import (
    CUTOFF,
    Question,
    Report,
    _fmt,
    evaluate,
    evaluate_searcher,
    load_questions,
)


# -- the baselines ----------------------------------------------------------------------------
class WordOverlapBaseline:
    """Baseline "Ctrl-F": count of the query's whitespace words found verbatim (ignoring case)
    in a passage's raw text."""

    name = "ctrl-f"

    def __init__(self, passages: Sequence):
        self.passages = list(passages)
        self._texts = [p.text.casefold() for p in self.passages]

    def scores(self, query: str) -> np.ndarray:
        words = query.casefold().split()
        return np.array([sum(w in text for w in words) for text in self._texts], dtype=float)

    def rank(self, query: str, k: int = CUTOFF) -> list:
        s = self.scores(query)
        order = np.argsort(-s, kind="stable")
        return [self.passages[i] for i in order[:k] if s[i] > 0]


class NaiveBM25Baseline:
    """Baseline "rank-bm25 on whitespace tokens": ``BM25Okapi`` with its defaults over
    ``text.split()``; only passages sharing a token with the query are listed."""

    name = "bm25-naive"

    def __init__(self, passages: Sequence):
        from rank_bm25 import BM25Okapi

        self.passages = list(passages)
        self._tokens = [set(p.text.split()) for p in self.passages]
        self.bm25 = BM25Okapi([p.text.split() for p in self.passages])

    def scores(self, query: str) -> np.ndarray:
        return np.asarray(self.bm25.get_scores(query.split()), dtype=float)

    def rank(self, query: str, k: int = CUTOFF) -> list:
        words = set(query.split())
        s = self.scores(query)
        order = np.argsort(-s, kind="stable")
        return [self.passages[i] for i in order if words & self._tokens[i]][:k]


# -- configurations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Configuration:
    name: str
    label: str
    baseline: bool
    answers: bool = False  # scored through ``ask``: answer accuracy and refusals


CONFIGURATIONS = (
    Configuration("ctrl-f", "Ctrl-F (query words in raw text)", baseline=True),
    Configuration("bm25-naive", "rank-bm25 on text.split()", baseline=True),
    Configuration("lexical", "Fahras lexical only", baseline=False),
    Configuration("dense", "Fahras dense only", baseline=False),
    Configuration("hybrid", "Fahras hybrid (default)", baseline=False, answers=True),
)
BY_NAME = {c.name: c for c in CONFIGURATIONS}


@dataclass(frozen=True)
class Target:
    issue: str
    what: str
    group: str        # "overall", "lang=en", ...
    metric: str       # a Metrics attribute
    op: str           # ">=" or "<"
    limit: float

    def check(self, report: Report) -> dict:
        kind, _, name = self.group.partition("=")
        m = (report.overall if kind == "overall" else
             (report.by_lang if kind == "lang" else report.by_kind).get(name))
        value = getattr(m, self.metric, None) if m is not None else None
        if value is not None and self.metric in ("hit1", "hit5", "mrr10", "ndcg10") and not m.n:
            value = None
        if value is not None and self.metric == "unanswerable_refused" and not m.unanswerable_n:
            value = None
        met = None
        if value is not None:
            met = value >= self.limit if self.op == ">=" else value < self.limit
        return {"issue": self.issue, "what": self.what, "target": f"{self.op} {self.limit:g}",
                "value": None if value is None else round(value, 4), "met": met}


# The goals other issues set for the default configuration (quality; speed is `python tools/bench.py`).
TARGETS = (
    Target("issue 3", "hit@1 overall", "overall", "hit1", ">=", 0.85),
    Target("issue 3", "hit@5 overall", "overall", "hit5", ">=", 0.95),
    Target("issue 3", "Arabic hit@1", "lang=ar", "hit1", ">=", 0.90),
    Target("issue 3", "English hit@1", "lang=en", "hit1", ">=", 0.75),
    Target("issue 5", "English hit@1", "lang=en", "hit1", ">=", 0.85),
    Target("issue 5", "English hit@5", "lang=en", "hit5", ">=", 0.95),
    Target("issue 4", "answer accuracy", "overall", "answer_accuracy", ">=", 0.90),
    Target("issue 4", "unanswerable questions refused", "overall", "unanswerable_refused",
           ">=", 0.90),
    Target("issue 4", "answerable questions refused", "overall", "refused", "<", 0.05),
)


@dataclass
class Comparison:
    source: str
    questions: list[Question]
    n_passages: int
    reports: dict[str, Report] = field(default_factory=dict)  # configuration name -> report

    @property
    def configurations(self) -> list[Configuration]:
        return [BY_NAME[n] for n in self.reports]

    def targets(self) -> list[dict]:
        default = self.reports.get("hybrid")
        if default is None:
            return []
        return [t.check(default) for t in TARGETS]

    def question_rows(self) -> list[dict]:
        """Each question's rank (1-10, None beyond) and top passage under every configuration,
        and the default configuration's answer."""
        by_config = {name: {id(r.question): r for r in rep.results}
                     for name, rep in self.reports.items()}
        rows = []
        for q in self.questions:
            row = {"id": q.id, "lang": q.lang, "kind": q.kind, "query": q.query,
                   "answerable": q.answerable, "rank": {}, "top_id": {}}
            for name, results in by_config.items():
                r = results.get(id(q))
                row["rank"][name] = r.rank if r is not None else None
                row["top_id"][name] = r.top_id if r is not None else None
                if r is not None and r.answer_found is not None:
                    row.update(found=r.answer_found, answer=r.answer_text,
                               answer_correct=r.answer_correct)
            rows.append(row)
        return rows

    def to_json(self, details: bool = False) -> dict:
        answerable = sum(q.answerable for q in self.questions)
        d = {
            "file": self.source,
            "k": CUTOFF,
            "passages": self.n_passages,
            "questions": {"total": len(self.questions), "answerable": answerable,
                          "unanswerable": len(self.questions) - answerable},
            "configurations": [
                {"name": c.name, "label": c.label, "baseline": c.baseline,
                 **self.reports[c.name].to_json()} for c in self.configurations],
            "targets": self.targets(),
        }
        if details:
            d["question_results"] = self.question_rows()
        return d


@contextlib.contextmanager
def query_vectors_cached(searcher):
    """Within the block, a query text is encoded once (the dense and hybrid configurations
    would otherwise encode every question again)."""
    own = vars(searcher).get("encode_query")  # set on the instance by someone else, or None
    encode = searcher.encode_query
    cache: dict[str, np.ndarray] = {}

    def encode_query(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = encode(text)
        return cache[text]

    searcher.encode_query = encode_query
    try:
        yield searcher
    finally:
        if own is None:
            del searcher.encode_query  # back to the class's method
        else:
            searcher.encode_query = own


def ranked_passages(searcher) -> list:
    """The passages every configuration ranks: those a search returns by default."""
    from fahras.retrieval.searcher import DEFAULT_KINDS

    passages = getattr(searcher, "passages", None)
    if not isinstance(passages, list):
        raise UsageError("compare_needs_embedded")
    return [p for p in passages if p.kind in DEFAULT_KINDS]


def compare(searcher, questions: Sequence[Question], configurations: Sequence[str] | None = None,
            source: str = "") -> Comparison:
    """Score every configuration on ``questions`` (see the module docstring)."""
    names = list(configurations or BY_NAME)
    if configurations is None and not any(q.answerable for q in questions):
        # Nothing to rank (a file of questions the report cannot answer): only the refusals
        # of the configuration that answers mean anything.
        names = [n for n in names if BY_NAME[n].answers]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise UsageError("unknown_configuration", name=unknown[0], choices=", ".join(BY_NAME))
    pool = ranked_passages(searcher)
    texts = [p.text for p in pool]
    out = Comparison(source, list(questions), len(pool))

    def as_pairs(passages):
        return [(p.id, p.text) for p in passages]

    with query_vectors_cached(searcher):
        for name in names:
            if name == "ctrl-f":
                base = WordOverlapBaseline(pool)
                out.reports[name] = evaluate(questions, lambda q: as_pairs(base.rank(q)), texts)
            elif name == "bm25-naive":
                bm25 = NaiveBM25Baseline(pool)
                out.reports[name] = evaluate(questions, lambda q: as_pairs(bm25.rank(q)), texts)
            elif name == "hybrid":
                out.reports[name] = evaluate_searcher(searcher, questions, mode="hybrid")
            else:
                out.reports[name] = evaluate(
                    questions, lambda q, m=name: [(h.id, h.text) for h in
                                                  searcher.search(q, CUTOFF, mode=m).hits],
                    texts)
    return out


def compare_file(searcher, path: str | Path,
                 configurations: Sequence[str] | None = None) -> Comparison:
    return compare(searcher, load_questions(path), configurations, source=str(path))


# -- rendering --------------------------------------------------------------------------------
def render_comparison(c: Comparison, details: bool = False) -> str:
    """One readable table: for overall, each language and each kind of question, a row per
    configuration."""
    q = c.to_json()["questions"]
    lines = [f"{c.source}: {q['total']} questions ({q['answerable']} answerable, "
             f"{q['unanswerable']} not answerable by the report); top {CUTOFF} of "
             f"{c.n_passages} passages (paragraphs and recommendations)", ""]
    width = max(len(conf.label) for conf in c.configurations) + 4
    first = next(iter(c.reports.values()), None)
    if first is not None and first.overall.n:
        head = (f"{'':{width}}{'n':>5}{'hit@1':>8}{'hit@5':>8}{'MRR@10':>8}{'nDCG@10':>9}"
                f"{'answer':>8}{'refused':>9}")
        lines += [head, "-" * len(head)]
        groups = [("overall", lambda r: r.overall)]
        groups += [(f"lang={k}", lambda r, k=k: r.by_lang.get(k)) for k in first.by_lang]
        groups += [(f"kind={k}", lambda r, k=k: r.by_kind.get(k)) for k in first.by_kind]
        for title, pick in groups:
            m0 = pick(first)
            if m0 is None or not m0.n:
                continue
            lines.append(f"{title:{width}}{m0.n:>5}")
            for conf in c.configurations:
                m = pick(c.reports[conf.name])
                answer = _fmt(m.answer_accuracy) if conf.answers else "   -"
                refused = _fmt(m.refused) if conf.answers else "   -"
                lines.append(f"  {conf.label:{width - 2}}{'':>5}{_fmt(m.hit1):>8}"
                             f"{_fmt(m.hit5):>8}{_fmt(m.mrr10):>8}{_fmt(m.ndcg10):>9}"
                             f"{answer:>8}{refused:>9}")
    else:
        lines.append("No answerable questions: no ranking to score.")
    lines.append("")
    if any(conf.baseline for conf in c.configurations):
        lines.append("Baselines: Ctrl-F = number of the query's words found verbatim in a "
                     "passage (case-insensitive); rank-bm25 = BM25Okapi defaults on whitespace "
                     "tokens.")
    lines.append("answer: share of the rows with answer_contains whose answer contains one "
                 "(hybrid = fahras ask); refused: share of the answerable rows given no answer.")
    hybrid = c.reports.get("hybrid")
    if hybrid is not None and hybrid.overall.unanswerable_n:
        o = hybrid.overall
        lines.append(f"Questions the report cannot answer: {o.unanswerable_n}, refused "
                     f"{_fmt(o.unanswerable_refused)}.")
    targets = [t for t in c.targets() if t["met"] is not None]
    if targets:
        lines += ["", "Targets (default configuration, on this file):"]
        for t in targets:
            state = "met   " if t["met"] else "MISSED"
            lines.append(f"  {state} {t['issue']}: {t['what']} {t['target']} "
                         f"(got {t['value']:.3f})")
    if details:
        names = [conf.name for conf in c.configurations]
        lines += ["", "rank of the first right passage per configuration (- = not in the top "
                  f"{CUTOFF}): " + " ".join(names)]
        for row in c.question_rows():
            if not row["answerable"]:
                continue
            ranks = " ".join(f"{row['rank'][n] or '-':>{max(len(n), 2)}}" for n in names)
            lines.append(f"{row['id']:8}{ranks}  {row['query']}")
    return "\n".join(lines)
