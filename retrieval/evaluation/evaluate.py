"""Scoring a question file: hit@1, hit@5, MRR@10, nDCG@10 and answer accuracy.

The file format is the development set's (tab-separated, UTF-8, header row): ``id``, ``lang``,
``kind``, ``query``, ``anchors`` (exact substrings of the report separated by ``|``; the right
passage is any passage whose original text contains one of them) and ``answer_contains``
(optional; strings of which the answer must contain one). Extra columns are ignored. A file of
questions the documents cannot answer either has no ``anchors`` column at all (``id``, ``lang``,
``query``: every row is unanswerable) or an ``answerable`` column set to ``no``.

Passages are matched by anchors, not ids, so any segmentation can be scored.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fahras.errors import UsageError

CUTOFF = 10
REQUIRED_COLUMNS = ("id", "lang", "kind", "query", "anchors")
# A file of questions the documents cannot answer needs only these.
UNANSWERABLE_COLUMNS = ("id", "query")


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    kind: str
    query: str
    anchors: tuple[str, ...]
    answer_contains: tuple[str, ...] = ()
    answerable: bool = True


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in (cell or "").split("|") if s.strip())


def load_questions(path: str | Path) -> list[Question]:
    """Read a question file, refusing with a clear message one that is not in the format."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    except FileNotFoundError:
        raise UsageError("questions_not_found", path=path) from None
    except UnicodeDecodeError:
        raise UsageError("questions_not_utf8", path=path) from None
    if not rows:
        raise UsageError("questions_empty", path=path)
    no_anchors = "anchors" not in rows[0]  # a file of questions the documents cannot answer
    required = UNANSWERABLE_COLUMNS if no_anchors else REQUIRED_COLUMNS
    missing = [c for c in required if c not in rows[0]]
    if missing:
        raise UsageError("questions_columns", path=path, missing=", ".join(missing),
                         columns=", ".join(REQUIRED_COLUMNS),
                         unanswerable=", ".join(UNANSWERABLE_COLUMNS))
    out = []
    for row in rows:
        answerable = not no_anchors and (row.get("answerable") or "yes").strip().lower() not in (
            "no", "false", "0")
        out.append(Question(
            id=(row["id"] or "").strip(), lang=(row.get("lang") or "").strip(),
            kind=(row.get("kind") or "").strip(),
            query=row["query"] or "", anchors=_split(row.get("anchors")),
            answer_contains=_split(row.get("answer_contains")), answerable=answerable,
        ))
    return out


def is_relevant(text: str, anchors: Iterable[str]) -> bool:
    return any(a in text for a in anchors)


def first_relevant_rank(texts: Sequence[str], anchors: Sequence[str]) -> int | None:
    """1-based rank of the first passage text containing an anchor, or None."""
    for rank, text in enumerate(texts, start=1):
        if is_relevant(text, anchors):
            return rank
    return None


def ndcg(relevances: Sequence[bool], n_relevant: int, cutoff: int = CUTOFF) -> float:
    """Binary-relevance nDCG@cutoff (gain 1, discount log2(rank + 1))."""
    dcg = sum(1.0 / math.log2(r + 1) for r, rel in enumerate(relevances[:cutoff], start=1) if rel)
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(n_relevant, cutoff) + 1))
    return dcg / ideal if ideal else 0.0


@dataclass
class QuestionResult:
    question: Question
    rank: int | None
    ndcg: float
    top_id: str | None = None
    answer_text: str | None = None
    answer_found: bool | None = None

    @property
    def answer_correct(self) -> bool | None:
        if not self.question.answer_contains or self.answer_found is None:
            return None
        return answer_contains(self.answer_text or "", self.question.answer_contains)


_PAIR = re.compile(r"(\d+)/(\d+)")


def answer_contains(text: str, expected: Sequence[str]) -> bool:
    """Whether an answer contains one of the expected strings. An expected number pair also
    matches the other way round: the Arabic text of UN documents writes a symbol's session and
    resolution numbers in the other order (resolution 9/1 is «القرار 1/9»)."""
    for s in expected:
        if s in text:
            return True
        m = _PAIR.fullmatch(s)
        if m and re.search(rf"(?<![\d/]){m.group(2)}/{m.group(1)}(?![\d/])", text):
            return True
    return False


