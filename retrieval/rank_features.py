"""Evidence for ranking: what the fitted fusion (:mod:`fahras.retrieval.fusion`) combines.

A fixed pair of weights cannot say when to trust which side: on a paraphrase that shares no
content word with its passage the lexical side matches common words only, on a list question
BM25 finds the country names the embeddings blur, and an English question reaches the Arabic
text lexically only through the words its expansions cover. So every candidate passage of a
query gets a row of features -- scores of both sides *and* evidence of how much each side
reached -- and a linear model fitted by cross-validation over several corpora
(``tools/fit_fusion.py``) weighs them. Everything here is scale-free (shares, ranks, gaps to the
best candidate), so it holds for a corpus of any size and vocabulary.

Per candidate ``p`` (``L`` the weighted BM25 score, ``P`` the passage's cosine with the query,
``S`` its best sentence's cosine, ``D = P + S``):

- ``lex``: ``L / max L``; ``dense``: ``D`` min-max scaled over the candidates;
- ``coverage``: the IDF-weighted share of the query's lexical terms that ``p`` contains;
- ``lex_rank`` / ``dense_rank``: ``10 / (9 + rank)`` on each side;
- ``dense_gap``, ``passage_gap``, ``sentence_gap``: ``D``, ``P``, ``S`` minus their best;
- ``prev_lex``: the lexical score of the passage before ``p`` in its document (a short
  paragraph often continues the one before it: «وتكلمت أيضا المراقبة عن ...» after a list);
- ``kind_named``: the query names ``p``'s kind ("recommend", «توصية») -- the UN layout's
  passage kinds, not one report's words;
- ``lex_margin`` / ``dense_margin``: for each side's best candidate, its lead over the second;
- ``late`` / ``late_gap``, ``late_sentence`` / ``late_sentence_gap``: late interaction
  (:mod:`fahras.retrieval.late`), the passage's MaxSim and its best sentence's, min-max scaled
  and minus the best (times 10, the gaps being a tenth of the cosines'), and ``hint*`` the
  IDF-weighted share of an English question's Arabic hint's pieces in the passage and its best
  sentence, and their gaps (0 without a hint), for an index with token states (:data:`LATE_FEATURES`; without them the fusion fitted on :data:`FEATURES`);
- products with query-level evidence: ``reach`` (the share of the query's content words that
  reach the index lexically: for an Arabic query, words the index has; for an English one,
  words an expansion covers), ``best_coverage`` (the best candidate's ``coverage``) and
  ``latin`` (the query is in Latin script).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fahras.text.arabic import QUERY_STOP_WORDS, analyze, normalize, tokenize

FEATURES = (
    "lex", "dense", "coverage", "lex_rank", "dense_rank", "dense_gap", "prev_lex",
    "lex*reach", "coverage*reach", "dense*reach", "lex*best_coverage", "dense*best_coverage",
    "dense*latin", "coverage*latin", "dense_gap*latin", "passage_gap", "sentence_gap",
    "kind_named", "lex_margin", "dense_margin",
)
# With token states (fahras.index.token_states): FEATURES + LATE_FEATURES.
LATE_FEATURES = ("late", "late_gap", "late_sentence", "late_sentence_gap",
                 "hint", "hint_gap", "hint_sentence", "hint_sentence_gap")
# Words that name a passage kind in a query (normalized Arabic stems and English prefixes).
KIND_WORDS = {"recommendation": ("توصي", "recommend")}
RANK_K = 10
# Above this many eligible passages, only the best of each side are candidates.
ALL_CANDIDATES_UP_TO = 2000
CANDIDATES_PER_SIDE = 300


@dataclass
class Signals:
    """One query's raw signals over all passages (arrays aligned with the searcher's passages)."""

    lexical: np.ndarray          # weighted BM25
    passage_cos: np.ndarray
    sentence_cos: np.ndarray     # best sentence's cosine (the passage's own where it has none)
    terms: dict                  # lexical term -> weight (what BM25 searched)
    reach: float
    latin: bool
    kind_named: tuple[str, ...]  # passage kinds the query names
    late_passage: np.ndarray | None = None   # MaxSim (NaN: not scored; None: no token states)
    late_sentence: np.ndarray | None = None  # the best sentence's MaxSim
    hint: np.ndarray | None = None           # an English question's Arabic hint's share
    hint_sentence: np.ndarray | None = None  # (fahras.retrieval.late.piece_coverage)


def candidates(eligible: np.ndarray, sig: Signals) -> np.ndarray:
    """Indexes of the passages to rank: every eligible one in a small corpus, else the union of
    the best ``CANDIDATES_PER_SIDE`` of each side."""
    idx = np.flatnonzero(eligible)
    if len(idx) <= ALL_CANDIDATES_UP_TO:
        return idx
    keep = set()
    for x in (sig.lexical, sig.passage_cos + sig.sentence_cos):
        v = x[idx]
        top = np.argpartition(-v, CANDIDATES_PER_SIDE)[:CANDIDATES_PER_SIDE]
        keep.update(int(i) for i in idx[top])
    return np.array(sorted(keep), dtype=np.int64)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(-x, kind="stable")
    out = np.empty(len(x))
    out[order] = np.arange(1, len(x) + 1)
    return out


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = (float(x.min()), float(x.max())) if len(x) else (0.0, 0.0)
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def _margin(x: np.ndarray) -> np.ndarray:
    out = np.zeros(len(x))
    if len(x) > 1:
        first, second = np.argsort(-x, kind="stable")[:2]
        if x[first] > 0:
            out[first] = (x[first] - x[second]) / x[first]
    return out


def coverage(lexical, terms: dict, rows: np.ndarray) -> np.ndarray:
    """For each passage of ``rows``, the IDF-weighted share of the query's terms it contains."""
    known = {t: w for t, w in terms.items() if w > 0 and lexical.doc_freq(t) > 0}
    total = sum(w * lexical.idf(t) for t, w in known.items())
    out = np.zeros(len(rows))
    if total <= 0:
        return out
    for t, w in known.items():
        out += (w * lexical.idf(t) / total) * lexical.contains(t, rows)
    return out


