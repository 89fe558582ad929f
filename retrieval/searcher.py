"""The search API that the CLI and the UI call: ``Searcher.open().search(query, k)``.

:class:`Searcher` is the embedded engine: an index folder (:mod:`fahras.index.store`) read into
this process -- BM25 over the passages' analysed terms (:mod:`fahras.retrieval.lexical`, or
bm25s for large corpora), exact or HNSW cosines over the passage and sentence vectors
(:mod:`fahras.retrieval.dense`, FAISS). It provides the primitives of the
:class:`~fahras.retrieval.backends.protocol.Backend` protocol -- scoring every selected passage
on both sides, since that is cheap in memory -- and gets ``score``, ``search`` and ``ask`` from
:class:`~fahras.retrieval.engine.Engine`: the scoring flow is :mod:`fahras.retrieval.scoring`,
the same one the Milvus backend runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fahras import config
from fahras.errors import UsageError
from fahras.index import store
from fahras.index.report import Passage
from fahras.retrieval import late, rank_features
from fahras.retrieval.backends.protocol import Selection
from fahras.retrieval.corpus import CorpusMeta
from fahras.retrieval.crosslingual.expander import CrossLingualExpander
from fahras.retrieval.dense import DenseIndex
from fahras.retrieval.engine import Engine
from fahras.retrieval.filters import DEFAULT_KINDS, Filters, check_parts  # noqa: F401
from fahras.retrieval.lexical_fast import make_lexical_index
from fahras.retrieval.results import Hit, SearchResult  # noqa: F401  (public names)
from fahras.retrieval.scoring import (  # noqa: F401  (public names)
    MAX_K,
    MAX_QUERY_CHARS,
    MODES,
    PASSAGE_VS_SENTENCE,
    Scored,
    check_query,
)


class Searcher(Engine):
    """Hybrid search over one index. Cheap to query; the model loads on first dense use."""

    backend = "embedded"

    def __init__(self, data: store.IndexData, model: str | None = None,
                 index_dir: Path | None = None):
        self._init_engine(model)
        self.data = data
        self.index_dir = index_dir
        self.passages: list[Passage] = data.passages
        self.documents = data.documents
        self.n_rows = len(self.passages)
        self._by_id = {p.id: i for i, p in enumerate(self.passages)}
        self.lexical = make_lexical_index(data.terms)  # rank-bm25 or bm25s, by corpus size
        self.dense = DenseIndex(data.vectors, cache=self._graph_cache("vectors.npy"))
        self.sentence_rows = np.asarray(data.sentences, dtype=np.int64).reshape(-1, 3)
        self.n_sentences = len(self.sentence_rows)
        self.sentence_dense = DenseIndex(data.sentence_vectors, cache=self._graph_cache(
            "sentence_vectors.npy")) if self.n_sentences else None
        self._sentences_by_passage = None
        self.glossaries = data.glossaries  # the corpus's own glossary files
        # Late interaction (None: the index has none); float32 in memory when small enough.
        self.token_states = late.in_memory(data.token_states)
        # English query -> Arabic terms for the lexical side (glossary, names); None: no expansion.
        self.expander = CrossLingualExpander.for_searcher(self)
        self.corpus = CorpusMeta(data.documents, data.passages)  # citations, filters, versions
        self._previous = rank_features.previous_passages(self.passages)
        self._kinds = np.array([p.kind for p in self.passages])
        self._last_lexical: tuple[tuple, np.ndarray] | None = None

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

    def warm_up(self) -> None:
        """Load the model now (a server does this once at start-up)."""
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()  # a session made for many queries (index/onnx_encoder.py)
        self.encode_query("تهريب المهاجرين")
        from fahras.retrieval.answer import sentence_table

        sentence_table(self)  # what ``ask`` reads about every sentence, built once
        if hasattr(self.expander, "warm_up"):
            self.expander.warm_up()

    # -- lookup --------------------------------------------------------------------------
    def passage(self, passage_id: str) -> Passage:
        try:
            return self.passages[self._by_id[passage_id]]
        except KeyError:
            raise UsageError("no_passage_id", id=passage_id) from None

    def find(self, kind: str, number: str) -> list[int]:
        return [i for i, p in enumerate(self.passages) if p.kind == kind and p.number == number]

    # -- the Backend primitives ----------------------------------------------------------
    def select(self, filters: Filters) -> Selection:
        """Every passage that passes the filters (all of them are scored)."""
        ps = self.passages
        eligible = np.array([p.kind in filters.kinds for p in ps], dtype=bool)
        if filters.parts:
            eligible &= np.array([p.part in filters.parts for p in ps], dtype=bool)
        if filters.docs:
            eligible &= np.array([p.doc in filters.docs for p in ps], dtype=bool)
        meta_mask = self.corpus.mask(sorted(filters.years) if filters.years else None,
                                     sorted(filters.langs) if filters.langs else None)
        if meta_mask is not None:
            eligible &= meta_mask
        rows = np.flatnonzero(eligible)
        return Selection(len(rows), rows, eligible)

    def _lexical_all(self, terms: dict[str, float]) -> np.ndarray:
        """BM25 of every passage (the last query's kept: the flow asks for it in parts)."""
        key = tuple(terms.items())
        last = self._last_lexical  # one read: another thread may replace it
        if last is None or last[0] != key:
            last = self._last_lexical = (key, self.lexical.scores(terms))
        return last[1]

    def lexical_top(self, terms, sel: Selection, limit: int | None):
        scores = self._lexical_all(terms)
        rows = sel.rows[scores[sel.rows] > 0]
        if limit is not None and len(rows) > limit:
            rows = np.sort(rows[np.argpartition(-scores[rows], limit)[:limit]])
        return rows, scores[rows]

    def lexical_scores(self, terms, rows: np.ndarray) -> np.ndarray:
        return self._lexical_all(terms)[rows]

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

    def dense_scores(self, qvec: np.ndarray, rows: np.ndarray | None = None):
        passage_cos, best = self.dense_parts(qvec)
        return (passage_cos, best) if rows is None else (passage_cos[rows], best[rows])

    def dense_top(self, qvec: np.ndarray, sel: Selection, limit: int | None):
        passage_cos, best = self.dense_parts(qvec)
        rows = sel.rows
        if limit is not None and len(rows) > limit:
            d = passage_cos[rows] + best[rows]
            rows = np.sort(rows[np.argpartition(-d, limit)[:limit]])
        return rows, passage_cos[rows], best[rows]

    def named(self, kind: str, number: str, sel: Selection) -> tuple[list[int], bool]:
        found = self.find(kind, number)
        return [i for i in found if sel.where[i]], bool(found)

    def citing(self, code: str, sel: Selection) -> list[int]:
        return [i for i in self.lexical.passages_with(code) if sel.where[i]]

    def previous(self, rows: np.ndarray) -> np.ndarray:
        return self._previous[rows]

    def kinds(self, rows: np.ndarray) -> np.ndarray:
        return self._kinds[rows]

    def citation(self, doc_id: str) -> dict:
        return self.corpus.citation(doc_id)

    def linked(self, rows) -> dict[int, list[dict]]:
        return {int(i): self.corpus.linked(int(i)) for i in rows}

    # -- sentences -----------------------------------------------------------------------
    def sentence_rows_of(self, row: int) -> list[int]:
        if self._sentences_by_passage is None:
            order = np.argsort(self.sentence_rows[:, 0], kind="stable")
            self._sentences_by_passage = (order, self.sentence_rows[order, 0])
        order, keys = self._sentences_by_passage
        a, b = np.searchsorted(keys, row, "left"), np.searchsorted(keys, row, "right")
        return sorted(int(r) for r in order[a:b])

    def sentence_span(self, row: int) -> tuple[int, int, int]:
        pi, a, b = (int(x) for x in self.sentence_rows[row])
        return pi, a, b

    def sentence_vectors(self, rows) -> np.ndarray:
        return self.sentence_dense.vectors[rows]

    def nearest_sentences(self, qvec: np.ndarray, n: int) -> np.ndarray:
        return self.sentence_dense.search(qvec, n)[0]