def score_ranking(question: Question, texts: Sequence[str], n_relevant: int,
                  top_id: str | None = None) -> QuestionResult:
    rels = [is_relevant(t, question.anchors) for t in texts[:CUTOFF]]
    return QuestionResult(question, first_relevant_rank(texts[:CUTOFF], question.anchors),
                          ndcg(rels, n_relevant), top_id)


@dataclass
class Metrics:
    n: int = 0
    hit1: float = 0.0
    hit5: float = 0.0
    mrr10: float = 0.0
    ndcg10: float = 0.0
    answer_n: int = 0
    answer_accuracy: float | None = None
    refused: float | None = None  # share of the answerable questions with no answer
    unanswerable_n: int = 0
    unanswerable_refused: float | None = None  # share of the unanswerable ones refused

    def to_json(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def aggregate(results: Sequence[QuestionResult]) -> Metrics:
    """Ranking metrics and answers over the answerable questions; refusals over both kinds."""
    unanswerable = [r for r in results if not r.question.answerable]
    results = [r for r in results if r.question.answerable]
    m = Metrics(n=len(results))
    refused = [r for r in unanswerable if r.answer_found is not None]
    m.unanswerable_n = len(refused)
    if refused:
        m.unanswerable_refused = sum(not r.answer_found for r in refused) / len(refused)
    if not results:
        return m
    m.hit1 = sum(r.rank == 1 for r in results) / m.n
    m.hit5 = sum(r.rank is not None and r.rank <= 5 for r in results) / m.n
    m.mrr10 = sum(1.0 / r.rank for r in results if r.rank) / m.n
    m.ndcg10 = sum(r.ndcg for r in results) / m.n
    graded = [r for r in results if r.answer_correct is not None]
    m.answer_n = len(graded)
    if graded:
        m.answer_accuracy = sum(bool(r.answer_correct) for r in graded) / len(graded)
    asked = [r for r in results if r.answer_found is not None]
    if asked:
        m.refused = sum(not r.answer_found for r in asked) / len(asked)
    return m


@dataclass
class Report:
    overall: Metrics
    by_lang: dict[str, Metrics] = field(default_factory=dict)
    by_kind: dict[str, Metrics] = field(default_factory=dict)
    results: list[QuestionResult] = field(default_factory=list)

    def to_json(self, details: bool = False) -> dict:
        d = {
            "overall": self.overall.to_json(),
            "by_lang": {k: v.to_json() for k, v in self.by_lang.items()},
            "by_kind": {k: v.to_json() for k, v in self.by_kind.items()},
        }
        if details:
            d["questions"] = [{
                "id": r.question.id, "lang": r.question.lang, "kind": r.question.kind,
                "query": r.question.query, "rank": r.rank, "top_id": r.top_id,
                "answer": r.answer_text, "answer_correct": r.answer_correct,
                "found": r.answer_found, "answerable": r.question.answerable,
            } for r in self.results]
        return d


def build_report(results: Sequence[QuestionResult]) -> Report:
    by_lang: dict[str, list] = defaultdict(list)
    by_kind: dict[str, list] = defaultdict(list)
    for r in results:
        by_lang[r.question.lang].append(r)
        by_kind[r.question.kind].append(r)
    return Report(
        overall=aggregate(results),
        by_lang={k: aggregate(v) for k, v in sorted(by_lang.items())},
        by_kind={k: aggregate(v) for k, v in sorted(by_kind.items())},
        results=list(results),
    )


def evaluate(questions: Sequence[Question], rank: Callable[[str], Sequence[tuple[str, str]]],
             corpus_texts: Sequence[str]) -> Report:
    """Score ``rank(query) -> [(passage id, passage text), ...]`` on answerable questions."""
    results = []
    for q in questions:
        if not q.answerable:
            continue
        ranked = rank(q.query)
        n_rel = sum(is_relevant(t, q.anchors) for t in corpus_texts)
        results.append(score_ranking(q, [t for _, t in ranked], n_rel,
                                     ranked[0][0] if ranked else None))
    return build_report(results)


def evaluate_searcher(searcher, questions: Sequence[Question], mode: str = "hybrid",
                      k: int = CUTOFF) -> Report:
    """Score a :class:`~fahras.retrieval.searcher.Searcher`: every question is asked once
    (:meth:`~fahras.retrieval.searcher.Searcher.ask`: one search gives both the ranking and
    the answer); ranking metrics on the answerable questions, answers and refusals on all
    (any engine: embedded or Milvus). A searcher without ``ask`` is scored on its rankings
    only."""
    texts = [p.text for p in searcher.passages if p.kind != "heading"]
    answers = hasattr(searcher, "ask")
    results = []
    for q in questions:
        asked = searcher.ask(q.query, k, mode=mode) if answers else searcher.search(q.query, k,
                                                                                    mode=mode)
        ranked = [h.text for h in asked.hits]
        top_id = asked.hits[0].id if asked.hits else None
        if q.answerable:
            n_rel = sum(is_relevant(t, q.anchors) for t in texts)
            r = score_ranking(q, ranked, n_rel, top_id)
        else:
            r = QuestionResult(q, None, 0.0, top_id)
        if answers:
            r.answer_text = asked.answer.text if asked.answer else None
            r.answer_found = asked.found
        results.append(r)
    return build_report(results)


def _fmt(v) -> str:
    return "   -" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)


