"""Dense search: FAISS inner product over L2-normalized vectors (that is, cosine similarity).

The FAISS index type is chosen by size (``kind="auto"``): an exact ``IndexFlatIP`` up to
``HNSW_FROM`` vectors (a query costs about 15 ms at 100k vectors on 2 cores), an HNSW graph
(``IndexHNSWFlat``, M=32) beyond, whose queries stay around a millisecond at a million vectors
with recall@10 measured in docs/scale.md. The index is built from the stored vectors when the
index is opened (an HNSW graph is cached on disk, see ``cache``); the vectors themselves stay
available so that the fusion can score any candidate, not only the dense top-k.

:meth:`DenseIndex.scores` gives every passage a score. With the exact index these are all the
cosines; with HNSW, the ``CANDIDATES`` nearest passages get their cosine and the others the
lowest of those (a floor: below every candidate, and not so low that min-max normalization in
the fusion squashes the candidates together).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np


# Exact search up to this many vectors; HNSW from there on (docs/scale.md).
HNSW_FROM = 200_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
CANDIDATES = 1000
KEEP_CACHES = 4
KINDS = ("auto", "flat", "hnsw")


class DenseIndex:
    def __init__(self, vectors: np.ndarray, kind: str = "auto", cache: Path | None = None):
        """``cache``: a file for the HNSW graph (built once, then read: building takes about a
        minute per 100k vectors on 2 cores). Name it by the vectors' content hash: a cache that
        does not match the vectors is rebuilt."""
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2:
            raise ValueError("vectors must be a 2-D array")
        if kind not in KINDS:
            raise ValueError(f"unknown dense index kind {kind!r}; choose one of {KINDS}")
        self.dim = self.vectors.shape[1]
        if kind == "auto":
            kind = "hnsw" if len(self.vectors) >= HNSW_FROM else "flat"
        self.kind = kind
        self.from_cache = False
        self._faiss = None  # flat: built on the first search(); scores() needs none
        if kind == "hnsw":
            import faiss

            self._faiss = _read_cache(cache, self.vectors) if cache is not None else None
            self.from_cache = self._faiss is not None
            if self._faiss is None:
                self._faiss = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
                self._faiss.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
                self._faiss.add(self.vectors)
                if cache is not None:
                    _write_cache(cache, self._faiss)

    @property
    def _index(self):
        """The FAISS index (a flat one is made on first use: importing FAISS and copying the
        vectors is time a one-shot search that scores every passage with numpy does not need)."""
        if self._faiss is None:
            import faiss

            self._faiss = faiss.IndexFlatIP(self.dim)
            self._faiss.add(self.vectors)
        return self._faiss

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


def cache_name(vectors_sha256: str) -> str:
    """The cache file name of an HNSW graph over vectors with this content hash."""
    return f"hnsw-M{HNSW_M}-ef{HNSW_EF_CONSTRUCTION}-{vectors_sha256[:32]}.faiss"


def _read_cache(path: Path, vectors: np.ndarray):
    """The cached graph (FAISS' own binary format, not pickle), or None if absent, damaged or
    not for these vectors. Damage: the file's sha256 must equal the one written beside it
    (``<name>.sha256``) when the graph was saved -- a graph with a flipped byte could send a
    search to a neighbour that does not exist. Then size, dimension, and the stored copies of
    the first and last vectors must match."""
    import faiss

    from fahras.fsutil import sha256_file

    try:
        expected = _sidecar(path).read_text(encoding="ascii").strip()
        if not expected or sha256_file(path) != expected:
            return None
        index = faiss.read_index(str(path))
    except (RuntimeError, OSError, UnicodeDecodeError, ValueError):
        return None
    n = vectors.shape[0]
    if index.ntotal != n or index.d != vectors.shape[1] or n == 0:
        return None
    probe = np.array([0, n - 1])
    if not np.array_equal(np.vstack([index.reconstruct(int(i)) for i in probe]), vectors[probe]):
        return None
    return index


def _sidecar(path: Path) -> Path:
    """The file holding the sha256 of a cached graph."""
    return path.with_name(path.name + ".sha256")


def _write_cache(path: Path, index) -> None:
    """Write atomically (temporary files, then renames: the hash first, then the graph, so a
    crash between the two leaves a mismatch, rebuilt next time); a failure only loses the
    cache."""
    import faiss

    from fahras.fsutil import atomic_file, atomic_write, sha256_file

    with contextlib.suppress(OSError, RuntimeError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path, durable=False) as tmp:
            faiss.write_index(index, str(tmp))
            atomic_write(_sidecar(path), (sha256_file(tmp) + "\n").encode("ascii"),
                         durable=False)
    # Keep the graphs of the last few generations (two vector files each), not every one.
    with contextlib.suppress(OSError):
        old = sorted(path.parent.glob("hnsw-*.faiss"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP_CACHES]:
            stale.unlink()
            with contextlib.suppress(OSError):
                _sidecar(stale).unlink()
