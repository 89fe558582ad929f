"""Embedders: turn queries and passages into L2-normalized float32 vectors.

- :class:`SentenceTransformerEmbedder` wraps the configured sentence-transformers model (the
  default multilingual-e5-small, provisioned by :mod:`fahras.index.model`), with the model's
  ``query`` / ``passage`` prompts;
- :class:`OnnxQueryEmbedder`: the same model when it has an ONNX export (the default model
  does, :mod:`fahras.index.onnx_export`): queries are encoded by ONNX Runtime without
  importing torch; documents (index builds) still by sentence-transformers, loaded only then;
- :class:`HashingEmbedder` (model spec ``hash``) is a fast, deterministic stand-in with no model
  at all -- signed feature hashing of the analyzed terms and character trigrams. Tests use it so
  that most of them need no model and run in seconds; it is not meant for real searches.

:func:`get_embedder` picks one from a model spec (see :func:`fahras.config.model_spec`) and
``FAHRAS_QUERY_ENCODER`` (:func:`fahras.config.query_encoder`). Threads are chosen on purpose:
one query is encoded on :func:`fahras.config.query_threads` threads (1 by default), a batch of
documents on :func:`fahras.config.batch_threads` (every core by default).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import contextmanager
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
        from fahras.text.arabic import analyze, normalize

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
        from fahras.config import query_threads

        with torch_threads(query_threads()):
            vecs = self._model.encode(list(texts), prompt_name=self._query_prompt,
                                      batch_size=self.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        return _as_matrix(vecs, self.dim)

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        from fahras.config import batch_threads

        with torch_threads(batch_threads()):
            vecs = self._model.encode(list(texts), prompt_name=self._doc_prompt,
                                      batch_size=self.batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=progress)
        return _as_matrix(vecs, self.dim)


@contextmanager
def torch_threads(n: int):
    """torch's intra-op threads set to ``n`` for the block (process-wide), then restored."""
    import torch

    before = torch.get_num_threads()
    if before != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if before != n:
            torch.set_num_threads(before)


class OnnxQueryEmbedder:
    """A model with an ONNX export: queries through ONNX Runtime (created on the first query),
    documents through sentence-transformers (loaded on the first batch of documents)."""

    def __init__(self, spec: str, info, folder, progress: bool = False):
        self.info, self.folder = info, folder
        self.name, self.dim = info.name, info.dim
        self._spec, self._progress = spec, progress
        self._encoder = self._documents = None

    @property
    def fingerprint(self) -> str:
        return self.info.sha256

    @property
    def encoder(self):
        if self._encoder is None:
            from fahras.index.onnx_encoder import OnnxEncoder

            self._encoder = OnnxEncoder(self.folder)
        return self._encoder

    def warm_up(self) -> None:
        """Make the session for many queries (a server): its weights pre-packed, which costs
        a third of a second once and halves each query's time (fahras.index.onnx_encoder)."""
        from fahras.index.onnx_encoder import OnnxEncoder

        if self._encoder is None or not self._encoder.prepacked:
            self._encoder = OnnxEncoder(self.folder, prepack=True)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _as_matrix(self.encoder.encode(list(texts), prompt="query"), self.dim)

    def encode_documents(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if self._documents is None:
            self._documents = SentenceTransformerEmbedder(self._spec, progress=self._progress)
        return self._documents.encode_documents(texts, progress=progress)


_CACHE: dict = {}  # spec (the default encoder) or (spec, encoder) -> embedder


def get_embedder(spec: str | None = None, progress: bool = False) -> Embedder:
    """The embedder for a model spec, created once per process (see the module docstring)."""
    from fahras.config import model_spec, query_encoder

    spec, engine = model_spec(spec), query_encoder()
    key = spec if spec == HASH_SPEC or engine == "auto" else (spec, engine)
    if key not in _CACHE:
        if spec == HASH_SPEC:
            _CACHE[key] = HashingEmbedder()
        else:
            _CACHE[key] = _model_embedder(spec, engine, progress)
    return _CACHE[key]


def _model_embedder(spec: str, engine: str, progress: bool) -> Embedder:
    from fahras.errors import ModelError
    from fahras.index import model as model_mod
    from fahras.index import onnx_export

    if engine != "sentence-transformers":
        info = model_mod.resolve(spec, progress=progress)
        folder = onnx_export.installed(info)
        if folder is not None:
            return OnnxQueryEmbedder(spec, info, folder, progress=progress)
        if engine == "onnx":
            raise ModelError("model_no_onnx", name=info.name)
    return SentenceTransformerEmbedder(spec, progress=progress)


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
