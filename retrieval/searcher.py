"""The search API that the CLI and the UI call: ``Searcher.open().search(query, k)``.

One search:
1. the query is analyzed (:mod:`fahras.retrieval.query`): script, terms, structural reference;
2. lexical scores: BM25 over the analyzed terms (:mod:`fahras.retrieval.lexical`);
3. dense scores: the query embedded once with the model's ``query`` prompt; a passage scores
   the mean of its own cosine and its best sentence's cosine (a long paragraph is often about
   several things; its best sentence says whether one of them is the question's);
4. fusion (:mod:`fahras.retrieval.fusion`): each candidate passage's evidence (both sides'
   scores, how much of the query each side reached, ranks, margins: see
   :mod:`fahras.retrieval.rank_features`) weighed by the fitted linear model; its softmax over
   the candidates is the passage's score (its probability of being the passage sought). With
   an embedding model the fusion was not fitted for, min-max normalized scores are combined with
   weights by the query's script. A passage named by the query («التوصية 8») is put first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fahras import config
from fahras.errors import UsageError
from fahras.messages import Message
from fahras.index import store
from fahras.index.report import KINDS, PART_LABELS, Passage
from fahras.retrieval import fusion
from fahras.retrieval import query as query_mod
from fahras.retrieval import rank_features
from fahras.retrieval.arabic import normalize
from fahras.retrieval.corpus import CorpusMeta
from fahras.retrieval.crosslingual.expander import CrossLingualExpander
from fahras.retrieval.dense import DenseIndex
from fahras.retrieval.lexical_fast import make_lexical_index
from fahras.retrieval.query import (
    SPECIFIC_SHARE,
    QueryAnalysis,
    analyze_query,
)

DEFAULT_KINDS = ("paragraph", "recommendation")
MODES = ("hybrid", "lexical", "dense")
MAX_QUERY_CHARS = 5000
MAX_K = 100


def check_parts(parts) -> None:
    """Refuse a part name that does not exist (as an unknown kind is): a typo would
    otherwise filter out every passage and look like "nothing found"."""
    unknown = set(parts) - set(PART_LABELS)
    if unknown:
        raise UsageError("unknown_part", part=sorted(unknown)[0], choices=", ".join(PART_LABELS))


# Weight of a passage's own cosine against its best sentence's cosine in its dense score.
PASSAGE_VS_SENTENCE = 0.5


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


@dataclass
class Scored:
    """Scores of every passage for one query (arrays aligned with ``Searcher.passages``)."""

    analysis: QueryAnalysis
    fused: np.ndarray
    lexical: np.ndarray
    dense: np.ndarray
    eligible: np.ndarray
    pinned: list[int]
    expansions: list[dict]
    notes: list[str]
    timings: dict[str, float]
    query_vector: np.ndarray | None = None
    signals: rank_features.Signals | None = None  # hybrid mode: what the fusion weighed

    def order(self) -> list[int]:
        """Eligible passages, pinned first, then by fused score (ties: reading order)."""
        idx = np.flatnonzero(self.eligible)
        rest = idx[np.lexsort((idx, -self.fused[idx]))]
        pinned = [i for i in self.pinned if self.eligible[i]]
        return pinned + [int(i) for i in rest if i not in pinned]


def check_query(query: str) -> str:
    """Refuse what cannot be searched, with a message a user understands."""
    if not isinstance(query, str):
        raise UsageError("query_not_text")
    # Lone surrogates (undecodable bytes passed through) are not text: U+FFFD instead.
    q = query.encode("utf-16", "surrogatepass").decode("utf-16", "replace").strip()
    if not q:
        raise UsageError("query_empty")
    if len(q) > MAX_QUERY_CHARS:
        raise UsageError("query_too_long", n=len(q), limit=MAX_QUERY_CHARS)
    # Letters or digits that survive normalization (tatweel alone, say, normalizes to nothing).
    if not any(c.isalnum() for c in normalize(q)):
        raise UsageError("query_no_letters")
    return q


class Searcher:
    """Hybrid search over one index. Cheap to query; the model loads on first dense use."""

    def __init__(self, data: store.IndexData, model: str | None = None,
                 index_dir: Path | None = None):
        self.data = data
        self.index_dir = index_dir
        self.model_spec = config.model_spec(model)
        self.passages: list[Passage] = data.passages
        self.documents = data.documents
        self._by_id = {p.id: i for i, p in enumerate(self.passages)}
        self.lexical = make_lexical_index(data.terms)  # rank-bm25 or bm25s, by corpus size
        self.dense = DenseIndex(data.vectors, cache=self._graph_cache("vectors.npy"))
        self.sentence_rows = np.asarray(data.sentences, dtype=np.int64).reshape(-1, 3)
        self.sentence_dense = DenseIndex(data.sentence_vectors, cache=self._graph_cache(
            "sentence_vectors.npy")) if len(self.sentence_rows) else None
        self._embedder = None
        # English query -> Arabic terms for the lexical side (glossary, names); None: no expansion.
        self.expander = CrossLingualExpander.for_searcher(self)
        self.corpus = CorpusMeta(data.documents, data.passages)  # citations, filters, versions
        self._previous = rank_features.previous_passages(self.passages)
        self._kinds = np.array([p.kind for p in self.passages])
        self.fitted_fusion = fusion.default_fusion()  # None or another model: script weights

    def _graph_cache(self, name: str) -> Path | None:
        """Where an HNSW graph over the index's ``name`` vectors is kept between opens (beside
        the generations, named by the file's sha256 in the manifest)."""
        from fahras.retrieval.dense import cache_name

        sha = ((self.data.manifest.get("files") or {}).get(name) or {}).get("sha256")
        if self.index_dir is None or not sha:
            return None
        return Path(self.index_dir) / "cache" / cache_name(sha)

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, index_dir: str | Path | None = None, model: str | None = None,
             build_if_missing: bool = True, progress: bool = False) -> "Searcher":
        """Open an index (building it from the bundled report if there is none yet), after
        checking that it was built by this Fahras with the same model."""
        from fahras.index.builder import build_index, check_compatible
        from fahras.index.embedder import identity

        index_dir = Path(index_dir) if index_dir else config.default_index_dir()
        if not store.exists(index_dir) and build_if_missing:
            build_index(index_dir=index_dir, model=model, progress=progress)
        _, manifest = store.read_manifest(index_dir)
        name, sha, _dim = identity(model)
        check_compatible(index_dir, manifest, name, sha)
        return cls(store.read_index(index_dir), model=model, index_dir=index_dir)

    @property
    def speller(self):
        """Typo tolerance for Arabic query words the index lacks (built on first need)."""
        if getattr(self, "_speller", None) is None:
            from fahras.retrieval.spelling import Speller

            self._speller = Speller(self.lexical.vocabulary(), self.lexical.doc_freq)
        return self._speller

    @property
    def embedder(self):
        if self._embedder is None:
            from fahras.index.embedder import get_embedder

            self._embedder = get_embedder(self.model_spec)
        return self._embedder

    def warm_up(self) -> None:
        """Load the model now (a server does this once at start-up)."""
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()  # a session made for many queries (index/onnx_encoder.py)
        self.encode_query("تهريب المهاجرين")
        from fahras.retrieval.answer import sentence_table

        sentence_table(self)  # what ``ask`` reads about every sentence, built once
        if hasattr(self.expander, "warm_up"):
            self.expander.warm_up()

    def encode_query(self, text: str) -> np.ndarray:
        return self.embedder.encode_queries([text])[0]

    # -- lookup --------------------------------------------------------------------------
    def passage(self, passage_id: str) -> Passage:
        try:
            return self.passages[self._by_id[passage_id]]
        except KeyError:
            raise UsageError("no_passage_id", id=passage_id) from None

    def find(self, kind: str, number: str) -> list[int]:
        return [i for i, p in enumerate(self.passages) if p.kind == kind and p.number == number]

    # -- scoring -------------------------------------------------------------------------
    def dense_parts(self, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each passage's cosine with the query, and its best sentence's (its own cosine for a
        passage without sentences)."""
        passage_cos = self.dense.scores(qvec)
        if self.sentence_dense is None:
            return passage_cos, passage_cos.copy()
        sent_cos = self.sentence_dense.scores(qvec)
        best = np.full(len(self.passages), -np.inf)
        np.maximum.at(best, self.sentence_rows[:, 0], sent_cos)
        return passage_cos, np.where(np.isfinite(best), best, passage_cos)

    def dense_scores(self, qvec: np.ndarray) -> np.ndarray:
        """Each passage's dense score: mean of its cosine and its best sentence's cosine."""
        passage_cos, best = self.dense_parts(qvec)
        return PASSAGE_VS_SENTENCE * passage_cos + (1 - PASSAGE_VS_SENTENCE) * best

    def fusion_applies(self) -> bool:
        """Whether the fitted fusion holds for this searcher's embedding model."""
        f = self.fitted_fusion
        return f is not None and f.holds_for(getattr(self.embedder, "name", None),
                                             rank_features.FEATURES)

    def signals(self, analysis: QueryAnalysis, expansions: list[dict], terms: dict,
                lexical: np.ndarray, passage_cos: np.ndarray,
                sentence_cos: np.ndarray) -> rank_features.Signals:
        return rank_features.Signals(
            lexical, passage_cos, sentence_cos, terms,
            rank_features.reach(analysis, expansions, self.lexical.doc_freq), analysis.latin,
            rank_features.kinds_named(analysis.normalized))

    def features(self, sig: rank_features.Signals, eligible: np.ndarray):
        """The candidates of a query and their feature matrix (what the fitted fusion weighs)."""
        rows = rank_features.candidates(eligible, sig)
        return rows, rank_features.matrix(sig, rows, self.lexical, self._previous, self._kinds)

    def lexical_query(self, analysis: QueryAnalysis, expansions: list[dict]) -> dict[str, float]:
        """Weighted lexical terms: all of an Arabic query's; a Latin query's specific ones, plus
        its Arabic expansions. A joined token is matched whole when the index has it."""
        terms = []
        for group in analysis.groups or tuple((t,) for t in analysis.terms):
            # A joined token found whole in the index (a document symbol, «تموز/يوليه») is
            # matched whole; its parts count only when the whole is unknown.
            whole = len(group) > 1 and self.lexical.doc_freq(group[0]) > 0
            terms.extend(group[:1] if whole else group[1:] if len(group) > 1 else group)
        if analysis.latin:
            limit = max(2, SPECIFIC_SHARE * self.lexical.n_docs)
            weights = {t: 1.0 for t in terms if 0 < self.lexical.doc_freq(t) <= limit}
        else:
            weights = {t: 1.0 for t in terms}
        for exp in expansions:
            for term in exp.get("terms", ()):
                weights[term] = max(weights.get(term, 0.0), float(exp.get("weight", 0.5)))
        return weights

    def score(self, query: str, *, kinds=DEFAULT_KINDS, parts=None, docs=None,
              mode: str = "hybrid", years=None, langs=None) -> Scored:
        """Score every passage for a query (the work behind :meth:`search`)."""
        if mode not in MODES:
            raise UsageError("unknown_mode", mode=mode, choices=", ".join(MODES))
        q = check_query(query)
        if mode != "lexical":
            self.embedder  # a one-time model load is not part of a search's time
        t0 = time.perf_counter()
        analysis = analyze_query(q)
        timings: dict[str, float] = {}
        notes: list[str] = []
        expansions = self.expander(analysis) if (self.expander and mode != "dense") else []
        if mode != "dense" and analysis.script == "arabic":
            expansions = expansions + self.speller.corrections(q)

        n = len(self.passages)
        eligible = np.ones(n, dtype=bool)
        kinds = tuple(kinds) if kinds else KINDS
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise UsageError("unknown_kind", kind=sorted(unknown)[0], choices=", ".join(KINDS))
        eligible &= np.array([p.kind in kinds for p in self.passages])
        if parts:
            check_parts(parts)
            eligible &= np.array([p.part in parts for p in self.passages])
        if docs:
            eligible &= np.array([p.doc in docs for p in self.passages])
        meta_mask = self.corpus.mask(years, langs)
        if meta_mask is not None:
            eligible &= meta_mask

        lexical = np.zeros(n)
        strongest = 0.0  # the largest weight of a query term the index has
        query_terms: dict[str, float] = {}
        if mode in ("hybrid", "lexical"):
            t = time.perf_counter()
            query_terms = self.lexical_query(analysis, expansions)
            strongest = max((w for term, w in query_terms.items() if self.lexical.doc_freq(term)),
                            default=0.0)
            lexical = self.lexical.scores(query_terms)
            timings["lexical_ms"] = (time.perf_counter() - t) * 1000
        dense = np.zeros(n)
        qvec = None
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            qvec = self.encode_query(q)
            timings["encode_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            passage_cos, sentence_cos = self.dense_parts(qvec)
            dense = PASSAGE_VS_SENTENCE * passage_cos + (1 - PASSAGE_VS_SENTENCE) * sentence_cos
            timings["dense_ms"] = (time.perf_counter() - t) * 1000

        idx = np.flatnonzero(eligible)
        fused = np.zeros(n)
        sig = None
        if mode == "hybrid":
            sig = self.signals(analysis, expansions, query_terms, lexical, passage_cos,
                               sentence_cos)
        if len(idx):
            if mode == "lexical":
                fused[idx] = lexical[idx]
            elif mode == "dense":
                fused[idx] = dense[idx]
            elif self.fusion_applies():
                rows, feats = self.features(sig, eligible)
                fused[rows] = fusion.softmax_linear(feats, self.fitted_fusion.weights)
            else:
                w = query_mod.fusion_weights(
                    analysis, strongest if lexical[idx].max(initial=0) > 0 else 0.0)
                runs = [{int(i): lexical[i] for i in idx}, {int(i): dense[i] for i in idx}]
                combined = fusion.interpolate(runs, w)
                for i, s in combined.items():
                    fused[i] = s

        pinned: list[int] = []
        if analysis.ref is not None:
            pinned = self.find(analysis.ref.kind, analysis.ref.number)
            if not pinned:
                notes.append(Message("note_no_paragraph" if analysis.ref.kind == "paragraph"
                                     else "note_no_recommendation", number=analysis.ref.number))
        # Passages citing a document symbol the query names come next, best first.
        citing = {i for code in analysis.codes for i in self.lexical.passages_with(code)}
        pinned += sorted(citing - set(pinned), key=lambda i: (-fused[i], i))
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return Scored(analysis, fused, lexical, dense, eligible, pinned, expansions, notes,
                      timings, qvec, sig)

    def search(self, query: str, k: int = 10, *, kinds=DEFAULT_KINDS, parts=None, docs=None,
               mode: str = "hybrid", years=None, langs=None) -> SearchResult:
        """The ``k`` best passages for a query (Arabic or English), best first."""
        if not isinstance(k, int) or k < 1:
            raise UsageError("k_not_whole")
        k = min(k, MAX_K)
        scored = self.score(query, kinds=kinds, parts=parts, docs=docs, mode=mode, years=years,
                            langs=langs)
        return self.result(scored, k)

    def result(self, scored: Scored, k: int) -> SearchResult:
        order = scored.order()[:k]
        top = float(scored.fused[scored.eligible].max()) if scored.eligible.any() else 0.0
        hits = []
        for rank, i in enumerate(order, start=1):
            pinned = i in scored.pinned
            score = max(float(scored.fused[i]), top) if pinned else float(scored.fused[i])
            hits.append(Hit(rank, self.passages[i], score, float(scored.lexical[i]),
                            float(scored.dense[i]), pinned,
                            self.corpus.citation(self.passages[i].doc), self.corpus.linked(i)))
        return SearchResult(scored.analysis.text, hits, scored.analysis, scored.expansions,
                            scored.notes, scored.timings)

    def ask(self, question: str, k: int = 5, **filters):
        """The sentence that answers ``question``, cited, or ``found=False`` with the closest
        passages (see :mod:`fahras.retrieval.answer`)."""
        from fahras.retrieval.answer import ask

        return ask(self, question, k, **filters)
