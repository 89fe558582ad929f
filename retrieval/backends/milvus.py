"""Milvus backend: the same search, on Milvus Lite (a local file), a Milvus server or a cluster.

Select it by URI (``pymilvus.MilvusClient`` speaks to all three the same way)::

    fahras index reports/ --backend milvus --uri ./fahras.db             # Milvus Lite file
    fahras search "..." --backend milvus --uri ./fahras.db
    fahras index reports/ --backend milvus --uri http://milvus-host:19530  # server / cluster

(A token, for a server with authentication, is read from ``FAHRAS_MILVUS_TOKEN``, never from
the command line.)

What is stored -- three collections, ``<name>_passages``, ``<name>_sentences`` and
``<name>_documents`` (default name ``fahras``):

- passages: the passage (JSON, the report's own text), the scalar fields the filters use (doc,
  kind, part, lang, year, number, version key), its embedding (HNSW, inner product), and its
  BM25 terms. Milvus has no Arabic analyzer, so the terms are Fahras' own
  (:func:`fahras.retrieval.arabic.analyze`: normalized, light-stemmed, stop words out), each
  written as an opaque ASCII token (``t`` + 16 hex digits of its hash) so that any Milvus
  tokenizer -- ``standard`` in Milvus Lite, which has no ``whitespace`` tokenizer -- keeps
  every term whole (``ctoc/cop/wg.7/2024/3`` would otherwise be split). A ``BM25`` function
  turns them into a sparse vector scored with the same k1 and b as the embedded engine.
- sentences: each sentence's embedding, with its passage id and the same filter fields.
- documents: each document's metadata and content hash (for incremental updates), and one
  ``__fahras__`` row with the model and normalizer the collection was built with.

One search (:meth:`MilvusSearcher.search`), the same steps as the embedded searcher:
BM25 candidates (the query's weighted terms: a term of weight w is repeated ``round(4 w)``
times, and Milvus scores a repeated query term that many times), dense candidates for passages
and sentences, exact cosines completed for every candidate, a passage's dense score the mean of
its cosine and its best sentence's, then the same fusion weights (min-max interpolation by the
query's script) and structural references pinned first. With ``fusion="rrf"``, Milvus fuses
server-side instead (``hybrid_search`` with ``RRFRanker(60)``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from fahras import config
from fahras.errors import FahrasError, IndexError_, UsageError
from fahras.messages import Message
from fahras.index.report import KINDS, PARSER_VERSION, Passage
from fahras.retrieval import fusion as fusion_mod
from fahras.retrieval.arabic import NORMALIZER_VERSION
from fahras.retrieval.corpus import CITE_FIELDS, parse_langs, parse_years
from fahras.retrieval.crosslingual.expander import CrossLingualExpander
from fahras.retrieval.lexical import B, K1, bm25, lucene_idf
from fahras.retrieval.query import analyze_query, fusion_weights
from fahras.retrieval.searcher import (
    DEFAULT_KINDS,
    MAX_K,
    MODES,
    PASSAGE_VS_SENTENCE,
    Hit,
    SearchResult,
    Searcher,
    check_parts,
    check_query,
)

DEFAULT_COLLECTION = "fahras"
FUSIONS = ("fahras", "rrf")
INFO_ID = "__fahras__"
MAX_VARCHAR = 65535
INSERT_BATCH = 500
CANDIDATES = 200  # per side (lexical, dense passages)
SENTENCE_CANDIDATES = 1000
WEIGHT_STEPS = 4
RRF_K = 60
HNSW_PARAMS = {"M": 32, "efConstruction": 200}
EF_SEARCH = 256
BM25_PARAMS = {"bm25_k1": K1, "bm25_b": B}  # the embedded engine's (fahras.retrieval.lexical)


def _pymilvus():
    try:
        import pymilvus
    except ImportError:
        raise FahrasError("milvus_needs_pymilvus") from None
    return pymilvus


def milvus_errors(func):
    """Errors from Milvus (a server down, a collection in a bad state) as one-line
    :class:`IndexError_` messages, never tracebacks."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except FahrasError:
            raise
        except Exception as e:
            pymilvus = _pymilvus()
            if isinstance(e, (pymilvus.MilvusException, ConnectionError, OSError)):
                raise IndexError_("milvus_error", detail=_short(e)) from None
            raise
    return wrapper


def encode_term(term: str) -> str:
    """A BM25 term as one ASCII token that every Milvus tokenizer keeps whole."""
    return "t" + hashlib.blake2b(term.encode("utf-8"), digest_size=8).hexdigest()


