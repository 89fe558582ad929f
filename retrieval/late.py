"""Late interaction: each query token's best match among a passage's tokens (MaxSim).

The score of a unit (a passage, a sentence) for a query is the mean, over the query's tokens,
of the cosine of each with its closest token of the unit -- ColBERT's MaxSim (Khattab and
Zaharia, SIGIR 2020) over the embedding model's own token states
(:mod:`fahras.index.token_states`), as BERTScore (Zhang et al., ICLR 2020) uses them. Two
scores per passage become fusion features (:mod:`fahras.retrieval.rank_features`): the
passage's, and its best sentence's (a long paragraph's best token matches may be scattered
across its sentences; one sentence holding them all is stronger evidence).

An English question reaches an Arabic passage's tokens only as far as the model aligns the two
languages. Its expansions (:mod:`fahras.retrieval.crosslingual`: glossary terms, transliterated
names) say in Arabic what some of its words mean: those Arabic forms, the *hint*
(:func:`hint_text`), give a second pair of scores -- the IDF-weighted share of the hint's
tokens (the model's word pieces) that the passage and its best sentence contain
(:func:`piece_coverage`) -- which the fusion weighs apart from the question's own (0 for a
question without expansions). Encoding the hint with the model instead, and taking its tokens'
best matches, ranked no better on the held-out folds and cost a second run of the model for
every English question (docs/evaluation.md).

Only the best :data:`TOP_PER_SIDE` candidates of each side are scored -- a few dozen
passages whatever the corpus, so a query costs a few milliseconds; the others get the lowest
score computed (they rank below those candidates on both sides anyway). 10 was chosen over 20
and over every candidate by the held-out folds of ``tools/fit_fusion.py`` (docs/evaluation.md).
"""

from __future__ import annotations

import numpy as np

TOP_PER_SIDE = 10
# The hint: the first Arabic form of each expansion, at most this many (a question's
# expansions are rarely more; the cap keeps a long question's hint short).
HINT_FORMS = 12


def hint_text(expansions: list[dict], limit: int = HINT_FORMS) -> str:
    """The Arabic forms of an English question's expansions, first of each, in their order."""
    forms: list[str] = []
    for e in expansions:
        arabic = list(e.get("arabic", ()) or ())
        if arabic and arabic[0] not in forms:
            forms.append(arabic[0])
    return " ".join(forms[:limit])


# Token states up to this size (float16 bytes) are held as float32: converting the candidates'
# states at every query costs more than the products themselves.
FLOAT32_UP_TO = 64 * 1024 * 1024


def in_memory(states):
    """``states`` as searches use them: float32 up to :data:`FLOAT32_UP_TO`, else as stored."""
    if states is None or states.vectors.nbytes > FLOAT32_UP_TO:
        return states
    return type(states)(states.vectors.astype(np.float32), states.spans, states.ids)


def to_score(eligible: np.ndarray, lexical: np.ndarray, dense: np.ndarray,
             k: int = TOP_PER_SIDE) -> np.ndarray:
    """The eligible rows among the best ``k`` of either side (ascending)."""
    idx = np.flatnonzero(eligible)
    if len(idx) <= k:
        return idx
    keep = set()
    for x in (lexical[idx], dense[idx]):
        keep.update(int(i) for i in idx[np.argsort(-x, kind="stable")[:k]])
    return np.array(sorted(keep), dtype=np.int64)


def maxsim(query: np.ndarray, states, units: np.ndarray) -> np.ndarray:
    """For each of ``units``, the mean over the query's token states of the best cosine with
    one of the unit's (0 for a unit without tokens)."""
    out = np.zeros(len(units))
    if not len(units) or not len(query):
        return out
    spans = states.spans[units]
    full = np.flatnonzero(spans[:, 1] > spans[:, 0])
    if not len(full):
        return out
    q = np.asarray(query, dtype=np.float32)
    sims, where = _similarities(q, states.vectors, spans[full])
    lengths = spans[full, 1] - spans[full, 0]
    bounds = np.column_stack([where, where + lengths]).reshape(-1)  # start, end, start, end ...
    sims = np.concatenate([sims, np.full((1, len(q)), -np.inf, np.float32)])
    # reduceat over (start, end) pairs: the even entries are each unit's best match for every
    # query token.
    out[full] = np.maximum.reduceat(sims, bounds, axis=0)[::2].mean(axis=1)
    return out


