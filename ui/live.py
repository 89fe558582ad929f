"""The searcher a running server uses, reopened when the index it serves is rebuilt.

``fahras index`` writes a new generation beside the one in use and then switches ``CURRENT``
(index/store.py), so a server can keep answering from the old one. Before each request
:meth:`LiveSearcher.current` reads the generation ``CURRENT`` names (one small file); when it
changed, the new index is opened with the model already loaded, and swapped in between
requests. If the new index cannot be opened (built with another model, say), the server keeps
the previous one and says so (:attr:`LiveSearcher.problem`): restart it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fahras.errors import FahrasError
from fahras.index import store


class LiveSearcher:
    def __init__(self, searcher, index_dir: str | Path | None = None, model: str | None = None):
        self.searcher = searcher
        index_dir = index_dir or getattr(searcher, "index_dir", None)
        self.index_dir = Path(index_dir) if index_dir else None
        self.model = model if model is not None else getattr(searcher, "model_spec", None)
        self.generation = store.generation_id(self.index_dir) if self.index_dir else None
        self.reloads = 0                    # how many times a rebuilt index was swapped in
        self.problem: FahrasError | None = None  # why the last rebuilt index could not be used
        self._lock = threading.Lock()

    def current(self):
        """The searcher over the index as it is now (reopened first if it was rebuilt)."""
        if self.index_dir is None:
            return self.searcher
        seen = store.generation_id(self.index_dir)
        if seen is None or seen == self.generation:
            return self.searcher
        with self._lock:
            if seen != self.generation:  # not already reopened by a request in parallel
                self._reopen(seen)
        return self.searcher

    def _reopen(self, seen: str) -> None:
        from fahras.retrieval.answer import sentence_table
        from fahras.retrieval.searcher import Searcher

        old = self.searcher
        try:
            fresh = Searcher.open(self.index_dir, model=self.model, build_if_missing=False)
            fresh._embedder = getattr(old, "_embedder", None)  # the model stays loaded
            sentence_table(fresh)  # what ask reads, built before the first request uses it
        except FahrasError as e:
            self.problem = e
        else:
            self.searcher, self.problem = fresh, None
            self.reloads += 1
        self.generation = seen  # tried once per rebuild, not on every request
