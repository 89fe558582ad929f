"""What a search returns: :class:`Hit` s (a passage, its scores, its document's citation, its
other-language versions) in a :class:`SearchResult`, made from a query's
:class:`~fahras.retrieval.scoring.Scored` by :func:`search_result` on any engine."""

from __future__ import annotations

from dataclasses import dataclass, field

from fahras.index.report import Passage
from fahras.retrieval.query import QueryAnalysis


@dataclass
class Hit:
    rank: int
    passage: Passage
    score: float
    lexical: float
    dense: float
    pinned: bool = False
    document: dict | None = None  # citation metadata of the passage's document
    linked: list[dict] = field(default_factory=list)  # its other-language versions

    def __getattr__(self, name):  # id, kind, number, label_ar... come from the passage
        if name == "passage":
            raise AttributeError(name)
        return getattr(self.passage, name)

    def to_json(self) -> dict:
        p = self.passage
        return {
            "rank": self.rank, "id": p.id, "kind": p.kind, "number": p.number,
            "label_ar": p.label_ar, "label_en": p.label_en, "section": p.section,
            "section_en": p.section_en, "part": p.part, "doc": p.doc, "text": p.text,
            "score": round(self.score, 6),
            "scores": {"lexical": round(self.lexical, 6), "dense": round(self.dense, 6)},
            "pinned": self.pinned,
            "document": self.document,
            "linked": self.linked,
        }


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    analysis: QueryAnalysis
    expansions: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "hits": [h.to_json() for h in self.hits],
            "expansions": self.expansions,
            "notes": self.notes,
            "took_ms": round(self.timings.get("total_ms", 0.0), 2),
        }


def search_result(engine, scored, k: int) -> SearchResult:
    """The ``k`` first passages of a scored query as hits: pinned ones first (scored at least
    as the best), then by fused score."""
    order = scored.order()[:k]
    top = float(scored.fused[scored.eligible].max()) if scored.eligible.any() else 0.0
    linked = engine.linked(order)
    hits = []
    for rank, i in enumerate(order, start=1):
        pinned = i in scored.pinned
        score = max(float(scored.fused[i]), top) if pinned else float(scored.fused[i])
        p = engine.passages[i]
        hits.append(Hit(rank, p, score, float(scored.lexical[i]), float(scored.dense[i]),
                        pinned, engine.citation(p.doc), linked.get(i, [])))
    return SearchResult(scored.analysis.text, hits, scored.analysis, scored.expansions,
                        scored.notes, scored.timings)
