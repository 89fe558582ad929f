"""The search API every engine shares: ``score``, ``search``, ``ask`` over the primitives of
:class:`~fahras.retrieval.backends.protocol.Backend` (an engine subclasses :class:`Engine` and
provides those). What is the same everywhere lives here once: the embedding model (loaded on
first dense use), typo tolerance, the choice of fusion, the scoring flow
(:mod:`fahras.retrieval.scoring`), hits (:mod:`fahras.retrieval.results`) and answers
(:mod:`fahras.retrieval.answer`)."""

from __future__ import annotations

import numpy as np

from fahras import config
from fahras.errors import UsageError
from fahras.retrieval import fusion, rank_features, scoring
from fahras.retrieval.filters import DEFAULT_KINDS
from fahras.retrieval.results import SearchResult, search_result


class Engine:
    """Hybrid search and answers over one engine's passages (see the module)."""

    backend = "embedded"
    expander = None

    def _init_engine(self, model: str | None) -> None:
        self.model_spec = config.model_spec(model)
        self._embedder = None
        self._speller = None
        self.fitted_fusion = fusion.default_fusion()  # None or another model: script weights

    @property
    def embedder(self):
        if self._embedder is None:
            from fahras.index.embedder import get_embedder

            self._embedder = get_embedder(self.model_spec)
        return self._embedder

    def encode_query(self, text: str) -> np.ndarray:
        return self.embedder.encode_queries([text])[0]

    @property
    def speller(self):
        """Typo tolerance for Arabic query words the index lacks (built on first need)."""
        if self._speller is None:
            from fahras.retrieval.spelling import Speller

            self._speller = Speller(self.lexical.vocabulary(), self.lexical.doc_freq)
        return self._speller

    def fusion_applies(self) -> bool:
        """Whether the fitted fusion holds for this engine's embedding model."""
        f = self.fitted_fusion
        return f is not None and f.holds_for(getattr(self.embedder, "name", None),
                                             rank_features.FEATURES)

    def lexical_query(self, analysis, expansions: list[dict]) -> dict[str, float]:
        """Weighted lexical terms of an analysed query (:func:`scoring.lexical_query`)."""
        return scoring.lexical_query(analysis, expansions, self.lexical)

    def features(self, sig: rank_features.Signals, eligible: np.ndarray):
        """The candidates of a query and their feature matrix (what the fitted fusion weighs)."""
        return scoring.candidate_features(self, sig, eligible)

    def score(self, query: str, *, kinds=DEFAULT_KINDS, parts=None, docs=None,
              mode: str = "hybrid", years=None, langs=None) -> scoring.Scored:
        """Score the passages for a query (the work behind :meth:`search`)."""
        return scoring.score(self, query, kinds=kinds, parts=parts, docs=docs, mode=mode,
                             years=years, langs=langs)

    def search(self, query: str, k: int = 10, *, kinds=DEFAULT_KINDS, parts=None, docs=None,
               mode: str = "hybrid", years=None, langs=None) -> SearchResult:
        """The ``k`` best passages for a query (Arabic or English), best first."""
        if not isinstance(k, int) or k < 1:
            raise UsageError("k_not_whole")
        k = min(k, scoring.MAX_K)
        scored = self.score(query, kinds=kinds, parts=parts, docs=docs, mode=mode, years=years,
                            langs=langs)
        return self.result(scored, k)

    def result(self, scored: scoring.Scored, k: int) -> SearchResult:
        return search_result(self, scored, k)

    def ask(self, question: str, k: int = 5, **filters):
        """The sentence that answers ``question``, cited, or ``found=False`` with the closest
        passages (see :mod:`fahras.retrieval.answer`)."""
        from fahras.retrieval.answer import ask

        return ask(self, question, k, **filters)