def encode_terms(terms: Iterable[str]) -> str:
    return " ".join(encode_term(t) for t in terms)


def is_local(uri: str) -> bool:
    return not uri.startswith(("http://", "https://", "tcp://", "grpc://", "unix:"))


def default_uri() -> str:
    return str(config.home() / "milvus" / "fahras.db")


def connect(uri: str | None = None, token: str | None = None):
    """A ``MilvusClient`` for a Milvus Lite file (``*.db``) or a server URI."""
    pymilvus = _pymilvus()
    uri = str(uri or default_uri())
    if is_local(uri):
        if not uri.endswith(".db"):
            raise UsageError("milvus_lite_uri", uri=uri)
        Path(uri).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        uri = str(Path(uri).expanduser().resolve())
    token = token if token is not None else os.environ.get("FAHRAS_MILVUS_TOKEN", "")
    # pymilvus logs every failed call with a traceback; Fahras reports them in one line.
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    try:
        return pymilvus.MilvusClient(uri=uri, token=token)
    except Exception as e:  # connection refused, lite failed to start...
        raise IndexError_("milvus_connect", uri=uri, detail=_short(e)) from None


def _short(e: Exception) -> str:
    msg = getattr(e, "message", None) or str(e)
    return " ".join(str(msg).split())[:300]


def _expr_in(field: str, values: Iterable) -> str:
    return f"{field} in {json.dumps(list(values), ensure_ascii=False)}"


