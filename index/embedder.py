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


def _hash32(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little") >> 1


def document_prompt(prompts) -> str | None:
    """The name of a model's prompt for documents (``passage`` or ``document``), if it has one."""
    return next((p for p in ("passage", "document") if p in (prompts or {})), None)


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

    def _tokens(self, text: str) -> np.ndarray:
        """One hashed vector per analysed word: token states without context."""
        from fahras.text.arabic import analyze

        rows = [self._embed(t) for t in analyze(text)]
        return _as_matrix(rows, self.dim) if rows else np.zeros((0, self.dim), np.float32)

    def encode_query_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return self.encode_queries([text])[0], self._tokens(text)

    def pieces(self, texts: Sequence[str], document: bool = True) -> list[np.ndarray]:
        from fahras.text.arabic import analyze

        return [np.array([_hash32(w) for w in analyze(t)], dtype=np.int32) for t in texts]

    def encode_document_tokens(self, texts: Sequence[str], progress: bool = False
                               ) -> list[np.ndarray]:
        return [self._tokens(t) for t in texts]


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
        self._doc_prompt = document_prompt(prompts)

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

    def _prompt(self, name: str | None) -> tuple[str, int]:
        """A prompt's text and how many token ids come before a text's own after it (the
        prompt's and the first special token)."""
        prompt = (getattr(self._model, "prompts", {}) or {}).get(name or "", "")
        return prompt, (len(self._model.tokenizer(prompt)["input_ids"]) - 1 if prompt else 1)

    @staticmethod
    def _states(out: dict, skip: int) -> np.ndarray:
        """One text's token states from sentence-transformers' ``output_value=None`` output:
        the prompt's and the special tokens left out, L2-normalized (float32)."""
        n = int(out["attention_mask"].sum())
        v = out["token_embeddings"][skip:n - 1].detach().cpu().numpy().astype(np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def encode_query_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """A query's embedding and its token states (the prompt's and the special tokens left
        out, L2-normalized), as :class:`OnnxQueryEmbedder` gives them."""
        from fahras.config import query_threads

        _, skip = self._prompt(self._query_prompt)
        with torch_threads(query_threads()):
            out = self._model.encode([text], prompt_name=self._query_prompt, output_value=None,
                                     batch_size=1, show_progress_bar=False)[0]
        vec = out["sentence_embedding"].detach().cpu().numpy()
        return _as_matrix(vec, self.dim)[0], self._states(out, skip)

    def encode_document_tokens(self, texts: Sequence[str], progress: bool = False
                               ) -> list[np.ndarray]:
        """Documents' token states (:mod:`fahras.index.token_states`)."""
        from fahras.config import batch_threads

        _, skip = self._prompt(self._doc_prompt)
        with torch_threads(batch_threads()):
            outs = self._model.encode(list(texts), prompt_name=self._doc_prompt,
                                      output_value=None, batch_size=self.batch_size,
                                      show_progress_bar=progress)
        return [self._states(out, skip) for out in outs]

    def pieces(self, texts: Sequence[str], document: bool = True) -> list[np.ndarray]:
        """The token ids the token states are of (a document's after its prompt)."""
        prompt, skip = self._prompt(self._doc_prompt if document else None)
        limit = getattr(self._model, "max_seq_length", None)
        out = []
        for t in texts:
            ids = self._model.tokenizer(prompt + t, truncation=limit is not None,
                                        max_length=limit)["input_ids"]
            out.append(np.asarray(ids[skip:len(ids) - 1], dtype=np.int32))
        return out

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
        self._encoder = self._documents = self._batch_encoder = None

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

    def encode_query_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """A query's embedding and its token states, from one run of the model."""
        pooled, tokens = self.encoder.encode_with_tokens([text], prompt="query")
        return _as_matrix(pooled, self.dim)[0], tokens[0]

    def pieces(self, texts: Sequence[str], document: bool = True) -> list[np.ndarray]:
        """The token ids the token states are of (no model run: the tokenizer alone)."""
        enc = self.encoder
        return enc.pieces(list(texts), document_prompt(enc.prompts) if document else None)

    def encode_document_tokens(self, texts: Sequence[str], progress: bool = False
                               ) -> list[np.ndarray]:
        """The token states of documents' texts (:mod:`fahras.index.token_states`), by ONNX
        Runtime on every core."""
        from fahras import config
        from fahras.index.onnx_encoder import OnnxEncoder

        if self._batch_encoder is None:
            self._batch_encoder = OnnxEncoder(self.folder, threads=config.batch_threads())
        enc = self._batch_encoder
        return enc.encode_with_tokens(list(texts), prompt=document_prompt(enc.prompts))[1]

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
