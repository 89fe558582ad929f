"""Dense search: FAISS inner product over L2-normalized vectors (that is, cosine similarity).

The FAISS index type is chosen by size (``kind="auto"``): an exact ``IndexFlatIP`` up to
``HNSW_FROM`` vectors (a query costs about 15 ms at 100k vectors on 2 cores), an HNSW graph
(``IndexHNSWFlat``, M=32) beyond, whose queries stay around a millisecond at a million vectors
with recall@10 measured in docs/scale.md. The index is built from the stored vectors when the
index is opened; the vectors themselves stay available so that the fusion can score any
candidate, not only the dense top-k.

:meth:`DenseIndex.scores` gives every passage a score. With the exact index these are all the
cosines; with HNSW, the ``CANDIDATES`` nearest passages get their cosine and the others the
lowest of those (a floor: below every candidate, and not so low that min-max normalization in
the fusion squashes the candidates together).
"""

from __future__ import annotations

import numpy as np


# Exact search up to this many vectors; HNSW from there on (docs/scale.md).
HNSW_FROM = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
CANDIDATES = 1000
KINDS = ("auto", "flat", "hnsw")


class DenseIndex:
    def __init__(self, vectors: np.ndarray, kind: str = "auto"):
        import faiss

        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2:
            raise ValueError("vectors must be a 2-D array")
        if kind not in KINDS:
            raise ValueError(f"unknown dense index kind {kind!r}; choose one of {KINDS}")
        self.dim = self.vectors.shape[1]
        if kind == "auto":
            kind = "hnsw" if len(self.vectors) >= HNSW_FROM else "flat"
        self.kind = kind
        if kind == "hnsw":
            self._index = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            self._index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            self._index = faiss.IndexFlatIP(self.dim)
        self._index.add(self.vectors)

    def __len__(self) -> int:
        return self.vectors.shape[0]

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest passages: (indexes, cosine scores), best first."""
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        k = max(1, min(k, len(self)))
        if self.kind == "hnsw":
            self._index.hnsw.efSearch = max(HNSW_EF_SEARCH, k)
        scores, ids = self._index.search(q, k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine score of every passage: exact with a flat index; with HNSW the nearest
        ``CANDIDATES`` get theirs and the others the lowest of those."""
        if self.kind == "hnsw":
            ids, sc = self.search(query, CANDIDATES)
            out = np.full(len(self), float(sc.min()) if len(sc) else -1.0, dtype=np.float64)
            out[ids] = sc
            return out
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        return (self.vectors @ q).astype(np.float64)
