"""Dense search: FAISS inner product over L2-normalized vectors (that is, cosine similarity).

An exact ``IndexFlatIP`` is built from the stored vectors when the index is opened (it takes
milliseconds at report scale); the vectors themselves stay available so that the fusion can
score any candidate, not only the dense top-k.
"""

from __future__ import annotations

import numpy as np


class DenseIndex:
    def __init__(self, vectors: np.ndarray):
        import faiss

        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2:
            raise ValueError("vectors must be a 2-D array")
        self.dim = self.vectors.shape[1]
        self._index = faiss.IndexFlatIP(self.dim)
        self._index.add(self.vectors)

    def __len__(self) -> int:
        return self.vectors.shape[0]

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest passages: (indexes, cosine scores), best first."""
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        k = max(1, min(k, len(self)))
        scores, ids = self._index.search(q, k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine score of every passage (exact; used for fusion at report scale)."""
        ids, sc = self.search(query, len(self))
        out = np.full(len(self), -1.0, dtype=np.float64)
        out[ids] = sc
        return out
