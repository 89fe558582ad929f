"""Encoding texts with the ONNX export of a model (:mod:`fahras.index.onnx_export`): ONNX
Runtime and the export's own tokenizer, no torch.

What sentence-transformers does, step by step: the prompt (``"query: "``) put before the text,
the tokens cut to the model's maximum length, the transformer, mean pooling over the tokens
that are not padding, L2 normalization. Texts of a batch are grouped by length so that little
padding is computed; the order of the output is the order of the input.

A one-shot command and a server want different sessions. Pre-packing the weight matrices for
the matrix-multiply kernels takes about a third of a second at load and halves the time of each
query: a server (``prepack=True``, :meth:`fahras.index.embedder.OnnxQueryEmbedder.warm_up`)
pays it once; a one-shot ``fahras search`` that encodes one query does not.

Threads are chosen, not inherited: ``threads`` intra-op threads (default
:func:`fahras.config.query_threads`: 1 unless ``FAHRAS_THREADS`` or ``OMP_NUM_THREADS`` says
otherwise) and one inter-op thread. ONNX Runtime does not read ``OMP_NUM_THREADS`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fahras.errors import ModelError
from fahras.index.onnx_files import MODEL_FILE, PIPELINE, RECORD, read_record


class OnnxEncoder:
    """One ONNX Runtime session over an export folder; thread-safe (``run`` is)."""

    def __init__(self, folder: str | Path, threads: int | None = None, check: bool = True,
                 prepack: bool = False):
        from fahras import config
        from fahras.index.unigram import UnigramTokenizer

        self.folder = Path(folder)
        if check:
            _check_files(self.folder)
        try:
            pipeline = json.loads((self.folder / PIPELINE).read_text(encoding="utf-8"))
            self.prompts: dict[str, str] = dict(pipeline["prompts"])
            self.max_length = int(pipeline["max_seq_length"])
            self.dim = int(pipeline["dim"])
            self.tokenizer = UnigramTokenizer(self.folder)
        except Exception as e:  # missing, unreadable or inconsistent files
            raise ModelError("onnx_unreadable", path=self.folder, detail=_first_line(e)) from None
        self.threads = threads or config.query_threads()
        self.prepacked = prepack
        self._pad = self.tokenizer.pad_id
        self._skips: dict[str, int] = {}  # prompt -> ids before a text's own
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only: no warnings on a user's terminal
        # Optimized once at export time (onnx_export._optimize).
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        if not prepack:  # see the module docstring
            options.add_session_config_entry("session.disable_prepacking", "1")
        try:
            self._session = ort.InferenceSession(str(self.folder / MODEL_FILE), options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as e:
            raise ModelError("onnx_load_failed", path=self.folder / MODEL_FILE,
                             detail=_first_line(e)) from None

    def encode(self, texts: Sequence[str], prompt: str | None = None,
               batch_size: int = 16) -> np.ndarray:
        """L2-normalized float32 embeddings of ``texts`` (with the named prompt, if any)."""
        prefix = self.prompts.get(prompt, "") if prompt else ""
        ids = [self.tokenizer.encode(prefix + t, self.max_length) for t in texts]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            out[rows] = self._run([ids[i] for i in rows])
        return out

    def pieces(self, texts: Sequence[str], prompt: str | None = None) -> list[np.ndarray]:
        """The token ids of each text that :meth:`encode_with_tokens` gives states for (the
        prompt's and the special tokens left out), int32."""
        ids, skip = self._ids(texts, prompt)
        return [np.asarray(x[skip:len(x) - 1], dtype=np.int32) for x in ids]

    def _ids(self, texts: Sequence[str], prompt: str | None) -> tuple[list[list[int]], int]:
        prefix = self.prompts.get(prompt, "") if prompt else ""
        skip = self._skip(prefix)
        return [self.tokenizer.encode(prefix + t, self.max_length) for t in texts], skip

    def _skip(self, prefix: str) -> int:
        """How many ids a text's own start after: the prompt's and the first special token."""
        if not prefix:
            return 1
        if prefix not in self._skips:
            self._skips[prefix] = len(self.tokenizer.encode(prefix, self.max_length)) - 1
        return self._skips[prefix]

    def encode_with_tokens(self, texts: Sequence[str], prompt: str | None = None,
                           batch_size: int = 16) -> tuple[np.ndarray, list[np.ndarray]]:
        """The embeddings of ``texts`` and each text's token states: the last layer's vector
        of every token but the prompt's and the special ones, L2-normalized (float32)."""
        ids, skip = self._ids(texts, prompt)
        pooled = np.zeros((len(ids), self.dim), dtype=np.float32)
        tokens: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(ids)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            hidden, mask = self._hidden([ids[i] for i in rows])
            pooled[rows] = _pool(hidden, mask)
            for j, i in enumerate(rows):
                states = hidden[j, skip:len(ids[i]) - 1]
                norms = np.linalg.norm(states, axis=1, keepdims=True)
                tokens[i] = states / np.maximum(norms, 1e-12)
        return pooled, tokens

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        return _pool(*self._hidden(batch))

    def _hidden(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        width = max(map(len, batch))
        input_ids = np.full((len(batch), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, :len(ids)] = ids
            mask[row, :len(ids)] = 1
        try:
            (hidden,) = self._session.run(["last_hidden_state"],
                                          {"input_ids": input_ids, "attention_mask": mask})
        except Exception as e:  # a damaged graph or weights (onnxruntime's own error types)
            raise ModelError("onnx_run_failed", path=self.folder / MODEL_FILE,
                             detail=_first_line(e)) from None
        return hidden, mask


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the tokens that are not padding, L2-normalized."""
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.maximum(norms, 1e-12)


def _check_files(folder: Path) -> None:
    """Refuse an export whose files do not match its record, naming the file."""
    record = read_record(folder)
    if record is None:
        raise ModelError("onnx_no_record", path=folder, record=RECORD)
    for rel, size in (record.get("files") or {}).items():
        try:
            actual = (folder / rel).stat().st_size
        except OSError:
            actual = None
        if actual != size:
            raise ModelError("onnx_file_missing" if actual is None else "onnx_file_modified",
                             path=folder, file=rel)


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
