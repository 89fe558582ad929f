"""What a search engine provides, so that one scoring flow (:mod:`fahras.retrieval.scoring`)
and one answer layer (:mod:`fahras.retrieval.answer`) run on it.

Two engines implement :class:`Backend`: the embedded one
(:class:`fahras.retrieval.searcher.Searcher`: BM25 and FAISS over an index folder, in this
process) and Milvus (:class:`fahras.retrieval.backends.milvus.MilvusSearcher`). Both get the
public API -- ``score``, ``search``, ``ask`` -- from :class:`fahras.retrieval.engine.Engine`.

**Rows.** Passages are addressed by integer *rows* in ``range(n_rows)``: the scoring flow's
arrays are aligned with them. The embedded engine's rows are its passages' positions; Milvus'
are the passages' ``ord`` (their reading order in the collection, which may have holes where
documents were removed: a hole is never eligible). Sentences have rows of their own, which the
answer layer only receives from the engine (``sentence_rows_of``, ``nearest_sentences``).

**Selections.** :meth:`Backend.select` turns :class:`~fahras.retrieval.filters.Filters` into a
:class:`Selection`: how many passages pass, and -- when the engine can score them all (the
embedded engine always; Milvus up to ``rank_features.ALL_CANDIDATES_UP_TO``) -- their rows.
Then the flow asks each retriever for everything (``limit=None``); otherwise for the best
``limit`` of each side, and completes the other side's scores of those candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from fahras.index.report import Passage
from fahras.retrieval.filters import Filters


@dataclass(frozen=True)
class Selection:
    """The passages that pass a search's filters, as one engine holds them."""

    size: int                       # how many passages pass
    rows: np.ndarray | None         # all of them (ascending), or None: too many to score all
    where: object = None            # the engine's own form: a mask, a filter expression...


class LexicalStats(Protocol):
    """Corpus statistics of the lexical side (what query analysis, expansion, spelling, the
    fusion's features and the answer layer ask of it)."""

    n_docs: int

    def doc_freq(self, term: str) -> int: ...

    def idf(self, term: str) -> float: ...

    def vocabulary(self) -> Iterable[str]: ...

    def contains(self, term: str, rows: np.ndarray) -> np.ndarray:
        """For each of ``rows``, whether its passage has ``term``."""
        ...


class Backend(Protocol):
    backend: str                    # "embedded", "milvus"
    n_rows: int                     # passage rows are range(n_rows)
    n_sentences: int                # 0: no sentence vectors (no dense side for answers)
    passages: Sequence[Passage]     # by row
    lexical: LexicalStats
    expander: object                # English -> Arabic expansion (or None)

    @property
    def embedder(self): ...

    def encode_query(self, text: str) -> np.ndarray: ...

    # -- filters ---------------------------------------------------------------------------
    def select(self, filters: Filters) -> Selection: ...

    # -- the lexical retriever: BM25 of weighted, analysed query terms --------------------
    def lexical_top(self, terms: dict[str, float], sel: Selection, limit: int | None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the selected passages that match, the best ``limit`` (None:
        every one that matches; an engine may return more than ``limit``)."""
        ...

    def lexical_scores(self, terms: dict[str, float], rows: np.ndarray) -> np.ndarray:
        """The BM25 scores of ``rows`` (selected or not)."""
        ...

    # -- the dense retriever: cosines with a query vector ---------------------------------
    def dense_top(self, qvec: np.ndarray, sel: Selection, limit: int | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, passage cosines, best sentence cosines) of the ``limit`` selected passages
        nearest to the query (None: all selected). A passage without sentences has its own
        cosine as its best sentence's."""
        ...

    def dense_scores(self, qvec: np.ndarray, rows: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
        """(passage cosines, best sentence cosines) of ``rows``."""
        ...

    # -- structure ---------------------------------------------------------------------------
    def named(self, kind: str, number: str, sel: Selection) -> tuple[list[int], bool]:
        """The selected passages of this kind and number («التوصية 8»), in reading order, and
        whether the index has any (selected or not)."""
        ...

    def citing(self, code: str, sel: Selection) -> list[int]:
        """The selected passages that cite a document symbol (an analysed term)."""
        ...

    def previous(self, rows: np.ndarray) -> np.ndarray:
        """For each row, the row of the passage before it in its document (neither being a
        heading), or -1."""
        ...

    def kinds(self, rows: np.ndarray) -> np.ndarray: ...

    # -- metadata --------------------------------------------------------------------------
    def citation(self, doc_id: str) -> dict: ...

    def linked(self, rows: Sequence[int]) -> dict[int, list[dict]]:
        """The other-language versions of these passages (rows without any are left out)."""
        ...

    # -- sentences (the answer layer) ------------------------------------------------------
    def sentence_rows_of(self, row: int) -> list[int]:
        """The sentence rows of a passage, in reading order."""
        ...

    def sentence_span(self, row: int) -> tuple[int, int, int]:
        """(passage row, start, end) of a sentence."""
        ...

    def sentence_vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The sentences' embeddings (float32, one row each)."""
        ...

    def nearest_sentences(self, qvec: np.ndarray, n: int) -> np.ndarray:
        """The rows of the ``n`` sentences nearest to the query in the whole index, nearest
        first."""
        ...