def _similarities(q: np.ndarray, vectors: np.ndarray,
                  spans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cosines of ``q``'s rows with the rows the (non-empty) ``spans`` cover, as (rows,
    query tokens), and where each span's rows start in it. Overlapping and adjacent spans (a
    passage's sentences are stored one after another) are read as one block, in place: no
    copy of the token states, and each row is multiplied once."""
    blocks: list[list[int]] = []
    for a, b in sorted({(int(a), int(b)) for a, b in spans}):
        if blocks and a <= blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], b)
        else:
            blocks.append([a, b])
    starts = np.array([a for a, _ in blocks])
    sizes = np.array([b - a for a, b in blocks])
    offsets = np.cumsum(sizes) - sizes
    sims = np.empty((int(sizes.sum()), len(q)), dtype=np.float32)
    qt = q.T
    for (a, b), k in zip(blocks, offsets):
        block = vectors[a:b]
        if block.dtype != np.float32:
            block = block.astype(np.float32)
        np.matmul(block, qt, out=sims[k:k + b - a])  # (tokens, query): faster than q @ block.T
    at = np.searchsorted(starts, spans[:, 0], side="right") - 1
    return sims, offsets[at] + (spans[:, 0] - starts[at])


def _by_passage(score_units, rows: np.ndarray, sentence_rows: np.ndarray,
                n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``score_units(units)`` for ``rows`` and their sentences (a sentence's unit follows the
    passages'), spread as arrays over all ``n_rows`` passages: each passage's own score and its
    best sentence's (its own without sentences; NaN: not scored)."""
    passage = np.full(n_rows, np.nan)
    sentence = np.full(n_rows, np.nan)
    if not len(rows):
        return passage, sentence
    mine = (np.flatnonzero(np.isin(sentence_rows[:, 0], rows)) if len(sentence_rows)
            else np.zeros(0, dtype=np.int64))
    values = score_units(np.concatenate([rows, mine + n_rows]).astype(np.int64))
    passage[rows] = values[:len(rows)]
    sentence[rows] = passage[rows]
    if len(mine):
        best = np.full(n_rows, -np.inf)
        np.maximum.at(best, sentence_rows[mine, 0], values[len(rows):])
        has = np.isfinite(best)
        sentence[has] = best[has]
    return passage, sentence


def scores(query: np.ndarray, states, rows: np.ndarray, sentence_rows: np.ndarray,
           n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """MaxSim of ``rows`` and of their best sentence, as arrays over all ``n_rows`` passages
    (NaN where not scored). ``sentence_rows``: the index's (passage, start, end) rows."""
    return _by_passage(lambda units: maxsim(query, states, units), rows, sentence_rows, n_rows)


class PieceStats:
    """How many passages each token id occurs in, for the IDF of a hint's pieces (built from
    an index's token states on first use)."""

    def __init__(self, states, n_rows: int):
        seen = [np.unique(states.ids[a:b]) for a, b in states.spans[:n_rows]]
        ids, counts = np.unique(np.concatenate(seen) if seen else np.zeros(0, np.int32),
                                return_counts=True)
        self.ids, self.counts, self.n = ids, counts, max(n_rows, 1)

    def idf(self, pieces: np.ndarray) -> np.ndarray:
        at = np.clip(np.searchsorted(self.ids, pieces), 0, max(len(self.ids) - 1, 0))
        found = (self.ids[at] == pieces) if len(self.ids) else np.zeros(len(pieces), bool)
        df = np.where(found, self.counts[at] if len(self.ids) else 0, 0)
        return np.log(1 + self.n / (df + 0.5))


def piece_coverage(pieces: np.ndarray, states, rows: np.ndarray, sentence_rows: np.ndarray,
                   n_rows: int, stats: PieceStats) -> tuple[np.ndarray, np.ndarray]:
    """For ``rows`` and their best sentence, the IDF-weighted share of ``pieces`` (a hint's
    token ids) among the unit's token ids, as arrays over all ``n_rows`` (NaN: not scored)."""
    if not len(pieces):
        return np.full(n_rows, np.nan), np.full(n_rows, np.nan)
    w = stats.idf(pieces)
    w = w / w.sum()
    distinct, where = np.unique(pieces, return_inverse=True)
    weight = np.bincount(where.ravel(), weights=w, minlength=len(distinct))  # per distinct piece

    def shares(units: np.ndarray) -> np.ndarray:
        spans = states.spans[units]
        lengths = spans[:, 1] - spans[:, 0]
        ids = (np.concatenate([states.ids[a:b] for a, b in spans]) if lengths.sum()
               else np.zeros(0, np.int32))
        owner = np.repeat(np.arange(len(units)), lengths)
        at = np.clip(np.searchsorted(distinct, ids), 0, len(distinct) - 1)
        hit = distinct[at] == ids
        present = np.zeros((len(units), len(distinct)), dtype=bool)
        present[owner[hit], at[hit]] = True
        return present @ weight

    return _by_passage(shares, rows, sentence_rows, n_rows)
