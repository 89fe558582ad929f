"""Milvus backend: the same search and answers, on Milvus Lite (a local file), a Milvus server
or a cluster::

    fahras index reports/ --backend milvus --uri ./fahras.db             # Milvus Lite file
    fahras search "..." --backend milvus --uri ./fahras.db
    fahras ask "..." --backend milvus --uri ./fahras.db
    fahras index reports/ --backend milvus --uri http://milvus-host:19530  # server / cluster

:class:`MilvusSearcher` provides the primitives of the
:class:`~fahras.retrieval.backends.protocol.Backend` protocol on Milvus and gets ``score``,
``search`` and ``ask`` from :class:`~fahras.retrieval.engine.Engine`, so the scoring flow
(:mod:`fahras.retrieval.scoring`: expansion, spelling, the fitted fusion, pinned references)
and the answer layer are the embedded engine's:

- lexical: Milvus' BM25 over the passages' terms finds the candidates (a query term of weight
  w is repeated ``round(4 w)`` times, at least once: Milvus scores a repeated query term that
  many times); their scores are Fahras' own BM25 of the candidates' terms
  (:class:`~fahras.retrieval.backends.milvus_reads.MilvusLexical`), the embedded engine's;
- dense: Milvus' nearest passages and sentences (HNSW, inner product); a candidate's cosines
  are computed here from its stored vectors, exactly;
- when the filters select at most ``rank_features.ALL_CANDIDATES_UP_TO`` passages, every one
  of them is scored, as in the embedded engine (whose results it then gives); beyond, the best
  ``rank_features.CANDIDATES_PER_SIDE`` of each side are the candidates.

With ``search(..., fusion="rrf")`` Milvus fuses server-side instead (``hybrid_search`` with
``RRFRanker(60)``). Storage and building: :mod:`~fahras.retrieval.backends.milvus_store`,
:mod:`~fahras.retrieval.backends.milvus_index`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fahras.errors import IndexError_, UsageError
from fahras.retrieval import rank_features
from fahras.text.arabic import NORMALIZER_VERSION
from fahras.retrieval.backends.milvus_index import export_index, index_milvus  # noqa: F401
from fahras.retrieval.backends.milvus_reads import (
    MAX_LIMIT,
    MilvusLexical,
    Passages,
    RowFields,
    Sentences,
    term_counts,
)
from fahras.retrieval.backends.milvus_store import (  # noqa: F401  (public names)
    DEFAULT_COLLECTION,
    EF_SEARCH,
    INSERT_BATCH,
    MilvusStore,
    chunks,
    connect,
    default_uri,
    encode_term,
    expr_in,
    is_local,
    milvus_errors,
    passage_rows,
    scan,
    sentence_rows,
)
from fahras.retrieval.backends.protocol import Selection
from fahras.retrieval.corpus import CITE_FIELDS
from fahras.retrieval.crosslingual.expander import CrossLingualExpander
from fahras.retrieval.engine import Engine
from fahras.retrieval.filters import DEFAULT_KINDS, Filters
from fahras.retrieval.results import SearchResult
from fahras.retrieval.scoring import MAX_K

FUSIONS = ("fahras", "rrf")
SENTENCE_CANDIDATES = 1000
WEIGHT_STEPS = 4
EXACT_SENTENCES = 20_000  # nearest sentences computed here, exactly, up to this many


class MilvusSearcher(Engine):
    """Hybrid search and answers on Milvus (see the module)."""

    backend = "milvus"

    def __init__(self, client, collection: str = DEFAULT_COLLECTION, model: str | None = None,
                 uri: str | None = None):
        from fahras.index.embedder import identity

        self._init_engine(model)
        self.client = client
        self.uri = uri
        self.store = MilvusStore(client, collection)
        if self.store.exists():
            self.store.load()
        info = self.store.info() if self.store.exists() else None
        if info is None:
            raise IndexError_("milvus_no_collection", collection=collection, uri=uri)
        self.info = info
        name, sha, _ = identity(model)
        built = info.get("model") or {}
        if built.get("sha256") != sha:
            raise IndexError_("milvus_model_mismatch", collection=collection,
                              built=built.get("name"), model=name)
        if info.get("normalizer_version") != NORMALIZER_VERSION:
            raise IndexError_("milvus_normalizer", collection=collection,
                              built=info.get("normalizer_version"), uri=uri)
        self._terms = RowFields(self.store, "terms", term_counts)
        self.lexical = MilvusLexical(self.store, self._terms,
                                     lambda: (p.text for p in self.passages))
        self.passages = Passages(self.store, self.lexical.n_docs)
        self._vectors = RowFields(self.store, "dense",
                                  lambda r: np.asarray(r["dense"], dtype=np.float32))
        self.n_rows = int(info.get("next_ord") or 0) or self.lexical.n_docs
        self.n_sentences = self.store.count(self.store.sentences)
        self.sentences = Sentences(self.store, lambda rows: {
            r: p.id for r, p in self.passages.get(rows).items()})
        self.glossaries = self.store.glossaries()  # the corpus's own glossary files
        # The embedded searcher's English -> Arabic expansion (names read the passages lazily).
        self.expander = CrossLingualExpander.for_searcher(self)
        self._docs: dict[str, dict] = {}
        self._selections: dict[Filters, Selection] = {}

    @classmethod
    @milvus_errors
    def open(cls, uri: str | None = None, model: str | None = None,
             collection: str = DEFAULT_COLLECTION, token: str | None = None) -> "MilvusSearcher":
        uri = str(uri or default_uri())
        if is_local(uri) and not Path(uri).expanduser().exists():
            raise IndexError_("milvus_no_file", uri=uri)
        return cls(connect(uri, token), collection, model=model, uri=uri)

    def close(self) -> None:
        self.client.close()

    def warm_up(self) -> None:
        """Load the model now (a server does this once at start-up)."""
        if hasattr(self.embedder, "warm_up"):
            self.embedder.warm_up()
        self.encode_query("تهريب المهاجرين")

    # -- filters ---------------------------------------------------------------------------
    def select(self, filters: Filters) -> Selection:
        """The filters as a Milvus expression, with the rows they select when they are few
        (kept per filters: the searcher reads the collection as it was when opened)."""
        sel = self._selections.get(filters)
        if sel is None:
            if len(self._selections) >= 256:
                self._selections.clear()
            sel = self._selections[filters] = self._select(filters)
        return sel

    def _select(self, filters: Filters) -> Selection:
        clauses = [expr_in("kind", filters.kinds)]
        for field, values in (("part", filters.parts), ("doc", filters.docs),
                              ("year", filters.years), ("lang", filters.langs)):
            if values is not None:
                clauses.append(expr_in(field, sorted(values)))
        expr = " and ".join(clauses)
        size = int(self.client.query(self.store.passages, filter=expr,
                                     output_fields=["count(*)"])[0]["count(*)"])
        rows = None
        if size <= rank_features.ALL_CANDIDATES_UP_TO:
            rows = self._rows(r["ord"] for r in self.client.query(
                self.store.passages, filter=expr, output_fields=["ord"], limit=MAX_LIMIT))
        return Selection(size, rows, expr)

    def _rows(self, ords) -> np.ndarray:
        """Rows, ascending, without any written after this searcher was opened."""
        rows = np.unique(np.fromiter((int(o) for o in ords), dtype=np.int64))
        return rows[rows < self.n_rows]

    def _search(self, collection, data, field, limit, expr, output, params) -> list[dict]:
        res = self.client.search(collection, data=data, anns_field=field, limit=limit,
                                 filter=expr, output_fields=output, search_params=params)
        return list(res[0]) if res else []

    # -- the lexical retriever ---------------------------------------------------------------
    def bm25_query(self, terms: dict[str, float]) -> str:
        return " ".join(encode_term(t) for t, w in terms.items() if w
                        for _ in range(max(1, round(w * WEIGHT_STEPS))))

    def lexical_top(self, terms, sel: Selection, limit: int | None):
        words = self.bm25_query(terms)
        if not words or not sel.size:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        hits = self._search(self.store.passages, [words], "sparse",
                            min(MAX_LIMIT, limit or sel.size), sel.where, ["ord", "terms"],
                            {"metric_type": "BM25"})
        for h in hits:
            self._terms.put(h["entity"]["ord"], h["entity"])
        rows = self._rows(h["entity"]["ord"] for h in hits)
        scores = self.lexical.scores(terms, rows)
        keep = scores > 0
        return rows[keep], scores[keep]

    def lexical_scores(self, terms, rows: np.ndarray) -> np.ndarray:
        return self.lexical.scores(terms, rows)

    # -- the dense retriever -----------------------------------------------------------------
    def dense_scores(self, qvec: np.ndarray, rows: np.ndarray):
        q = np.asarray(qvec, dtype=np.float32)
        vecs = self._vectors.get(rows)
        dim = len(q)
        V = np.vstack([vecs.get(int(r), np.zeros(dim, np.float32)) for r in rows]) if len(
            rows) else np.zeros((0, dim), np.float32)
        passage_cos = (V @ q).astype(np.float64)
        best = passage_cos.copy()
        self.sentences.load(rows)
        for j, r in enumerate(rows):
            srows = self.sentences.of_passage.get(int(r)) or []
            if srows:
                best[j] = float((self.sentences.vectors(srows) @ q).astype(np.float64).max())
        return passage_cos, best

    def dense_top(self, qvec: np.ndarray, sel: Selection, limit: int | None):
        if sel.rows is not None:
            rows = sel.rows
        else:
            q = np.asarray(qvec, dtype=np.float32).tolist()
            params = {"metric_type": "IP", "params": {"ef": max(EF_SEARCH, limit)}}
            found = [h["entity"]["ord"] for h in self._search(
                self.store.passages, [q], "dense", limit, sel.where, ["ord"], params)]
            params = {"metric_type": "IP", "params": {"ef": max(EF_SEARCH, SENTENCE_CANDIDATES)}}
            pids = {h["entity"]["passage"] for h in self._search(
                self.store.sentences, [q], "dense", SENTENCE_CANDIDATES, sel.where, ["passage"],
                params)}
            found += list(self._rows_of_ids(pids).values())
            rows = self._rows(found)
        passage_cos, best = self.dense_scores(qvec, rows)
        if limit is not None and len(rows) > limit:
            keep = np.sort(np.argpartition(-(passage_cos + best), limit)[:limit])
            rows, passage_cos, best = rows[keep], passage_cos[keep], best[keep]
        return rows, passage_cos, best

    def _rows_of_ids(self, pids) -> dict[str, int]:
        """The rows of passages by id."""
        out = {}
        for batch in chunks(sorted(pids), 500):
            out.update((r["id"], int(r["ord"])) for r in self.client.query(
                self.store.passages, filter=expr_in("id", batch), output_fields=["ord"]))
        return out

    # -- structure ---------------------------------------------------------------------------
    def named(self, kind: str, number: str, sel: Selection):
        base = f'kind == "{kind}" and number == {json.dumps(number)}'
        rows = self._rows(r["ord"] for r in self.client.query(
            self.store.passages, filter=f"{base} and ({sel.where})", output_fields=["ord"],
            limit=MAX_LIMIT))
        exists = len(rows) > 0 or bool(self.client.query(
            self.store.passages, filter=base, output_fields=["ord"], limit=1))
        return [int(r) for r in rows], exists

    def citing(self, code: str, sel: Selection) -> list[int]:
        return [int(r) for r in self._rows(r["ord"] for r in self.client.query(
            self.store.passages, output_fields=["ord"], limit=MAX_LIMIT,
            filter=f"TEXT_MATCH(terms, '{encode_term(code)}') and ({sel.where})"))]

    def previous(self, rows: np.ndarray) -> np.ndarray:
        rows = [int(r) for r in rows]
        ps = self.passages.get(rows + [r - 1 for r in rows if r > 0])
        out = np.full(len(rows), -1, dtype=np.int64)
        for j, r in enumerate(rows):
            p, before = ps.get(r), ps.get(r - 1)
            if p is not None and before is not None and before.doc == p.doc \
                    and "heading" not in (before.kind, p.kind):
                out[j] = r - 1
        return out

    def kinds(self, rows: np.ndarray) -> np.ndarray:
        ps = self.passages.get(rows)
        return np.array([ps[int(r)].kind for r in rows])

    # -- metadata ----------------------------------------------------------------------------
    def citation(self, doc_id: str) -> dict:
        if doc_id not in self._docs:
            self._docs.update(self.store._meta_rows([doc_id]))
        d = self._docs.get(doc_id) or {"id": doc_id}
        return {k: d.get(k) for k in CITE_FIELDS}

    def linked(self, rows) -> dict[int, list[dict]]:
        """Passages of the same kind and number in the other documents of the same version
        key (its other-language versions), in reading order."""
        ps = self.passages.get(rows)
        for p in ps.values():
            self.citation(p.doc)
        keys = {}
        for r, p in ps.items():
            d = self._docs.get(p.doc) or {}
            if p.number is not None:
                keys[r] = (d.get("version_key") or p.doc, p.kind, p.number, p.doc)
        if not keys:
            return {}
        expr = (expr_in("version_key", {k[0] for k in keys.values()}) + " and "
                + expr_in("number", {k[2] for k in keys.values()}))
        found = self.client.query(self.store.passages, filter=expr, limit=MAX_LIMIT,
                                  output_fields=["version_key", "kind", "number", "doc", "lang",
                                                 "passage", "ord"])
        found.sort(key=lambda f: f["ord"])
        out: dict[int, list[dict]] = {}
        for r, (vk, kind, number, doc) in keys.items():
            for f in found:
                if (f["version_key"], f["kind"], f["number"]) == (vk, kind, number) \
                        and f["doc"] != doc:
                    p = json.loads(f["passage"])
                    out.setdefault(r, []).append(
                        {"id": p["id"], "doc": p["doc"], "lang": f["lang"] or None,
                         "label_ar": p["label_ar"], "label_en": p["label_en"], "text": p["text"]})
        return out

    # -- sentences ---------------------------------------------------------------------------
    def sentence_rows_of(self, row: int) -> list[int]:
        self.sentences.load([row])
        return list(self.sentences.of_passage.get(int(row), []))

    def sentence_span(self, row: int) -> tuple[int, int, int]:
        return self.sentences.spans[int(row)]

    def sentence_vectors(self, rows) -> np.ndarray:
        return self.sentences.vectors(rows)

    def nearest_sentences(self, qvec: np.ndarray, n: int) -> np.ndarray:
        """Exact over a collection of at most ``EXACT_SENTENCES`` sentences (as the embedded
        engine, whose search is exact below ``dense.HNSW_FROM``: an HNSW graph can leave a
        near-duplicate sentence unreachable), else Milvus' nearest."""
        q = np.asarray(qvec, np.float32)
        if self.n_sentences <= EXACT_SENTENCES:
            prows, ids, V = self.sentences.everything(self._all_rows_by_id)
            cos = V @ q
            best = np.lexsort((np.arange(len(cos)), -cos))[:n]
            found = [(int(prows[i]), ids[i]) for i in best if prows[i] >= 0]
        else:
            params = {"metric_type": "IP", "params": {"ef": max(EF_SEARCH, n)}}
            hits = self._search(self.store.sentences, [q.tolist()], "dense", n, "",
                                ["passage"], params)
            rows = self._rows_of_ids({h["entity"]["passage"] for h in hits})
            found = [(rows[h["entity"]["passage"]], h["id"]) for h in hits
                     if h["entity"]["passage"] in rows]
        self.sentences.load(r for r, _ in found)
        row_of = {self.sentences.ids[s]: s for r, _ in found
                  for s in self.sentences.of_passage.get(r, ())}
        return np.array([row_of[sid] for _, sid in found if sid in row_of], dtype=np.int64)

    def _all_rows_by_id(self) -> dict[str, int]:
        return {r["id"]: int(r["ord"]) for r in scan(self.client, self.store.passages, ["ord"])}

    # -- search ------------------------------------------------------------------------------
    @milvus_errors
    def score(self, query: str, **kwargs):
        return super().score(query, **kwargs)

    @milvus_errors
    def search(self, query: str, k: int = 10, *, kinds=DEFAULT_KINDS, parts=None, docs=None,
               mode: str = "hybrid", years=None, langs=None, fusion: str = "fahras",
               ) -> SearchResult:
        """The ``k`` best passages for a query (Arabic or English), best first; ``fusion``:
        ``fahras`` (the fitted fusion, as the embedded engine) or ``rrf`` (server-side)."""
        if fusion not in FUSIONS:
            raise UsageError("unknown_fusion", fusion=fusion, choices=", ".join(FUSIONS))
        if fusion == "fahras" or mode != "hybrid":
            return super().search(query, k, kinds=kinds, parts=parts, docs=docs, mode=mode,
                                  years=years, langs=langs)
        if not isinstance(k, int) or k < 1:
            raise UsageError("k_not_whole")
        k = min(k, MAX_K)
        from fahras.retrieval.backends.milvus_rrf import rrf_scored

        return self.result(rrf_scored(self, query, k, kinds=kinds, parts=parts, docs=docs,
                                      years=years, langs=langs), k)

    @milvus_errors
    def ask(self, question: str, k: int = 5, **filters):
        return super().ask(question, k, **filters)