def render_report(report: Report, details: bool = False) -> str:
    """A readable table of a report: overall, per language, per kind -- the ranking, answers
    and false refusals of the answerable questions, then the refusals of the unanswerable."""
    head = (f"{'':14}{'n':>5}{'hit@1':>8}{'hit@5':>8}{'MRR@10':>8}{'nDCG@10':>9}{'answer':>8}"
            f"{'false refusals':>16}")
    lines = [head, "-" * len(head)] if report.overall.n else []

    def row(name: str, m: Metrics) -> str:
        return (f"{name:14}{m.n:>5}{_fmt(m.hit1):>8}{_fmt(m.hit5):>8}{_fmt(m.mrr10):>8}"
                f"{_fmt(m.ndcg10):>9}{_fmt(m.answer_accuracy):>8}{_fmt(m.refused):>16}")

    def groups():
        yield "overall", report.overall
        for name, m in report.by_lang.items():
            if name:
                yield f"lang={name}", m
        for name, m in report.by_kind.items():
            if name:
                yield f"kind={name}", m

    o = report.overall
    if o.n:
        lines.extend(row(name, m) for name, m in groups() if m.n)
        lines.append("")
        lines.append(f"answer: share of the {o.answer_n} questions with answer_contains whose "
                     f"answer contains one; false refusals: share of the answerable questions "
                     f"given no answer")
    if o.unanswerable_n:
        if o.n:
            lines.append("")
        lines.append(f"{'unanswerable':14}{'n':>5}{'refused':>9}")
        lines.append("-" * 28)
        lines.extend(f"{name:14}{m.unanswerable_n:>5}{_fmt(m.unanswerable_refused):>9}"
                     for name, m in groups() if m.unanswerable_n)
        lines.append("")
        lines.append("refused: share of the questions the documents cannot answer given no "
                     "answer")
    if details:
        lines.append("")
        for r in report.results:
            if not r.question.answerable:
                mark = "ok " if r.answer_found is False else "ANSW"
                lines.append(f"{mark:5}{r.question.id:6} {'not in report':>8}  {r.question.query}"
                             + (f"  -> {r.answer_text[:80]}" if r.answer_text else ""))
                continue
            mark = "ok " if r.rank == 1 else ("top5" if r.rank and r.rank <= 5 else "MISS")
            answer = ""
            if r.answer_correct is not None:
                answer = "  answer ok" if r.answer_correct else "  answer WRONG"
            elif r.answer_found is False:
                answer = "  refused"
            lines.append(f"{mark:5}{r.question.id:6} rank={r.rank or '-':>2}  {r.question.query}"
                         f"{answer}")
    return "\n".join(lines)
