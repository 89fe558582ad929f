"""Milvus storage: the connection, the three collections of a Fahras corpus, and their rows.

Select a Milvus by URI (``pymilvus.MilvusClient`` speaks to all three the same way): a Milvus
Lite file (``./fahras.db``), a Milvus server or a cluster (``http://milvus-host:19530``). A
token, for a server with authentication, is read from ``FAHRAS_MILVUS_TOKEN``, never from the
command line.

What is stored -- three collections, ``<name>_passages``, ``<name>_sentences`` and
``<name>_documents`` (default name ``fahras``):

- passages: the passage (JSON, the report's own text), the scalar fields the filters use (doc,
  kind, part, lang, year, number, version key), its reading order ``ord`` (the engine's row),
  its embedding (HNSW, inner product), and its BM25 terms. Milvus has no Arabic analyzer, so
  the terms are Fahras' own (:func:`fahras.text.arabic.analyze`: normalized,
  light-stemmed, stop words out), each written as an opaque ASCII token (``t`` + 16 hex digits
  of its hash) so that any Milvus tokenizer -- ``standard`` in Milvus Lite, which has no
  ``whitespace`` tokenizer -- keeps every term whole (``ctoc/cop/wg.7/2024/3`` would otherwise
  be split). A ``BM25`` function turns them into a sparse vector.
- sentences: each sentence's embedding, with its passage id and the same filter fields (its id
  is ``<passage id>#<start>-<end>``: where it is in its passage).
- documents: each document's metadata and content hash (for incremental updates), one
  ``__fahras__`` row with the model and normalizer the collection was built with, and the
  corpus's own glossary files (``__fahras_glossary__:`` rows, :mod:`fahras.index.glossaries`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from fahras import config
from fahras.errors import FahrasError, IndexError_, UsageError
from fahras.index.report import Passage
from fahras.retrieval.lexical import B, K1

DEFAULT_COLLECTION = "fahras"
INFO_ID = "__fahras__"
GLOSSARY_PREFIX = "__fahras_glossary__:"
MAX_VARCHAR = 65535
GLOSSARY_CHUNK = 15_000  # characters of the glossaries' JSON per row (at most 4 bytes each)
INSERT_BATCH = 500
HNSW_PARAMS = {"M": 32, "efConstruction": 200}
EF_SEARCH = 256  # HNSW search breadth (at least the number of neighbours asked for)
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


def expr_in(field: str, values: Iterable) -> str:
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
            rows = self.client.query(self.documents, filter=expr_in("id", ids),
                                     output_fields=["id", "meta"])
            return {r["id"]: json.loads(r["meta"]) for r in rows}
        return {r["id"]: json.loads(r["meta"]) for r in scan(self.client, self.documents,
                                                             ["id", "meta"])}

    def info(self) -> dict | None:
        return self._meta_rows([INFO_ID]).get(INFO_ID)

    def document_entries(self) -> dict[str, dict]:
        rows = self._meta_rows()
        return {k: v for k, v in rows.items()
                if k != INFO_ID and not k.startswith(GLOSSARY_PREFIX)}

    def write_info(self, info: dict) -> None:
        self.client.upsert(self.documents, [{"id": INFO_ID, "meta": json.dumps(info),
                                             "dense": [0.0, 0.0]}])

    def glossaries(self) -> list[dict]:
        """The corpus's own glossary files, as :mod:`fahras.index.glossaries` collects them."""
        rows = self.client.query(self.documents, filter=f'id like "{GLOSSARY_PREFIX}%"',
                                 output_fields=["id", "meta"])
        text = "".join(json.loads(r["meta"])["chunk"] for r in sorted(rows, key=lambda r: r["id"]))
        return json.loads(text) if text else []

    def write_glossaries(self, glossaries: list[dict]) -> None:
        """Replace the stored glossaries (one JSON text, in rows of ``GLOSSARY_CHUNK``)."""
        self.client.delete(self.documents, filter=f'id like "{GLOSSARY_PREFIX}%"')
        text = json.dumps(glossaries, ensure_ascii=False) if glossaries else ""
        rows = [{"id": f"{GLOSSARY_PREFIX}{i // GLOSSARY_CHUNK:06d}",
                 "meta": json.dumps({"chunk": text[i:i + GLOSSARY_CHUNK]}, ensure_ascii=False),
                 "dense": [0.0, 0.0]} for i in range(0, len(text), GLOSSARY_CHUNK)]
        for batch in chunks(rows, INSERT_BATCH):
            self.client.upsert(self.documents, batch)

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        for c in (self.passages, self.sentences):
            self.client.delete(c, filter=expr_in("doc", doc_ids))
        self.client.delete(self.documents, filter=expr_in("id", doc_ids))

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



def passage_length(terms: str) -> int:
    """A passage's length in terms, as :class:`LexicalIndex` counts it (an empty one is 1)."""
    return max(1, len(terms.split()))


def scan(client, collection: str, fields: list[str]):
    """Every row of a collection (its id and ``fields``), read in batches."""
    it = client.query_iterator(collection, batch_size=1000, filter='id != ""',
                               output_fields=fields)
    try:
        while batch := it.next():
            yield from batch
    finally:
        it.close()


def chunks(items: Sequence, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]