def _late(x: np.ndarray | None, rows: np.ndarray, scale: bool = True
          ) -> tuple[np.ndarray, np.ndarray]:
    """A late-interaction score's two columns: min-max scaled and 10 x its gap to the best
    (``scale``), or as it is (a share) and its gap; candidates it did not score get the
    lowest score it gave."""
    v = np.zeros(len(rows)) if x is None else x[rows]
    scored = ~np.isnan(v)
    if not scored.any():
        return np.zeros(len(rows)), np.zeros(len(rows))
    v = np.where(scored, v, v[scored].min())
    if not scale:
        return v, v - v.max()
    return _minmax(v), 10 * (v - v.max())


def matrix(sig: Signals, rows: np.ndarray, lexical, prev: np.ndarray,
           kinds: np.ndarray, features: tuple[str, ...] = FEATURES) -> np.ndarray:
    """The feature matrix (``len(rows)`` x ``len(features)``) of one query's candidates;
    ``prev`` and ``kinds``: each candidate's previous passage (-1: none) and kind."""
    L, P, S = sig.lexical[rows], sig.passage_cos[rows], sig.sentence_cos[rows]
    D = P + S
    top_lex = float(L.max()) if len(L) else 0.0
    lex = L / top_lex if top_lex > 0 else np.zeros_like(L)
    prev_lex = np.where(prev >= 0, sig.lexical[np.maximum(prev, 0)], 0.0)
    prev_lex = prev_lex / top_lex if top_lex > 0 else np.zeros_like(L)
    dense = _minmax(D)
    cov = coverage(lexical, sig.terms, rows)
    best_cov = float(cov.max()) if len(cov) else 0.0
    latin = 1.0 if sig.latin else 0.0
    dgap = D - (D.max() if len(D) else 0.0)
    kind_named = np.isin(kinds, sig.kind_named).astype(float)
    cols = {
        "lex": lex, "dense": dense, "coverage": cov,
        "lex_rank": RANK_K / (RANK_K - 1 + _ranks(L)),
        "dense_rank": RANK_K / (RANK_K - 1 + _ranks(D)),
        "dense_gap": dgap, "prev_lex": prev_lex,
        "lex*reach": lex * sig.reach, "coverage*reach": cov * sig.reach,
        "dense*reach": dense * sig.reach, "lex*best_coverage": lex * best_cov,
        "dense*best_coverage": dense * best_cov, "dense*latin": dense * latin,
        "coverage*latin": cov * latin, "dense_gap*latin": dgap * latin,
        "passage_gap": P - (P.max() if len(P) else 0.0),
        "sentence_gap": S - (S.max() if len(S) else 0.0),
        "kind_named": kind_named, "lex_margin": _margin(L), "dense_margin": _margin(D),
    }
    if any(f in LATE_FEATURES for f in features):
        cols["late"], cols["late_gap"] = _late(sig.late_passage, rows)
        cols["late_sentence"], cols["late_sentence_gap"] = _late(sig.late_sentence, rows)
        cols["hint"], cols["hint_gap"] = _late(sig.hint, rows, scale=False)
        cols["hint_sentence"], cols["hint_sentence_gap"] = _late(sig.hint_sentence, rows,
                                                                 scale=False)
    return np.column_stack([cols[name] for name in features]) if len(rows) else np.zeros(
        (0, len(features)))


def reach(analysis, expansions, doc_freq) -> float:
    """The share of a query's content words that reach the index lexically: for an Arabic
    query the words with a term the index has; for a Latin-script one the words an expansion
    (glossary, name, number ...) covers, or that the index has as they are (numbers, symbols)."""
    stop = _stop_forms()
    tokens = [t for t in tokenize(analysis.text) if t.form not in stop and len(t.form) > 1]
    if not tokens:
        return 0.0
    if analysis.latin:
        covered = set()
        for e in expansions:
            covered.update(t.form for t in tokenize(e.get("source", "")))
        hit = sum(1 for t in tokens if t.form in covered
                  or any(doc_freq(x) > 0 for x in analyze(t.form)))
    else:
        hit = sum(1 for t in tokens if any(doc_freq(x) > 0 for x in analyze(t.form)))
    return hit / len(tokens)


def kinds_named(normalized_query: str) -> tuple[str, ...]:
    """Passage kinds a normalized query names ("recommendations", «التوصيات»)."""
    return tuple(kind for kind, words in KIND_WORDS.items()
                 if any(w in normalized_query for w in words))


_STOP: frozenset[str] | None = None


def _stop_forms() -> frozenset[str]:
    global _STOP
    if _STOP is None:
        _STOP = frozenset(normalize(w) for w in QUERY_STOP_WORDS)
    return _STOP


def previous_passages(passages) -> np.ndarray:
    """For each passage, the index of the passage before it in the same document (not a
    heading), or -1."""
    out = np.full(len(passages), -1, dtype=np.int64)
    for i in range(1, len(passages)):
        before, p = passages[i - 1], passages[i]
        if before.doc == p.doc and before.kind != "heading" and p.kind != "heading":
            out[i] = i - 1
    return out
