"""Progress of an index build on standard error: a bar on a terminal, lines when piped.

A build's steps are announced as lines (:func:`say`). Embedding, the long step, shows the
embedder's own progress bar on a terminal; when standard error is not a terminal (a log file, a
pipe, CI) a bar would be one long line of carriage returns, so :func:`encode_documents` embeds
in chunks (longest texts first, as one call would order them) and prints one line per chunk
instead ("embedded 320/1,600 texts (20%), 14 s").
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence

import numpy as np

# Lines when piped: about every 5% of the texts, in chunks of 64 to 1,024 texts.
LINES = 20
CHUNK_MIN, CHUNK_MAX = 64, 1024


def on_terminal() -> bool:
    return sys.stderr.isatty()


def say(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def chunk_size(n: int) -> int:
    """Texts per progress line when piped."""
    return min(CHUNK_MAX, max(CHUNK_MIN, math.ceil(n / LINES)))


def encode_documents(embedder, texts: Sequence[str], progress: bool) -> np.ndarray:
    """``embedder.encode_documents(texts)``, with progress: the embedder's bar on a terminal,
    a line per chunk when standard error is not one."""
    if not progress or on_terminal():
        return embedder.encode_documents(texts, progress=progress)
    # Longest first, as the embedder orders one call's texts itself: the chunks' batches then
    # pad as little as one call's would.
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    size = chunk_size(len(texts))
    parts = []
    t0 = time.perf_counter()
    for start in range(0, len(texts), size):
        chunk = [texts[i] for i in order[start:start + size]]
        parts.append(embedder.encode_documents(chunk, progress=False))
        done = start + len(chunk)
        say(True, f"  embedded {done:,}/{len(texts):,} texts ({done / len(texts):.0%}), "
                  f"{time.perf_counter() - t0:.0f} s")
    out = np.empty_like(parts[0], shape=(len(texts), parts[0].shape[1])) if parts else \
        embedder.encode_documents(texts, progress=False)
    if parts:
        out[order] = np.concatenate(parts, axis=0)
    return out
