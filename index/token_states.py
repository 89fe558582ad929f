"""Token states: the embedding model's vector for every token of every passage and sentence,
kept for late interaction (:mod:`fahras.retrieval.late`).

A passage's one vector is the mean of its tokens' states; averaging loses which words matched.
Late interaction (ColBERT's "MaxSim", Khattab and Zaharia, SIGIR 2020; BERTScore, Zhang et al.,
ICLR 2020, for the same sum over contextual token states) keeps them: each query token is
compared with every token of a passage and keeps its best match. With a multilingual model the
best match of an English token is often its Arabic translation, and of a misspelt or inflected
Arabic word its spelled form -- what neither BM25 nor one pooled vector sees.

The states are those of the last layer, L2-normalized, without the prompt (``passage: ``) and
the special tokens, stored as float16 (``token_vectors.npy``) with each row's token id
(``token_ids.npy``, int32) and the row span of each unit (``token_spans.npy``: the index's
passages, then its sentences, in their order; a sentence that is its whole passage shares its
rows). They cost
``2 * dim`` bytes a token (768 for e5-small: 8 MB for the bundled report), so an index whose
states would exceed :data:`BUDGET_BYTES` is written without them, and searches fall back to the
fusion fitted without them (docs/evaluation.md has both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DTYPE = np.float16
# The largest token states an index keeps (bytes): about 350,000 tokens of e5-small, some 1,000
# report paragraphs with their sentences. Above it the index has none (module docstring).
BUDGET_BYTES = 256 * 1024 * 1024
CHUNK = 512  # texts per progress line of a large build


@dataclass
class TokenStates:
    """Every unit's token states: ``vectors[spans[u, 0]:spans[u, 1]]`` are unit ``u``'s."""

    vectors: np.ndarray   # (tokens, dim) float16, rows L2-normalized
    spans: np.ndarray     # (units, 2) int64
    ids: np.ndarray       # (tokens,) int32: the token (piece) id of each row

    def unit(self, u: int) -> np.ndarray:
        a, b = self.spans[u]
        return self.vectors[a:b]

    @classmethod
    def pack(cls, states: Sequence[np.ndarray], dim: int,
             ids: Sequence[np.ndarray] | None = None) -> "TokenStates":
        lengths = np.array([len(s) for s in states], dtype=np.int64)
        ends = np.cumsum(lengths)
        spans = np.column_stack([ends - lengths, ends]).astype(np.int64).reshape(-1, 2)
        full = len(states) and ends[-1]
        vectors = (np.concatenate(states).astype(DTYPE) if full
                   else np.zeros((0, dim), dtype=DTYPE))
        pieces = (np.concatenate([np.asarray(x, dtype=np.int32) for x in ids])
                  if ids is not None and full else np.zeros(int(ends[-1]) if full else 0,
                                                            dtype=np.int32))
        return cls(vectors.reshape(-1, dim), spans, pieces)


def supported(embedder) -> bool:
    """Whether an embedder gives token states (``encode_document_tokens``) and their ids
    (``pieces``)."""
    return all(callable(getattr(embedder, m, None)) for m in ("encode_document_tokens", "pieces"))


def within_budget(texts: Sequence[str], dim: int) -> bool:
    """Whether the token states of ``texts`` fit :data:`BUDGET_BYTES` (counted generously: a
    token for every 3 characters, the model's pieces being longer on average)."""
    chars = sum(len(t) for t in texts)
    return (chars / 3) * dim * np.dtype(DTYPE).itemsize <= BUDGET_BYTES


def check(states: TokenStates, n_units: int, dim: int) -> str | None:
    """What does not fit in loaded token states (None: all fits)."""
    v, s = states.vectors, states.spans
    if v.ndim != 2 or s.ndim != 2 or s.shape[1] != 2 or (len(v) and v.shape[1] != dim):
        return "token states of the wrong shape"
    if states.ids.shape != (len(v),):
        return "token ids that do not match the token states"
    if len(s) != n_units:
        return "token states for a different number of passages and sentences"
    if len(s) and ((s[:, 0] < 0).any() or (s[:, 1] < s[:, 0]).any() or s[:, 1].max() > len(v)):
        return "token spans out of range"
    if not np.isfinite(v.sum(dtype=np.float64)):
        return "token states that are not finite numbers"
    return None


def build(embedder, passage_texts: Sequence[str], sentence_texts: Sequence[str],
          previous=None, progress: bool = False) -> TokenStates | None:
    """The token states of an index's passages and sentences, reusing those of the previous
    generation (``previous``: its :class:`~fahras.index.store.IndexData`) for texts it had;
    None when the embedder gives none or they would exceed the budget."""
    from fahras.index.progress import say

    texts = [*passage_texts, *sentence_texts]
    if not supported(embedder):
        return None
    if not within_budget(texts, embedder.dim):
        say(progress, "Token states not kept: the corpus is over their budget "
                      f"({BUDGET_BYTES // 2 ** 20} MB); search uses the fusion without them.")
        return None
    known: dict[str, np.ndarray] = {}
    old = getattr(previous, "token_states", None)
    if old is not None:
        old_texts = [p.text for p in previous.passages]
        old_texts += [previous.passages[i].text[a:b] for i, a, b in previous.sentences.tolist()]
        for u, text in enumerate(old_texts):
            known.setdefault(text, old.unit(u))
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    if todo:
        say(progress, f"Keeping the token states of {len(todo):,} texts...")
        for start in range(0, len(todo), CHUNK):
            part = todo[start:start + CHUNK]
            known.update(zip(part, embedder.encode_document_tokens(part)))
            say(progress and len(todo) > CHUNK,
                f"  token states {start + len(part):,}/{len(todo):,} texts")
    # A text that is both a passage and its one sentence is stored once.
    unique = list(dict.fromkeys(texts))
    pieces = embedder.pieces(unique, document=True)
    if any(len(p) != len(known[t]) for p, t in zip(pieces, unique)):
        return None  # the tokenizer and the model disagree: no late interaction, not a wrong one
    packed = TokenStates.pack([known[t] for t in unique], embedder.dim, pieces)
    where = {t: u for u, t in enumerate(unique)}
    packed.spans = packed.spans[[where[t] for t in texts]].reshape(-1, 2)
    return packed
