"""``ask``: one search, then the sentence that answers, cited -- or an honest refusal.

1. :meth:`Searcher.score` scores every passage (the question is encoded once); the hits are the
   search's own hits;
2. the candidate sentences and their features (:mod:`fahras.retrieval.answer.features`);
3. the chooser model scores them; the best is the answer (a sentence ending with a colon takes
   the list it introduces);
4. a query that only names a passage («التوصية 8», "paragraph 28 (e)") is answered from it;
   otherwise the refusal model gives P(answerable) from the question's features: above
   ``sure_above`` the answer stands, between the limits it is a likely answer
   (``reason_code`` ``likely_answer``), below ``refuse_below`` ``found`` is false and the reason names the evidence that weighed
   most against it (:mod:`fahras.retrieval.answer.reasons`); the closest passages are listed
   either way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from fahras.retrieval.answer.features import (
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    question_features,
    sentence_features,
)
from fahras.retrieval.answer.model import as_model, sigmoid
from fahras.retrieval.answer.question import Question
from fahras.retrieval.answer.reasons import Reason, refusal_reason
from fahras.retrieval.answer.table import sentence_table


@dataclass(frozen=True)
class Answer:
    """The answering sentence: the documents' own words and where they are."""

    text: str
    passage_id: str
    label_ar: str
    label_en: str
    start: int
    end: int
    score: float   # the chooser's probability that this sentence, of its candidates, answers

    def to_json(self) -> dict:
        return {"text": self.text, "passage_id": self.passage_id, "label_ar": self.label_ar,
                "label_en": self.label_en, "start": self.start, "end": self.end,
                "score": round(self.score, 6)}


@dataclass(frozen=True)
class Candidate:
    """The best sentence of a question (also when refused)."""

    row: int
    passage: int
    start: int
    end: int
    cosine: float
    score: float


@dataclass
class AskResult:
    query: str
    found: bool
    answer: Answer | None
    hits: list
    search: object = None                         # the SearchResult behind the hits
    best: Candidate | None = None                 # the best sentence, even when refused
    evidence: dict = field(default_factory=dict)  # the question features, by name
    reason: str | None = None                     # why no answer, or why only a likely one
    reason_code: str | None = None
    reason_params: dict = field(default_factory=dict)
    confidence: float | None = None               # P(answerable), from the refusal model
    passage: object = None                        # the answer's Passage
    timings: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "found": self.found,
            "answer": self.answer.to_json() if self.answer else None,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "reason_params": self.reason_params,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "hits": [h.to_json() for h in self.hits],
        }


def _answer_span(passage, table, row: int) -> tuple[int, int]:
    """The sentence, extended to the end of the list it introduces when it ends with a colon."""
    pi, start, end = table.span(row)
    if passage.text[start:end].rstrip().endswith(":"):
        after = [r for r in table.rows_of(pi) if table.span(r)[1] >= end]
        if after:
            end = table.span(after[-1])[2]
    return start, end


def ask(searcher, question: str, k: int = 5, *, kinds=None, parts=None, docs=None,
        mode: str = "hybrid", years=None, langs=None, model=None) -> AskResult:
    """Answer a question with a sentence of the documents, or say that it is not there
    (``searcher``: any engine, :class:`fahras.retrieval.engine.Engine`)."""
    from fahras.errors import UsageError
    from fahras.retrieval.filters import DEFAULT_KINDS
    from fahras.retrieval.scoring import MAX_K

    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise UsageError("k_not_whole")
    k = min(k, MAX_K)
    scored = searcher.score(question, kinds=kinds or DEFAULT_KINDS, parts=parts, docs=docs,
                            mode=mode, years=years, langs=langs)
    return answer_scored(searcher, scored, k, model=model)


@dataclass
class Decision:
    """Everything :func:`decide` weighed (the fitting tool reads it too)."""

    question: Question
    pool: object = None
    logits: np.ndarray | None = None
    best: int | None = None
    evidence: object = None
    contributions: dict = field(default_factory=dict)
    p_answerable: float | None = None


def decide(searcher, scored, variant, order: list[int] | None = None) -> Decision:
    q = Question.of(searcher, scored)
    d = Decision(q)
    pool = sentence_features(searcher, scored, q, order)
    if pool is None:
        return d
    d.pool = pool
    d.logits = variant.chooser.logit(pool.X, SENTENCE_FEATURES)
    d.best = int(np.lexsort((np.array(pool.rows), -d.logits))[0])  # ties: reading order
    d.evidence = question_features(searcher, scored, q, pool, d.logits, d.best)
    contrib = variant.refusal.contributions(d.evidence.x, QUESTION_FEATURES)[0]
    d.contributions = dict(zip(variant.refusal.features, map(float, contrib)))
    d.p_answerable = float(sigmoid(contrib.sum() + variant.refusal.intercept))
    return d


def answer_scored(searcher, scored, k: int, *, model=None) -> AskResult:
    """:func:`ask` once the passages are scored (the fitting tool reuses one ``Scored``)."""
    model = as_model(model)
    t0 = time.perf_counter()
    result = searcher.result(scored, k)
    order = scored.order()
    dense = scored.query_vector is not None and searcher.n_sentences > 0
    late = scored.query_tokens is not None and searcher.token_states is not None
    variant = model.variant(getattr(searcher.embedder, "name", None) if dense else None, dense,
                            late)
    d = decide(searcher, scored, variant, order)
    out = AskResult(result.query, False, None, result.hits, result)
    if d.pool is None:
        _set_reason(out, Reason("refuse_filters"))
    else:
        table = sentence_table(searcher)
        row, pi = d.pool.rows[d.best], d.pool.passages[d.best]
        _, start, end = table.span(row)
        prob = float(d.evidence.x[QUESTION_FEATURES.index("best_share")])
        out.best = Candidate(row, pi, start, end, float(d.pool.cos[d.best]), prob)
        out.evidence = dict(zip(QUESTION_FEATURES, map(float, d.evidence.x)))
        out.confidence = d.p_answerable
        named = d.pool.pinned and scored.analysis.only_ref  # «التوصية 8»: that passage
        if d.p_answerable < variant.refuse_below and not named:
            _set_reason(out, refusal_reason(d.evidence, d.contributions, d.question.qtype,
                                            len(d.question.units)))
        else:
            passage = searcher.passages[pi]
            start, end = _answer_span(passage, table, row)
            label_ar, label_en = passage.cite_labels(start)
            out.found, out.passage = True, passage
            out.answer = Answer(passage.text[start:end], passage.id, label_ar, label_en,
                                start, end, prob)
            if d.p_answerable < variant.sure_above and not named:
                _set_reason(out, Reason("likely_answer", {"confidence": d.p_answerable}))
    out.timings = dict(scored.timings)
    out.timings["answer_ms"] = (time.perf_counter() - t0) * 1000
    out.timings["total_ms"] = scored.timings.get("total_ms", 0.0) + out.timings["answer_ms"]
    return out


def _set_reason(out: AskResult, reason: Reason) -> None:
    from fahras.messages import jsonable

    message = reason.message()
    out.reason, out.reason_code, out.reason_params = str(message), reason.code, jsonable(
        message.params)
