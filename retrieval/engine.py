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
        # The fitted fusions (fahras.retrieval.fusion); none for this model: script weights.
        self.fusions = fusion.default_fusions()
        self.token_states = None  # an engine with them sets them (fahras.index.token_states)
        self.late_signals = False  # score late interaction even when no fusion weighs it

    @property
    def embedder(self):
        if self._embedder is None:
            from fahras.index.embedder import get_embedder

            self._embedder = get_embedder(self.model_spec)
        return self._embedder

    def encode_query(self, text: str) -> np.ndarray:
        return self.embedder.encode_queries([text])[0]

    def late_ready(self) -> bool:
        """Whether late interaction applies: the index has token states and the embedder
        gives a query's (:mod:`fahras.retrieval.late`)."""
        return (self.token_states is not None
                and callable(getattr(self.embedder, "encode_query_tokens", None)))

    def encode_query_tokens(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """A query's embedding and its token states (one run of the model)."""
        return self.embedder.encode_query_tokens(text)

    @property
    def piece_stats(self):
        """Token-id document frequencies of this engine's passages (for a hint's IDF)."""
        if getattr(self, "_piece_stats", None) is None:
            from fahras.retrieval.late import PieceStats

            self._piece_stats = PieceStats(self.token_states, self.n_rows)
        return self._piece_stats

    def hint_pieces(self, hint: str) -> np.ndarray:
        """The token ids of an English query's Arabic hint
        (:func:`fahras.retrieval.late.hint_text`): the tokenizer alone, no model run."""
        return self.embedder.pieces([hint], document=False)[0]

    def feature_names(self) -> tuple[str, ...]:
        """The fusion features this engine can compute."""
        if self.late_ready():
            return rank_features.FEATURES + rank_features.LATE_FEATURES
        return rank_features.FEATURES

    @property
    def fitted_fusion(self):
        """The fitted fusion this engine uses (None: script weights)."""
        return fusion.choose(self.fusions, getattr(self.embedder, "name", None),
                             self.feature_names())

    @fitted_fusion.setter
    def fitted_fusion(self, model) -> None:
        self.fusions = () if model is None else (model,)

    @property
    def speller(self):
        """Typo tolerance for Arabic query words the index lacks (built on first need)."""
        if self._speller is None:
            from fahras.retrieval.spelling import Speller

            self._speller = Speller(self.lexical.vocabulary(), self.lexical.doc_freq)
        return self._speller

    def fusion_applies(self) -> bool:
        """Whether a fitted fusion holds for this engine's embedding model and features."""
        return self.fitted_fusion is not None

    def lexical_query(self, analysis, expansions: list[dict]) -> dict[str, float]:
        """Weighted lexical terms of an analysed query (:func:`scoring.lexical_query`)."""
        return scoring.lexical_query(analysis, expansions, self.lexical)

    def features(self, sig: rank_features.Signals, eligible: np.ndarray, features=None):
        """The candidates of a query and their feature matrix (what the fitted fusion weighs;
        by default every feature this engine can compute)."""
        return scoring.candidate_features(self, sig, eligible, features or self.feature_names())

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
