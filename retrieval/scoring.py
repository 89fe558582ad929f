"""One search's scoring, on any engine (:class:`~fahras.retrieval.backends.protocol.Backend`):

1. the query is checked and analysed (:mod:`fahras.retrieval.query`): script, terms,
   structural reference; English words get their Arabic expansions
   (:mod:`fahras.retrieval.crosslingual`), Arabic words the index lacks their spelling
   corrections (:mod:`fahras.retrieval.spelling`);
2. the filters select passages (:mod:`fahras.retrieval.filters`);
3. lexical scores: BM25 of the weighted terms (:func:`lexical_query`), from the engine's
   lexical retriever;
4. dense scores: the query embedded once; a passage scores the mean of its own cosine and its
   best sentence's (a long paragraph is often about several things; its best sentence says
   whether one of them is the question's), from the engine's dense retriever;
5. when the engine cannot score every selected passage, the best of each side are the
   candidates and each gets the other side's score too;
6. fusion (:mod:`fahras.retrieval.fusion`): each candidate's evidence (both sides' scores, how
   much of the query each side reached, ranks, margins: :mod:`fahras.retrieval.rank_features`)
   weighed by the fitted linear model; its softmax over the candidates is the passage's score
   (its probability of being the passage sought). With an embedding model the fusion was not
   fitted for, min-max normalized scores are combined with weights by the query's script;
7. a passage named by the query («التوصية 8») is put first (or a note says there is none),
   then the passages citing a document symbol it names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from fahras.errors import UsageError
from fahras.messages import Message
from fahras.retrieval import fusion, late
from fahras.retrieval import query as query_mod
from fahras.retrieval import rank_features
from fahras.text.arabic import normalize
from fahras.retrieval.filters import DEFAULT_KINDS, Filters
from fahras.retrieval.query import SPECIFIC_SHARE, QueryAnalysis, analyze_query

MODES = ("hybrid", "lexical", "dense")
MAX_QUERY_CHARS = 5000
MAX_K = 100
# Weight of a passage's own cosine against its best sentence's cosine in its dense score.
PASSAGE_VS_SENTENCE = 0.5


@dataclass
class Scored:
    """Scores of every passage for one query (arrays aligned with the engine's rows)."""

    analysis: QueryAnalysis
    fused: np.ndarray
    lexical: np.ndarray
    dense: np.ndarray
    eligible: np.ndarray        # the selected passages the engine scored
    pinned: list[int]
    expansions: list[dict]
    notes: list[str]
    timings: dict[str, float]
    query_vector: np.ndarray | None = None
    signals: rank_features.Signals | None = None  # hybrid mode: what the fusion weighed
    query_tokens: np.ndarray | None = None  # the query's token states (late interaction)

    def order(self) -> list[int]:
        """Eligible passages, pinned first, then by fused score (ties: reading order)."""
        idx = np.flatnonzero(self.eligible)
        rest = idx[np.lexsort((idx, -self.fused[idx]))]
        pinned = [i for i in self.pinned if self.eligible[i]]
        return pinned + [int(i) for i in rest if i not in pinned]


def check_query(query: str) -> str:
    """Refuse what cannot be searched, with a message a user understands."""
    if not isinstance(query, str):
        raise UsageError("query_not_text")
    # Lone surrogates (undecodable bytes passed through) are not text: U+FFFD instead.
    q = query.encode("utf-16", "surrogatepass").decode("utf-16", "replace").strip()
    if not q:
        raise UsageError("query_empty")
    if len(q) > MAX_QUERY_CHARS:
        raise UsageError("query_too_long", n=len(q), limit=MAX_QUERY_CHARS)
    # Letters or digits that survive normalization (tatweel alone, say, normalizes to nothing).
    if not any(c.isalnum() for c in normalize(q)):
        raise UsageError("query_no_letters")
    return q


def lexical_query(analysis: QueryAnalysis, expansions: list[dict], lexical) -> dict[str, float]:
    """Weighted lexical terms: all of an Arabic query's; a Latin query's specific ones, plus
    its Arabic expansions. A joined token is matched whole when the index has it."""
    terms = []
    for group in analysis.groups or tuple((t,) for t in analysis.terms):
        # A joined token found whole in the index (a document symbol, «تموز/يوليه») is
        # matched whole; its parts count only when the whole is unknown.
        whole = len(group) > 1 and lexical.doc_freq(group[0]) > 0
        terms.extend(group[:1] if whole else group[1:] if len(group) > 1 else group)
    if analysis.latin:
        limit = max(2, SPECIFIC_SHARE * lexical.n_docs)
        weights = {t: 1.0 for t in terms if 0 < lexical.doc_freq(t) <= limit}
    else:
        weights = {t: 1.0 for t in terms}
    for exp in expansions:
        for term in exp.get("terms", ()):
            weights[term] = max(weights.get(term, 0.0), float(exp.get("weight", 0.5)))
    return weights


def candidate_features(engine, sig: rank_features.Signals, eligible: np.ndarray,
                       features: tuple[str, ...] = rank_features.FEATURES):
    """The fusion's candidates of a query and their feature matrix."""
    rows = rank_features.candidates(eligible, sig)
    return rows, rank_features.matrix(sig, rows, engine.lexical, engine.previous(rows),
                                      engine.kinds(rows), features)


@dataclass
class Prepared:
    """A query checked and analysed, with its expansions and the passages its filters select."""

    text: str
    analysis: QueryAnalysis
    expansions: list[dict]
    sel: object                 # the engine's Selection
    notes: list[str]
    timings: dict[str, float]
    started: float


def prepare(engine, query: str, mode: str, **filters) -> Prepared:
    """Steps 1-2 of a search: check, analyse and expand the query; select the passages."""
    if mode not in MODES:
        raise UsageError("unknown_mode", mode=mode, choices=", ".join(MODES))
    q = check_query(query)
    if mode != "lexical":
        engine.embedder  # a one-time model load is not part of a search's time
    t0 = time.perf_counter()
    analysis = analyze_query(q)
    expansions = engine.expander(analysis) if (engine.expander and mode != "dense") else []
    if mode != "dense" and analysis.script == "arabic":
        expansions = expansions + engine.speller.corrections(q)
    sel = engine.select(Filters.of(**filters))
    return Prepared(q, analysis, expansions, sel, [], {}, t0)


def structure(engine, p: Prepared) -> tuple[list[int], set[int]]:
    """The selected passages the query names («التوصية 8»; a note if the index has none), and
    those citing a document symbol it names."""
    pinned: list[int] = []
    ref = p.analysis.ref
    if ref is not None:
        pinned, exists = engine.named(ref.kind, ref.number, p.sel)
        if not exists:
            p.notes.append(Message("note_no_paragraph" if ref.kind == "paragraph"
                                   else "note_no_recommendation", number=ref.number))
    return pinned, {i for code in p.analysis.codes for i in engine.citing(code, p.sel)}


def score(engine, query: str, *, kinds=DEFAULT_KINDS, parts=None, docs=None,
          mode: str = "hybrid", years=None, langs=None) -> Scored:
    """Score the passages an engine selects for a query (the work behind ``search``)."""
    p = prepare(engine, query, mode, kinds=kinds, parts=parts, docs=docs, years=years,
                langs=langs)
    q, analysis, expansions, sel, timings = p.text, p.analysis, p.expansions, p.sel, p.timings
    n = engine.n_rows
    limit = None if sel.rows is not None else rank_features.CANDIDATES_PER_SIDE
    eligible = np.zeros(n, dtype=bool)
    if sel.rows is not None:
        eligible[sel.rows] = True
    lexical, passage_cos, sentence_cos = np.zeros(n), np.zeros(n), np.zeros(n)
    lex_known, dense_known = eligible.copy(), np.zeros(n, dtype=bool)
    strongest = 0.0  # the largest weight of a query term the index has
    query_terms: dict[str, float] = {}
    uses_lexical, uses_dense = mode in ("hybrid", "lexical"), mode in ("hybrid", "dense")
    if uses_lexical:
        t = time.perf_counter()
        query_terms = engine.lexical_query(analysis, expansions)
        strongest = max((w for term, w in query_terms.items() if engine.lexical.doc_freq(term)),
                        default=0.0)
        rows, scores = engine.lexical_top(query_terms, sel, limit)
        lexical[rows], eligible[rows], lex_known[rows] = scores, True, True
        timings["lexical_ms"] = (time.perf_counter() - t) * 1000
    # The fitted fusion (None: script weights), and whether late interaction is scored: for a
    # fusion that weighs it, or for the signals alone (``late_signals``: tools/fit_fusion.py).
    model = engine.fitted_fusion if mode == "hybrid" else None
    uses_late = mode == "hybrid" and engine.late_ready() and (
        engine.late_signals
        or (model is not None and any(f in rank_features.LATE_FEATURES for f in model.features)))
    qvec = qtok = None
    if uses_dense:
        t = time.perf_counter()
        if uses_late:
            qvec, qtok = engine.encode_query_tokens(q)
        else:
            qvec = engine.encode_query(q)
        timings["encode_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        rows, p_cos, s_cos = engine.dense_top(qvec, sel, limit)
        passage_cos[rows], sentence_cos[rows] = p_cos, s_cos
        eligible[rows], dense_known[rows] = True, True
        timings["dense_ms"] = (time.perf_counter() - t) * 1000

    pinned, citing = structure(engine, p)
    eligible[pinned + sorted(citing)] = True

    # Candidates that one side found and the other did not: the other side's score too.
    if uses_lexical:
        _complete(lexical, lex_known, eligible, lambda r: engine.lexical_scores(query_terms, r))
    if uses_dense:
        missing = np.flatnonzero(eligible & ~dense_known)
        if len(missing):
            passage_cos[missing], sentence_cos[missing] = engine.dense_scores(qvec, missing)
    dense = PASSAGE_VS_SENTENCE * passage_cos + (1 - PASSAGE_VS_SENTENCE) * sentence_cos

    idx = np.flatnonzero(eligible)
    fused = np.zeros(n)
    sig = None
    if mode == "hybrid":
        # The lexical score of the passage before each one (a fusion feature).
        before = np.zeros(n, dtype=bool)
        prev = engine.previous(idx)
        before[prev[prev >= 0]] = True
        _complete(lexical, lex_known, before, lambda r: engine.lexical_scores(query_terms, r))
        sig = rank_features.Signals(
            lexical, passage_cos, sentence_cos, query_terms,
            rank_features.reach(analysis, expansions, engine.lexical.doc_freq), analysis.latin,
            rank_features.kinds_named(analysis.normalized))
        if qtok is not None and len(idx):
            t = time.perf_counter()
            scored_rows = late.to_score(eligible, lexical, passage_cos + sentence_cos)
            sig.late_passage, sig.late_sentence = late.scores(
                qtok, engine.token_states, scored_rows, engine.sentence_rows, n)
            hint = late.hint_text(expansions) if analysis.latin else ""
            if hint:
                sig.hint, sig.hint_sentence = late.piece_coverage(
                    engine.hint_pieces(hint), engine.token_states, scored_rows,
                    engine.sentence_rows, n, engine.piece_stats)
            timings["late_ms"] = (time.perf_counter() - t) * 1000
    if len(idx):
        if mode == "lexical":
            fused[idx] = lexical[idx]
        elif mode == "dense":
            fused[idx] = dense[idx]
        elif model is not None:
            rows, feats = candidate_features(engine, sig, eligible, model.features)
            fused[rows] = fusion.softmax_linear(feats, model.weights)
        else:
            w = query_mod.fusion_weights(
                analysis, strongest if lexical[idx].max(initial=0) > 0 else 0.0)
            runs = [{int(i): lexical[i] for i in idx}, {int(i): dense[i] for i in idx}]
            for i, s in fusion.interpolate(runs, w).items():
                fused[i] = s

    # Passages citing a document symbol the query names come after the named ones, best first.
    pinned = pinned + sorted(citing - set(pinned), key=lambda i: (-fused[i], i))
    timings["total_ms"] = (time.perf_counter() - p.started) * 1000
    return Scored(analysis, fused, lexical, dense, eligible, pinned, expansions, p.notes,
                  timings, qvec, sig, qtok if sig is not None else None)


def _complete(values: np.ndarray, known: np.ndarray, wanted: np.ndarray, scores) -> None:
    """Fill ``values`` where ``wanted`` and not yet ``known`` with ``scores(rows)``."""
    missing = np.flatnonzero(wanted & ~known)
    if len(missing):
        values[missing] = scores(missing)
        known[missing] = True
