"""The lexical engine for large corpora: BM25 precomputed into a sparse matrix (bm25s), with
exactly the scoring of :class:`fahras.retrieval.lexical.LexicalIndex` (Lucene IDF, k1, b).

:class:`LexicalIndex` builds rank-bm25's per-passage dictionaries and scores a query from
numpy postings: its queries stay fast at 100k passages (about 1 ms p50, see docs/scale.md),
but building it keeps a Python dict per passage -- time and memory that grow with the corpus
(about 330 MB and 11 s at 100k passages, ten times that at 1M). bm25s stores each (term,
passage) score once in a compressed sparse column matrix, built with numpy.

Same scores: bm25s' ``lucene`` method uses Lucene's IDF ``log(1 + (N - n + 0.5) / (n + 0.5))``
and Lucene's term-frequency part ``tf / (tf + k1 * (1 - b + b * dl / avgdl))``, which omits
the constant factor ``(k1 + 1)`` of the classic formula that rank-bm25 and
:class:`LexicalIndex` use; it is multiplied back here, so both engines give the same number for
every passage (to float32 precision) and fusion weights mean the same thing with either.

:func:`make_lexical_index` chooses by corpus size (``FAST_ENGINE_FROM`` passages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from fahras.retrieval.lexical import B, K1, LexicalIndex, _weights

# From this many passages on, the bm25s engine (chosen by measurement: docs/scale.md).
FAST_ENGINE_FROM = 50_000
ENGINES = ("auto", "rank-bm25", "bm25s")
_EMPTY = "\u2205"  # LexicalIndex gives an empty passage this one dummy term: same here


class FastLexicalIndex:
    """BM25 over lists of terms with bm25s' sparse matrix; the interface of LexicalIndex."""

    engine = "bm25s"

    def __init__(self, docs_terms: Sequence[Sequence[str]], k1: float = K1, b: float = B):
        import bm25s

        if not docs_terms:
            raise ValueError("a lexical index needs at least one passage")
        self.k1, self.b = k1, b
        self.n_docs = len(docs_terms)
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in (terms or (_EMPTY,))]
               for terms in docs_terms]
        model = bm25s.BM25(k1=k1, b=b, method="lucene", idf_method="lucene")
        matrix = model.build_index_from_ids(list(range(len(vocab))), ids, show_progress=False)
        self._vocab = vocab
        self._data = np.asarray(matrix["data"], dtype=np.float32) * np.float32(k1 + 1.0)
        self._indices = np.asarray(matrix["indices"])
        self._indptr = np.asarray(matrix["indptr"])

    def _column(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        tid = self._vocab.get(term)
        if tid is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        a, b = self._indptr[tid], self._indptr[tid + 1]
        return self._indices[a:b], self._data[a:b]

    def vocabulary(self):
        """The index's terms."""
        return self._vocab.keys()

    def doc_freq(self, term: str) -> int:
        tid = self._vocab.get(term)
        return 0 if tid is None else int(self._indptr[tid + 1] - self._indptr[tid])

    def passages_with(self, term: str) -> list[int]:
        """Indexes of the passages that contain ``term``."""
        return [int(i) for i in self._column(term)[0]]

    def contains(self, term: str, rows: np.ndarray) -> np.ndarray:
        """For each of ``rows``, whether its passage contains ``term``."""
        return np.isin(rows, self._column(term)[0])

    def idf(self, term: str) -> float:
        from fahras.retrieval.lexical import lucene_idf

        n = self.doc_freq(term)
        return lucene_idf(self.n_docs, n) if n else 0.0

    def term_scores(self, term: str) -> np.ndarray:
        out = np.zeros(self.n_docs)
        ids, scores = self._column(term)
        out[ids] = scores
        return out

    def scores(self, query: Sequence[str] | Mapping[str, float]) -> np.ndarray:
        """BM25 score of every passage for the query's distinct terms (weighted if a mapping)."""
        out = np.zeros(self.n_docs)
        for term, w in _weights(query).items():
            if w:
                ids, scores = self._column(term)
                out[ids] += w * scores
        return out


def make_lexical_index(docs_terms: Sequence[Sequence[str]], engine: str = "auto"):
    """The lexical index for a corpus: rank-bm25 (``LexicalIndex``) below
    ``FAST_ENGINE_FROM`` passages, bm25s from there on (or the ``engine`` asked for)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown lexical engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "auto":
        engine = "bm25s" if len(docs_terms) >= FAST_ENGINE_FROM else "rank-bm25"
    if engine == "bm25s":
        return FastLexicalIndex(docs_terms)
    return LexicalIndex(docs_terms)
