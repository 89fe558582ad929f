"""Lexical search: Okapi BM25 over analyzed terms (rank-bm25), with a positive IDF.

rank-bm25's ``BM25Okapi`` computes ``idf = log((N - n + 0.5) / (n + 0.5))``, which is zero for a
term in exactly half of the passages and negative above that; it then floors negative values at
``epsilon * mean idf``. In one report most passages contain «تهريب المهاجرين», so those terms
would score nothing, or a constant unrelated to their frequency. Here the IDF is Lucene's
``log(1 + (N - n + 0.5) / (n + 0.5))`` (Robertson-Sparck Jones made non-negative, as in
Lucene >= 6 and pyserini), positive for every term and still decreasing with ``n``.

Query terms can carry weights (the English-to-Arabic expansions are weaker than the user's own
words): a passage's score is ``sum(weight(t) * bm25(t, passage))`` over distinct query terms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from rank_bm25 import BM25Okapi

# k1 = 1.2 as in Lucene and pyserini. b = 0.5, not the usual 0.75: passages here are whole
# paragraphs of very unequal length (from one line to a page-long list of countries), and strong
# length normalization buried a long paragraph whose one rare term the query named. Measured with
# ``python tools/sweep.py`` (docs/evaluation.md): b in 0.3-0.5 beat 0.75 on Arabic and
# English questions of the development and held-out sets; 0.5 is the best balance.
K1 = 1.2
B = 0.5


def lucene_idf(n_docs: int, doc_freq: int) -> float:
    """Lucene's BM25 IDF: ``log(1 + (N - n + 0.5) / (n + 0.5))``, always > 0."""
    return math.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))


def bm25(tf: float, doc_len: float, avgdl: float, idf: float, k1: float = K1,
         b: float = B) -> float:
    """One term's BM25 contribution to one passage (the formula :class:`LexicalIndex` uses;
    other engines rescore with it so that scores agree everywhere)."""
    return idf * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * doc_len / avgdl))


class _PositiveIdfBM25(BM25Okapi):
    def _calc_idf(self, nd):  # noqa: D401 - rank-bm25's hook
        self.idf = {term: lucene_idf(self.corpus_size, freq) for term, freq in nd.items()}


class LexicalIndex:
    """BM25 over lists of terms (one list per passage), scored with optional term weights."""

    def __init__(self, docs_terms: Sequence[Sequence[str]], k1: float = K1, b: float = B):
        if not docs_terms:
            raise ValueError("a lexical index needs at least one passage")
        # rank-bm25 divides by the mean length: give empty passages one dummy term.
        corpus = [list(t) if t else ["\u2205"] for t in docs_terms]
        self._bm25 = _PositiveIdfBM25(corpus, k1=k1, b=b)
        self.k1, self.b = k1, b
        self.n_docs = len(corpus)
        self._doc_len = np.asarray(self._bm25.doc_len, dtype=np.float64)
        # Inverted lists: term -> (passage indexes, term frequencies), built once.
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, freqs in enumerate(self._bm25.doc_freqs):
            for term, tf in freqs.items():
                ids, tfs = postings.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(tf)
        self._postings = {t: (np.asarray(ids), np.asarray(tfs, dtype=np.float64))
                          for t, (ids, tfs) in postings.items()}
        self._norm = k1 * (1.0 - b + b * self._doc_len / self._bm25.avgdl)

    def idf(self, term: str) -> float:
        return self._bm25.idf.get(term, 0.0)

    def vocabulary(self):
        """The index's terms."""
        return self._postings.keys()

    def doc_freq(self, term: str) -> int:
        p = self._postings.get(term)
        return 0 if p is None else len(p[0])

    def passages_with(self, term: str) -> list[int]:
        """Indexes of the passages that contain ``term``."""
        p = self._postings.get(term)
        return [] if p is None else [int(i) for i in p[0]]

    def contains(self, term: str, rows: np.ndarray) -> np.ndarray:
        """For each of ``rows``, whether its passage contains ``term``."""
        p = self._postings.get(term)
        return np.zeros(len(rows), dtype=bool) if p is None else np.isin(rows, p[0])

    def term_scores(self, term: str) -> np.ndarray:
        """BM25 contribution of one term to every passage."""
        out = np.zeros(self.n_docs)
        p = self._postings.get(term)
        if p is not None:
            ids, tf = p
            out[ids] = self.idf(term) * tf * (self.k1 + 1.0) / (tf + self._norm[ids])
        return out

    def scores(self, query: Sequence[str] | Mapping[str, float]) -> np.ndarray:
        """BM25 score of every passage for the query's distinct terms (weighted if a mapping)."""
        weights = _weights(query)
        out = np.zeros(self.n_docs)
        for term, w in weights.items():
            if w:
                out += w * self.term_scores(term)
        return out

    def reference_scores(self, query: Sequence[str]) -> np.ndarray:
        """rank-bm25's own ``get_scores`` on the distinct terms (used to check :meth:`scores`)."""
        return np.asarray(self._bm25.get_scores(list(dict.fromkeys(query))))


def _weights(query: Sequence[str] | Mapping[str, float]) -> dict[str, float]:
    if isinstance(query, Mapping):
        return {t: float(w) for t, w in query.items()}
    return {t: 1.0 for t in dict.fromkeys(query)}