class MilvusStore:
    """The three collections of one Fahras corpus in Milvus."""

    def __init__(self, client, collection: str = DEFAULT_COLLECTION):
        if not collection.replace("_", "").isalnum():
            raise UsageError("milvus_collection_name", collection=collection)
        self.client = client
        self.name = collection
        self.passages = f"{collection}_passages"
        self.sentences = f"{collection}_sentences"
        self.documents = f"{collection}_documents"

    # -- schema --------------------------------------------------------------------------
    def load(self) -> None:
        """Load the collections into memory (a server releases them; searches need them)."""
        for c in (self.passages, self.sentences, self.documents):
            self.client.load_collection(c)

    def exists(self) -> bool:
        return all(self.client.has_collection(c)
                   for c in (self.passages, self.sentences, self.documents))

    def drop(self) -> None:
        for c in (self.passages, self.sentences, self.documents):
            if self.client.has_collection(c):
                self.client.drop_collection(c)

    def _filter_fields(self, schema, pymilvus) -> None:
        dt = pymilvus.DataType
        schema.add_field("doc", dt.VARCHAR, max_length=512)
        schema.add_field("kind", dt.VARCHAR, max_length=32)
        schema.add_field("part", dt.VARCHAR, max_length=32)
        schema.add_field("lang", dt.VARCHAR, max_length=8)
        schema.add_field("year", dt.INT64)

    def create(self, dim: int, index_type: str = "HNSW") -> None:
        pymilvus = _pymilvus()
        dt = pymilvus.DataType
        c = self.client
        dense_params = HNSW_PARAMS if index_type == "HNSW" else (
            {"nlist": 1024} if index_type.startswith("IVF") else {})

        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", dt.VARCHAR, max_length=512, is_primary=True)
        self._filter_fields(s, pymilvus)
        s.add_field("number", dt.VARCHAR, max_length=32)
        s.add_field("version_key", dt.VARCHAR, max_length=512)
        s.add_field("ord", dt.INT64)
        s.add_field("passage", dt.VARCHAR, max_length=MAX_VARCHAR)
        s.add_field("terms", dt.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                    enable_match=True, analyzer_params={"tokenizer": "standard"})
        s.add_field("sparse", dt.SPARSE_FLOAT_VECTOR)
        s.add_field("dense", dt.FLOAT_VECTOR, dim=dim)
        s.add_function(pymilvus.Function(
            name="bm25", function_type=pymilvus.FunctionType.BM25,
            input_field_names=["terms"], output_field_names=["sparse"]))
        ip = c.prepare_index_params()
        ip.add_index("dense", index_type=index_type, metric_type="IP", params=dense_params)
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params=BM25_PARAMS)
        c.create_collection(self.passages, schema=s, index_params=ip,
                            consistency_level="Strong")

        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", dt.VARCHAR, max_length=600, is_primary=True)
        s.add_field("passage", dt.VARCHAR, max_length=512)
        self._filter_fields(s, pymilvus)
        s.add_field("dense", dt.FLOAT_VECTOR, dim=dim)
        ip = c.prepare_index_params()
        ip.add_index("dense", index_type=index_type, metric_type="IP", params=dense_params)
        c.create_collection(self.sentences, schema=s, index_params=ip,
                            consistency_level="Strong")

        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("id", dt.VARCHAR, max_length=512, is_primary=True)
        s.add_field("meta", dt.VARCHAR, max_length=MAX_VARCHAR)
        s.add_field("dense", dt.FLOAT_VECTOR, dim=2)  # Milvus needs a vector field
        ip = c.prepare_index_params()
        ip.add_index("dense", index_type="FLAT", metric_type="L2")
        c.create_collection(self.documents, schema=s, index_params=ip,
                            consistency_level="Strong")

    # -- documents -------------------------------------------------------------------------
    def _meta_rows(self, ids: Sequence[str] | None = None) -> dict[str, dict]:
        if ids is not None:
            rows = self.client.query(self.documents, filter=_expr_in("id", ids),
                                     output_fields=["id", "meta"])
            return {r["id"]: json.loads(r["meta"]) for r in rows}
        out = {}
        it = self.client.query_iterator(self.documents, batch_size=1000, filter='id != ""',
                                        output_fields=["id", "meta"])
        try:
            while batch := it.next():
                out.update((r["id"], json.loads(r["meta"])) for r in batch)
        finally:
            it.close()
        return out

    def info(self) -> dict | None:
        return self._meta_rows([INFO_ID]).get(INFO_ID)

    def document_entries(self) -> dict[str, dict]:
        rows = self._meta_rows()
        rows.pop(INFO_ID, None)
        return rows

    def write_info(self, info: dict) -> None:
        self.client.upsert(self.documents, [{"id": INFO_ID, "meta": json.dumps(info),
                                             "dense": [0.0, 0.0]}])

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        for c in (self.passages, self.sentences):
            self.client.delete(c, filter=_expr_in("doc", doc_ids))
        self.client.delete(self.documents, filter=_expr_in("id", doc_ids))

    def count(self, collection: str | None = None) -> int:
        rows = self.client.query(collection or self.passages, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    # -- writing ---------------------------------------------------------------------------
    def insert(self, data, entries: Sequence[dict], order_offset: int = 0) -> None:
        """Write the passages, sentences and documents of ``data`` (an ``IndexData``)."""
        docs = {d["id"]: d for d in data.documents}
        rows = passage_rows(data, order_offset)
        for i in range(0, len(rows), INSERT_BATCH):
            self.client.upsert(self.passages, rows[i:i + INSERT_BATCH])
        rows = sentence_rows(data)
        for i in range(0, len(rows), INSERT_BATCH):
            self.client.upsert(self.sentences, rows[i:i + INSERT_BATCH])
        # Each document's length in terms, for the corpus' mean passage length (BM25).
        lengths: dict[str, int] = {}
        for p, terms in zip(data.passages, data.terms):
            lengths[p.doc] = lengths.get(p.doc, 0) + passage_length(encode_terms(terms))
        # Documents last: a document is in the index once all its passages are.
        self.client.upsert(self.documents, [
            {"id": e["id"], "meta": json.dumps(
                {**docs.get(e["id"], {}), "entry": {**e, "n_terms": lengths.get(e["id"], 0)}},
                ensure_ascii=False),
             "dense": [0.0, 0.0]} for e in entries])
        self.flush()

    def flush(self) -> None:
        """Seal what was written: BM25 statistics of sealed segments are the corpus-wide ones
        (fresh, growing segments score with slightly different ones)."""
        for c in (self.passages, self.sentences, self.documents):
            self.client.flush(c)


def _filter_values(p: Passage, doc: dict) -> dict:
    return {"doc": p.doc, "kind": p.kind, "part": p.part, "lang": doc.get("lang") or "",
            "year": int(doc.get("year") or 0)}


def passage_rows(data, order_offset: int = 0) -> list[dict]:
    """Rows of the passages collection (also what a bulk import file holds, minus sparse)."""
    docs = {d["id"]: d for d in data.documents}
    rows = []
    for i, (p, terms, vec) in enumerate(zip(data.passages, data.terms, data.vectors)):
        doc = docs.get(p.doc, {})
        payload = json.dumps(p.to_json(), ensure_ascii=False)
        if len(payload.encode("utf-8")) > MAX_VARCHAR:
            raise FahrasError("milvus_passage_too_long", id=p.id, chars=len(payload))
        rows.append({"id": p.id, **_filter_values(p, doc), "number": p.number or "",
                     "version_key": doc.get("version_key") or p.doc,
                     "ord": order_offset + i, "passage": payload,
                     "terms": encode_terms(terms)[:MAX_VARCHAR],
                     "dense": np.asarray(vec, dtype=np.float32).tolist()})
    return rows


def sentence_rows(data) -> list[dict]:
    docs = {d["id"]: d for d in data.documents}
    rows = []
    for (i, a, b), vec in zip(np.asarray(data.sentences).tolist(), data.sentence_vectors):
        p = data.passages[i]
        rows.append({"id": f"{p.id}#{a}-{b}", "passage": p.id,
                     **_filter_values(p, docs.get(p.doc, {})),
                     "dense": np.asarray(vec, dtype=np.float32).tolist()})
    return rows


# -- building ----------------------------------------------------------------------------------
def _info(embedder) -> dict:
    import fahras

    return {"model": {"name": embedder.name, "sha256": embedder.fingerprint, "dim": embedder.dim},
            "normalizer_version": NORMALIZER_VERSION, "parser_version": PARSER_VERSION,
            "fahras_version": fahras.__version__}


def _compatible(info: dict | None, embedder) -> bool:
    return bool(info) and info.get("normalizer_version") == NORMALIZER_VERSION and (
        info.get("model") or {}).get("sha256") == embedder.fingerprint


@milvus_errors
def index_milvus(paths=None, uri: str | None = None, collection: str = DEFAULT_COLLECTION,
                 model: str | None = None, progress: bool = False, index_type: str = "HNSW",
                 token: str | None = None) -> dict:
    """Index report files/folders into Milvus. Documents whose content is unchanged are kept;
    changed ones are replaced (their passages only are embedded); missing ones removed."""
    from fahras.index import incremental
    from fahras.index.builder import load_documents
    from fahras.index.embedder import get_embedder

    t0 = time.perf_counter()
    docs = load_documents(paths)
    embedder = get_embedder(model, progress=progress)
    client = connect(uri, token)
    try:
        store = MilvusStore(client, collection)
        if store.exists():
            store.load()
        if store.exists() and not _compatible(store.info(), embedder):
            store.drop()  # another model or normalizer: its vectors/terms cannot be mixed
        if not store.exists():
            store.create(embedder.dim, index_type)
            store.write_info(_info(embedder))
        existing = store.document_entries()
        keep, todo = [], []
        for d in docs:
            entry = (existing.get(d.id) or {}).get("entry") or {}
            same = entry.get("sha256") == d.sha256 and entry.get("parser_version") == PARSER_VERSION
            (keep if same else todo).append(d)
        changes = incremental.Changes(
            added=[d.id for d in todo if d.id not in existing],
            changed=[d.id for d in todo if d.id in existing],
            unchanged=[d.id for d in keep],
            removed=[i for i in existing if i not in {d.id for d in docs}])
        store.delete_documents(changes.changed + changes.removed)
        if not todo and (changes.changed or changes.removed):
            store.flush()
        if todo:
            if progress:
                print(f"Embedding {len(todo)} document(s) for Milvus...", file=sys.stderr)
            data, sub, entries = incremental.prepare(todo, embedder, None, progress=progress)
            changes.embedded_texts = sub.embedded_texts
            info = store.info() or _info(embedder)
            store.insert(data, entries, order_offset=int(info.get("next_ord", 0)))
            store.write_info({**info, "next_ord": int(info.get("next_ord", 0)) + len(data.passages)})
        n_passages = store.count()
        n_sentences = store.count(store.sentences)
    finally:
        client.close()
    return {"backend": "milvus", "uri": str(uri or default_uri()), "collection": collection,
            "documents": [d.id for d in docs], "n_passages": n_passages,
            "n_sentences": n_sentences, "model": _info(embedder)["model"],
            "changes": changes.to_json(), "build_seconds": round(time.perf_counter() - t0, 2)}


@milvus_errors
def export_index(data, uri: str, collection: str = DEFAULT_COLLECTION, index_type: str = "HNSW",
                 token: str | None = None) -> dict:
    """Copy an embedded index (``IndexData`` as read by :func:`fahras.index.store.read_index`)
    into Milvus as it is: no text is embedded again."""
    from fahras.index.incremental import Changes

    client = connect(uri, token)
    try:
        store = MilvusStore(client, collection)
        store.drop()
        m = data.manifest.get("model") or {}
        store.create(int(m.get("dim") or data.vectors.shape[1]), index_type)
        store.write_info({"model": m, "normalizer_version": data.manifest.get(
            "normalizer_version", NORMALIZER_VERSION), "parser_version": PARSER_VERSION,
            "next_ord": len(data.passages)})
        entries = data.manifest.get("documents") or [{"id": d["id"]} for d in data.documents]
        store.insert(data, entries)
        return {"n_passages": store.count(), "changes": Changes(
            added=[e["id"] for e in entries]).to_json()}
    finally:
        client.close()


# -- searching ---------------------------------------------------------------------------------
class _LexicalStats:
    """The corpus statistics Fahras' BM25 needs (size, mean length, document frequency), read
    from the collection: Milvus finds the candidates, Fahras scores them with its own formula,
    so scores are the embedded engine's (Milvus Lite ignores ``bm25_k1``/``bm25_b``)."""

    def __init__(self, store: MilvusStore):
        self.store = store
        self.n_docs = store.count()
        entries = store.document_entries().values()
        total = [(e.get("entry") or {}).get("n_terms") for e in entries]
        if self.n_docs and all(t is not None for t in total):
            self.avgdl = sum(total) / self.n_docs
        else:  # a collection written before lengths were recorded: count them once
            self.avgdl = self._count_lengths() / max(1, self.n_docs)
        self._df: dict[str, int] = {}

    def _count_lengths(self) -> int:
        total = 0
        it = self.store.client.query_iterator(self.store.passages, batch_size=1000,
                                              filter='id != ""', output_fields=["terms"])
        try:
            while batch := it.next():
                total += sum(passage_length(r["terms"]) for r in batch)
        finally:
            it.close()
        return total

    def doc_freq(self, term: str) -> int:
        if term not in self._df:
            rows = self.store.client.query(
                self.store.passages, filter=f"TEXT_MATCH(terms, '{encode_term(term)}')",
                output_fields=["count(*)"])
            self._df[term] = int(rows[0]["count(*)"])
        return self._df[term]

    def score(self, weights: dict[str, float], terms: str) -> float:
        """Fahras' BM25 score of one passage (its ``terms`` field) for weighted query terms."""
        tokens = terms.split()
        length = passage_length(terms)
        out = 0.0
        for term, w in weights.items():
            tf = tokens.count(encode_term(term))
            if tf and w:
                out += w * bm25(tf, length, self.avgdl, lucene_idf(self.n_docs, self.doc_freq(term)))
        return out


def passage_length(terms: str) -> int:
    """A passage's length in terms, as :class:`LexicalIndex` counts it (an empty one is 1)."""
    return max(1, len(terms.split()))


class MilvusSearcher:
    """Hybrid search on Milvus with the contract of :class:`Searcher`: ``search()`` returns a
    :class:`SearchResult` of :class:`Hit` s (passage, scores, document, linked versions)."""

    backend = "milvus"
    lexical_query = Searcher.lexical_query  # the same weighted terms as the embedded searcher

    def __init__(self, client, collection: str = DEFAULT_COLLECTION, model: str | None = None,
                 uri: str | None = None):
        from fahras.index.embedder import identity

        self.client = client
        self.uri = uri
        self.store = MilvusStore(client, collection)
        if self.store.exists():
            self.store.load()
        info = self.store.info() if self.store.exists() else None
        if info is None:
            raise IndexError_("milvus_no_collection", collection=collection, uri=uri)
        self.info = info
        self.model_spec = config.model_spec(model)
        name, sha, _ = identity(model)
        built = info.get("model") or {}
        if built.get("sha256") != sha:
            raise IndexError_("milvus_model_mismatch", collection=collection,
                              built=built.get("name"), model=name)
        if info.get("normalizer_version") != NORMALIZER_VERSION:
            raise IndexError_("milvus_normalizer", collection=collection,
                              built=info.get("normalizer_version"), uri=uri)
        self.lexical = _LexicalStats(self.store)
        # The embedded searcher's English -> Arabic expansion (names read the passages lazily).
        self.expander = CrossLingualExpander.for_searcher(self)
        self._embedder = None
        self._docs: dict[str, dict] = {}

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

    @property
    def passages(self) -> list[Passage]:
        """Every passage, in reading order (reads the whole collection: for evaluation and
        small corpora, not for a search)."""
        if getattr(self, "_all", None) is None:
            rows = []
            it = self.client.query_iterator(self.store.passages, batch_size=1000,
                                            filter='id != ""', output_fields=["ord", "passage"])
            try:
                while batch := it.next():
                    rows.extend(batch)
            finally:
                it.close()
            rows.sort(key=lambda r: r["ord"])
            self._all = [Passage.from_json(json.loads(r["passage"])) for r in rows]
        return self._all

    @property
    def embedder(self):
        if self._embedder is None:
            from fahras.index.embedder import get_embedder

            self._embedder = get_embedder(self.model_spec)
        return self._embedder

    def encode_query(self, text: str) -> np.ndarray:
        return self.embedder.encode_queries([text])[0]

    # -- pieces ------------------------------------------------------------------------------
    def _filter(self, kinds, parts, docs, years, langs) -> str:
        kinds = tuple(kinds) if kinds else KINDS
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise UsageError("unknown_kind", kind=sorted(unknown)[0], choices=", ".join(KINDS))
        clauses = [_expr_in("kind", kinds)]
        if parts:
            check_parts(parts)
            clauses.append(_expr_in("part", parts))
        if docs:
            clauses.append(_expr_in("doc", docs))
        years, langs = parse_years(years), parse_langs(langs)
        if years is not None:
            clauses.append(_expr_in("year", sorted(years)))
        if langs is not None:
            clauses.append(_expr_in("lang", sorted(langs)))
        return " and ".join(clauses)

    def _search(self, collection, data, field, limit, expr, output, params) -> list[dict]:
        res = self.client.search(collection, data=data, anns_field=field, limit=limit,
                                 filter=expr, output_fields=output, search_params=params)
        return list(res[0]) if res else []

    def _lexical(self, weights: dict[str, float], expr: str) -> dict[str, tuple[float, int]]:
        words = []
        for term, w in weights.items():
            words += [encode_term(term)] * int(round(w * WEIGHT_STEPS))
        if not words:
            return {}
        hits = self._search(self.store.passages, [" ".join(words)], "sparse", CANDIDATES, expr,
                            ["ord", "terms"], {"metric_type": "BM25"})
        # Milvus chose the candidates; their scores are Fahras' BM25 (see _LexicalStats).
        return {h["id"]: (self.lexical.score(weights, h["entity"]["terms"]),
                          int(h["entity"]["ord"])) for h in hits}

    def _dense(self, qvec: np.ndarray, expr: str, also: Iterable[str]
               ) -> dict[str, tuple[float, int]]:
        """Dense scores of the candidates: the HNSW nearest passages and sentences, with exact
        cosines completed for every candidate (and, in a collection of at most CANDIDATES
        passages, every eligible passage scored exactly, as the embedded searcher does)."""
        q = np.asarray(qvec, dtype=np.float32)
        small = self.lexical.n_docs <= CANDIDATES
        cos: dict[str, tuple[float, int]] = {}
        if small:
            wanted = [r["id"] for r in self.client.query(
                self.store.passages, filter=expr, output_fields=["id"], limit=CANDIDATES)]
        else:
            params = {"metric_type": "IP", "params": {"ef": max(EF_SEARCH, CANDIDATES)}}
            for h in self._search(self.store.passages, [q.tolist()], "dense", CANDIDATES, expr,
                                  ["ord"], params):
                cos[h["id"]] = (float(h["distance"]), int(h["entity"]["ord"]))
            wanted = list(also)
        for chunk in _chunks([i for i in wanted if i not in cos], 500):
            for r in self.client.query(self.store.passages, filter=_expr_in("id", chunk),
                                       output_fields=["ord", "dense"]):
                cos[r["id"]] = (float(np.dot(np.asarray(r["dense"], dtype=np.float32), q)),
                                int(r["ord"]))
        best: dict[str, float] = {}
        if not small:
            params = {"metric_type": "IP",
                      "params": {"ef": max(EF_SEARCH, SENTENCE_CANDIDATES)}}
            for h in self._search(self.store.sentences, [q.tolist()], "dense",
                                  SENTENCE_CANDIDATES, expr, ["passage"], params):
                pid = h["entity"]["passage"]
                best[pid] = max(best.get(pid, -np.inf), float(h["distance"]))
        for chunk in _chunks([i for i in cos if i not in best], 100):
            for r in self.client.query(self.store.sentences, filter=_expr_in("passage", chunk),
                                       output_fields=["passage", "dense"], limit=16384):
                s = float(np.dot(np.asarray(r["dense"], dtype=np.float32), q))
                best[r["passage"]] = max(best.get(r["passage"], -np.inf), s)
        out = {}
        for pid, (c, order) in cos.items():
            b = best.get(pid)
            out[pid] = ((PASSAGE_VS_SENTENCE * c + (1 - PASSAGE_VS_SENTENCE) * b)
                        if b is not None else c, order)
        return out

    def _pinned(self, analysis, expr: str, notes: list[str]) -> list[tuple[str, int]]:
        """Passages the query names («التوصية 8»), in reading order."""
        ref = analysis.ref
        if ref is None:
            return []
        base = f'kind == "{ref.kind}" and number == {json.dumps(ref.number)}'
        rows = self.client.query(self.store.passages, filter=f"{base} and ({expr})",
                                 output_fields=["ord"], limit=100)
        if not rows and not self.client.query(self.store.passages, filter=base,
                                              output_fields=["ord"], limit=1):
            notes.append(Message("note_no_paragraph" if ref.kind == "paragraph"
                                 else "note_no_recommendation", number=ref.number))
        return sorted(((r["id"], int(r["ord"])) for r in rows), key=lambda t: t[1])

    def _citing(self, analysis, expr: str) -> set[str]:
        """Passages citing a document symbol the query names."""
        out: set[str] = set()
        for code in analysis.codes:
            rows = self.client.query(
                self.store.passages, output_fields=["ord"], limit=100,
                filter=f"TEXT_MATCH(terms, '{encode_term(code)}') and ({expr})")
            out.update(r["id"] for r in rows)
        return out

    def _payloads(self, ids: Sequence[str]) -> dict[str, Passage]:
        out = {}
        for chunk in _chunks(list(ids), 500):
            for r in self.client.query(self.store.passages, filter=_expr_in("id", chunk),
                                       output_fields=["passage"]):
                out[r["id"]] = Passage.from_json(json.loads(r["passage"]))
        return out

    def citation(self, doc_id: str) -> dict:
        if doc_id not in self._docs:
            self._docs.update(self.store._meta_rows([doc_id]))
        d = self._docs.get(doc_id) or {"id": doc_id}
        return {k: d.get(k) for k in CITE_FIELDS}

    def _linked(self, passages: Sequence[Passage]) -> dict[str, list[dict]]:
        keys = {}
        for p in passages:
            d = self._docs.get(p.doc) or {}
            if p.number is not None:
                keys[p.id] = (d.get("version_key") or p.doc, p.kind, p.number, p.doc)
        if not keys:
            return {}
        expr = (_expr_in("version_key", {k[0] for k in keys.values()}) + " and "
                + _expr_in("number", {k[2] for k in keys.values()}))
        rows = self.client.query(self.store.passages, filter=expr,
                                 output_fields=["version_key", "kind", "number", "doc", "lang",
                                                "passage", "ord"], limit=16384)
        rows.sort(key=lambda r: r["ord"])
        out: dict[str, list[dict]] = {}
        for pid, (vk, kind, number, doc) in keys.items():
            for r in rows:
                if (r["version_key"], r["kind"], r["number"]) == (vk, kind, number) \
                        and r["doc"] != doc:
                    p = json.loads(r["passage"])
                    out.setdefault(pid, []).append(
                        {"id": p["id"], "doc": p["doc"], "lang": r["lang"] or None,
                         "label_ar": p["label_ar"], "label_en": p["label_en"], "text": p["text"]})
        return out

    # -- search ------------------------------------------------------------------------------
    @milvus_errors
    def search(self, query: str, k: int = 10, *, kinds=DEFAULT_KINDS, parts=None, docs=None,
               mode: str = "hybrid", years=None, langs=None, fusion: str = "fahras",
               ) -> SearchResult:
        """The ``k`` best passages for a query (Arabic or English), best first."""
        if not isinstance(k, int) or k < 1:
            raise UsageError("k_not_whole")
        if mode not in MODES:
            raise UsageError("unknown_mode", mode=mode, choices=", ".join(MODES))
        if fusion not in FUSIONS:
            raise UsageError("unknown_fusion", fusion=fusion, choices=", ".join(FUSIONS))
        k = min(k, MAX_K)
        q = check_query(query)
        expr = self._filter(kinds, parts, docs, years, langs)
        if mode != "lexical":
            self.embedder
        t0 = time.perf_counter()
        analysis = analyze_query(q)
        notes: list[str] = []
        timings: dict[str, float] = {}
        expansions = self.expander(analysis) if (self.expander and mode != "dense") else []

        if fusion == "rrf" and mode == "hybrid":
            ranked, lexical, dense = self._rrf(q, analysis, expansions, expr, k, timings)
        else:
            lexical: dict[str, tuple[float, int]] = {}
            dense: dict[str, tuple[float, int]] = {}
            strongest = 0.0
            if mode in ("hybrid", "lexical"):
                t = time.perf_counter()
                query_terms = self.lexical_query(analysis, expansions)
                strongest = max((w for term, w in query_terms.items()
                                 if self.lexical.doc_freq(term)), default=0.0)
                lexical = self._lexical(query_terms, expr)
                timings["lexical_ms"] = (time.perf_counter() - t) * 1000
            if mode in ("hybrid", "dense"):
                t = time.perf_counter()
                qvec = self.encode_query(q)
                timings["encode_ms"] = (time.perf_counter() - t) * 1000
                t = time.perf_counter()
                dense = self._dense(qvec, expr, also=lexical if mode == "hybrid" else ())
                timings["dense_ms"] = (time.perf_counter() - t) * 1000
            ranked = self._fuse(analysis, mode, lexical, dense, strongest)

        pinned = self._pinned(analysis, expr, notes)
        top = max((s for _, s in ranked), default=0.0)
        pinned_ids = [pid for pid, _ in pinned]
        citing = self._citing(analysis, expr) - set(pinned_ids)
        pinned_ids += [pid for pid, _ in ranked if pid in citing]  # best first, as embedded
        final = [(pid, max(dict(ranked).get(pid, 0.0), top), True) for pid in pinned_ids]
        final += [(pid, s, False) for pid, s in ranked if pid not in pinned_ids]
        final = final[:k]
        payloads = self._payloads([pid for pid, _, _ in final])
        for p in payloads.values():
            self.citation(p.doc)
        linked = self._linked(list(payloads.values()))
        hits = []
        for rank, (pid, score, is_pinned) in enumerate(final, start=1):
            p = payloads[pid]
            hits.append(Hit(rank, p, float(score), lexical.get(pid, (0.0, 0))[0],
                            dense.get(pid, (0.0, 0))[0], is_pinned, self.citation(p.doc),
                            linked.get(pid, [])))
        timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return SearchResult(analysis.text, hits, analysis, expansions, notes, timings)

    def _fuse(self, analysis, mode, lexical, dense, strongest: float = 0.0,
              ) -> list[tuple[str, float]]:
        """The embedded searcher's fusion on the candidates: min-max interpolation with the
        weights of the query's script; ties in reading order."""
        order = {pid: o for run in (lexical, dense) for pid, (_, o) in run.items()}
        if mode == "lexical":
            fused = {pid: s for pid, (s, _) in lexical.items()}
        elif mode == "dense":
            fused = {pid: s for pid, (s, _) in dense.items()}
        else:
            cands = set(lexical) | set(dense)
            lex = {pid: lexical.get(pid, (0.0, 0))[0] for pid in cands}
            den = {pid: dense[pid][0] for pid in cands if pid in dense}
            w = fusion_weights(analysis, strongest if max(lex.values(), default=0) > 0 else 0.0)
            fused = fusion_mod.interpolate([lex, den], w)
        return sorted(fused.items(), key=lambda t: (-t[1], order.get(t[0], 0)))

    def _rrf(self, q, analysis, expansions, expr, k, timings):
        """Server-side fusion: Milvus ``hybrid_search`` with reciprocal rank fusion."""
        pymilvus = _pymilvus()
        weights = self.lexical_query(analysis, expansions)
        words = [w for term, wt in weights.items()
                 for w in [encode_term(term)] * int(round(wt * WEIGHT_STEPS))]
        qvec = self.encode_query(q)
        t = time.perf_counter()
        reqs = [pymilvus.AnnSearchRequest(
            data=[np.asarray(qvec, dtype=np.float32).tolist()], anns_field="dense",
            param={"metric_type": "IP", "params": {"ef": EF_SEARCH}}, limit=CANDIDATES,
            expr=expr)]
        if words:
            reqs.append(pymilvus.AnnSearchRequest(
                data=[" ".join(words)], anns_field="sparse", param={"metric_type": "BM25"},
                limit=CANDIDATES, expr=expr))
        res = self.client.hybrid_search(self.store.passages, reqs, pymilvus.RRFRanker(RRF_K),
                                        limit=k, output_fields=["ord"])
        timings["hybrid_ms"] = (time.perf_counter() - t) * 1000
        hits = list(res[0]) if res else []
        ranked = [(h["id"], float(h["distance"])) for h in hits]
        return ranked, {}, {h["id"]: (0.0, int(h["entity"]["ord"])) for h in hits}


def _chunks(items: Sequence, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]
