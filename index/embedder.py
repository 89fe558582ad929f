"""Embedders: turn queries and passages into L2-normalized float32 vectors.

- :class:`SentenceTransformerEmbedder` wraps the configured sentence-transformers model (the
  default multilingual-e5-small, provisioned by :mod:`fahras.index.model`), with the model's
  ``query`` / ``passage`` prompts;
- :class:`HashingEmbedder` (model spec ``hash``) is a fast, deterministic stand-in with no model
  at all -- signed feature hashing of the analyzed terms and character trigrams. Tests use it so
  that most of them need no model and run in seconds; it is not meant for real searches.

:func:`get_embedder` picks one from a model spec (see :func:`fahras.config.model_spec`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np

HASH_SPEC = "hash"


class Embedder(Protocol):
    name: str
    dim: int

    @property
    def fingerprint(self) -> str: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


def _as_matrix(vectors, dim: int) -> np.ndarray:
    out = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


class HashingEmbedder:
    """Deterministic feature-hashing embedder (no model): for tests and smoke runs only."""

    name = HASH_SPEC

    def __init__(self, dim: int = 256):
        self.dim = dim

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"fahras-hashing-embedder-v1-{self.dim}".encode()).hexdigest()

    def _features(self, text: str) -> list[str]:
        from fahras.retrieval.arabic import analyze, normalize

        norm = normalize(text)
        feats = [f"t:{t}" for t in analyze(text)]
        feats += [f"c:{norm[i:i + 3]}" for i in range(max(0, len(norm) - 2))]
        return feats

    def _embed(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for f in self._features(text):
            h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return v

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _as_matrix([self._embed(t) for t in texts], self.dim)

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return _as_matrix([self._embed(t) for t in texts], self.dim)


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded once, with its ``query`` / ``passage`` prompts."""

    batch_size = 16

    def __init__(self, spec: str | None = None, progress: bool = False):
        from fahras.index import model as model_mod

        self._model, self.info = model_mod.load(spec, progress=progress)
        self.name = self.info.name
        self.dim = self.info.dim
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._doc_prompt = next((p for p in ("passage", "document") if p in prompts), None)

    @property
    def fingerprint(self) -> str:
        return self.info.sha256

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        vecs = self._model.encode(list(texts), prompt_name=self._query_prompt,
                                  batch_size=self.batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
        return _as_matrix(vecs, self.dim)

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        vecs = self._model.encode(list(texts), prompt_name=self._doc_prompt,
                                  batch_size=self.batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=progress)
        return _as_matrix(vecs, self.dim)


_CACHE: dict[str, Embedder] = {}


def get_embedder(spec: str | None = None, progress: bool = False) -> Embedder:
    """The embedder for a model spec, created once per process."""
    from fahras.config import model_spec

    spec = model_spec(spec)
    if spec not in _CACHE:
        if spec == HASH_SPEC:
            _CACHE[spec] = HashingEmbedder()
        else:
            _CACHE[spec] = SentenceTransformerEmbedder(spec, progress=progress)
    return _CACHE[spec]


def identity(spec: str | None = None) -> tuple[str, str, int]:
    """(name, sha256, dim) of the model a spec names, without loading its weights."""
    from fahras.config import model_spec

    spec = model_spec(spec)
    if spec in _CACHE:
        e = _CACHE[spec]
        return e.name, e.fingerprint, e.dim
    if spec == HASH_SPEC:
        e = HashingEmbedder()
        return e.name, e.fingerprint, e.dim
    from fahras.index import model as model_mod

    info = model_mod.resolve(spec)
    return info.name, info.sha256, info.dim
