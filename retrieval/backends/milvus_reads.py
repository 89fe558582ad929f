"""What the Milvus engine reads from its collections and keeps in this process: the corpus
statistics of BM25, passages and their fields by row, and the sentences the answer layer asks
for. Everything is read in batches the first time it is needed; the caches of fields hold at
most ``CACHE_LIMIT`` entries each (one over the limit is emptied and read again on need)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from fahras.index.report import Passage
from fahras.text.arabic import analyze
from fahras.retrieval.backends.milvus_store import (
    MilvusStore,
    chunks,
    encode_term,
    expr_in,
    passage_length,
    scan,
)
from fahras.retrieval.lexical import bm25, lucene_idf

CACHE_LIMIT = 50_000
# Up to this many passages, the document frequencies are counted here from one read of the
# passages' terms (the same tokens Milvus' TEXT_MATCH counts); beyond, one count query a term.
LOCAL_STATS_UP_TO = 20_000
QUERY_BATCH = 500
MAX_LIMIT = 16_384  # Milvus' largest result window


class _Bounded(dict):
    def remember(self, key, value):
        if len(self) >= CACHE_LIMIT:
            self.clear()
        self[key] = value
        return value


class RowFields:
    """One field of the passages collection by row (``ord``), read in batches."""

    def __init__(self, store: MilvusStore, field: str, convert: Callable[[dict], object]):
        self.store, self.field, self.convert = store, field, convert
        self._cache = _Bounded()

    def get(self, rows: Iterable[int]) -> dict[int, object]:
        """Values of these rows (a row with no passage, a hole, is left out)."""
        rows = [int(r) for r in rows]
        out = {r: self._cache[r] for r in rows if r in self._cache}
        missing = [r for r in dict.fromkeys(rows) if r not in out]
        for batch in chunks(missing, QUERY_BATCH):
            for r in self.store.client.query(self.store.passages, filter=expr_in("ord", batch),
                                             output_fields=["ord", self.field]):
                out[int(r["ord"])] = self._cache.remember(int(r["ord"]), self.convert(r))
        return out

    def put(self, row: int, record: dict) -> None:
        """A value read by another query (a search's output fields)."""
        if int(row) not in self._cache:
            self._cache.remember(int(row), self.convert(record))


def term_counts(record: dict) -> tuple[Counter, int]:
    """A passage's BM25 terms (the ``terms`` field): their counts and the passage's length."""
    return Counter(record["terms"].split()), passage_length(record["terms"])


class MilvusLexical:
    """The corpus statistics Fahras' BM25 needs (size, mean length, document frequency), read
    from the collection: Milvus finds the candidates, Fahras scores them with its own formula,
    so scores are the embedded engine's (Milvus Lite ignores ``bm25_k1``/``bm25_b``)."""

    def __init__(self, store: MilvusStore, terms: RowFields, texts: Callable[[], Iterable[str]]):
        self.store, self.terms = store, terms
        self._texts = texts
        self.n_docs = store.count()
        entries = store.document_entries().values()
        total = [(e.get("entry") or {}).get("n_terms") for e in entries]
        if self.n_docs and all(t is not None for t in total):
            self.avgdl = sum(total) / self.n_docs
        else:  # a collection written before lengths were recorded: count them once
            self.avgdl = self._count_lengths() / max(1, self.n_docs)
        self._df = _Bounded()
        self._local_df: Counter | None = None
        self._vocabulary: frozenset[str] | None = None

    def _count_lengths(self) -> int:
        return sum(passage_length(r["terms"])
                   for r in scan(self.store.client, self.store.passages, ["terms"]))

    def _local(self) -> Counter | None:
        """Token -> number of passages, from one read of every passage's terms (small
        collections only); the terms read are kept for scoring too."""
        if self._local_df is None and self.n_docs <= LOCAL_STATS_UP_TO:
            df: Counter = Counter()
            for r in scan(self.store.client, self.store.passages, ["ord", "terms"]):
                df.update(set(r["terms"].split()))
                self.terms.put(r["ord"], r)
            self._local_df = df
        return self._local_df

    def doc_freq(self, term: str) -> int:
        local = self._local()
        if local is not None:
            return local.get(encode_term(term), 0)
        if term not in self._df:
            rows = self.store.client.query(
                self.store.passages, filter=f"TEXT_MATCH(terms, '{encode_term(term)}')",
                output_fields=["count(*)"])
            self._df.remember(term, int(rows[0]["count(*)"]))
        return self._df[term]

    def idf(self, term: str) -> float:
        n = self.doc_freq(term)
        return lucene_idf(self.n_docs, n) if n else 0.0

    def vocabulary(self) -> frozenset[str]:
        """The index's terms. Milvus keeps them only as opaque tokens, so they are the
        passages' analysed words again (read once, on the first query that needs them)."""
        if self._vocabulary is None:
            self._vocabulary = frozenset(t for text in self._texts() for t in analyze(text))
        return self._vocabulary

    def contains(self, term: str, rows: np.ndarray) -> np.ndarray:
        counts = self.terms.get(rows)
        token = encode_term(term)
        return np.array([token in counts.get(int(r), (Counter(), 1))[0] for r in rows],
                        dtype=bool)

    def scores(self, weights: dict[str, float], rows: Sequence[int]) -> np.ndarray:
        """Fahras' BM25 scores of ``rows`` for weighted query terms."""
        counts = self.terms.get(rows)
        query = [(encode_term(t), w, self.idf(t)) for t, w in weights.items() if w]
        out = np.zeros(len(rows))
        for j, r in enumerate(rows):
            tf, length = counts.get(int(r), (Counter(), 1))
            for token, w, idf in query:
                if tf[token]:
                    out[j] += w * bm25(tf[token], length, self.avgdl, idf)
        return out


class Sentences:
    """The sentences of the passages an engine has looked at, with rows of their own (in the
    reading order of each passage) and their embeddings."""

    def __init__(self, store: MilvusStore, passage_ids: Callable[[Sequence[int]], dict]):
        self.store = store
        self._passage_ids = passage_ids  # rows -> {row: passage id}
        self.spans: list[tuple[int, int, int]] = []
        self.ids: list[str] = []
        self.of_passage: dict[int, list[int]] = {}
        self._vectors = _Bounded()
        self._everything = None

    def load(self, prows: Iterable[int]) -> None:
        """Read the sentences of these passages (those not read yet)."""
        todo = [int(r) for r in dict.fromkeys(prows) if int(r) not in self.of_passage]
        if not todo:
            return
        pids = self._passage_ids(todo)
        row_of = {pid: r for r, pid in pids.items()}
        found: dict[int, list[tuple[int, int, str, list]]] = {r: [] for r in todo}
        for batch in chunks(list(row_of), 100):
            for rec in self.store.client.query(self.store.sentences,
                                               filter=expr_in("passage", batch),
                                               output_fields=["passage", "dense"],
                                               limit=MAX_LIMIT):
                a, b = (int(x) for x in rec["id"].rsplit("#", 1)[1].split("-"))
                found[row_of[rec["passage"]]].append((a, b, rec["id"], rec["dense"]))
        for prow, sents in found.items():
            rows = []
            for a, b, sid, vec in sorted(sents):
                rows.append(len(self.spans))
                self.spans.append((prow, a, b))
                self.ids.append(sid)
                self._vectors.remember(rows[-1], np.asarray(vec, dtype=np.float32))
            self.of_passage[prow] = rows

    def everything(self, row_of_id: Callable[[], dict[str, int]]):
        """Every sentence of the collection: (passage rows, starts, ids, vectors), in reading
        order (read once: for an exact nearest-sentence search over a small collection)."""
        if self._everything is None:
            recs = list(scan(self.store.client, self.store.sentences, ["passage", "dense"]))
            rows = row_of_id()
            keyed = sorted((rows.get(r["passage"], -1),
                            int(r["id"].rsplit("#", 1)[1].split("-")[0]), r["id"], r["dense"])
                           for r in recs)
            self._everything = (np.array([k[0] for k in keyed], dtype=np.int64),
                                [k[2] for k in keyed],
                                np.asarray([k[3] for k in keyed], dtype=np.float32))
        return self._everything

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        rows = [int(r) for r in rows]
        missing = [r for r in rows if r not in self._vectors]
        for batch in chunks(missing, QUERY_BATCH):
            by_id = {self.ids[r]: r for r in batch}
            for rec in self.store.client.query(self.store.sentences,
                                               filter=expr_in("id", list(by_id)),
                                               output_fields=["dense"]):
                self._vectors.remember(by_id[rec["id"]], np.asarray(rec["dense"], np.float32))
        vecs = [self._vectors.get(r) for r in rows]
        if any(v is None for v in vecs):  # emptied meanwhile (a very large read): read again
            return self.vectors(rows)
        return np.vstack(vecs) if vecs else np.zeros((0, 0), dtype=np.float32)


class Passages:
    """The passages of a Milvus collection by row: ``passages[row]`` (None for a hole),
    ``len()`` the number of passages, iteration all of them in reading order (which reads the
    whole collection: for evaluation, name matching and small corpora, not for a search)."""

    def __init__(self, store: MilvusStore, count: int):
        self.store, self.count = store, count
        self.payloads = RowFields(store, "passage",
                                  lambda r: Passage.from_json(json.loads(r["passage"])))
        self._all: list[Passage] | None = None

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, row: int) -> Passage | None:
        return self.payloads.get([row]).get(int(row))

    def get(self, rows: Sequence[int]) -> dict[int, Passage]:
        return self.payloads.get(rows)

    def __iter__(self):
        if self._all is None:
            rows = sorted(scan(self.store.client, self.store.passages, ["ord", "passage"]),
                          key=lambda r: r["ord"])
            self._all = [Passage.from_json(json.loads(r["passage"])) for r in rows]
        return iter(self._all)
