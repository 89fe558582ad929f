"""The evidence ``ask`` weighs: features of each candidate sentence, and of the question.

**Candidates** (:func:`candidate_rows`): the sentences of the ``POOL`` best passages, of the
``LEXICAL_POOL`` best on the lexical side alone, and the ``DENSE_POOL`` sentences nearest to the
question anywhere; a question that names a passage («التوصية 8», "paragraph 28 (e)") is
answered from that passage (that list item).

**Sentence features** (:data:`SENTENCE_FEATURES`, one row per candidate; the chooser's softmax
over a question's candidates makes every one of them relative to the others):

- the embeddings: ``cos`` (question and sentence), ``cos_gap`` (minus the best candidate's),
  ``cos_rank`` (1/its rank), ``cos_local_gap`` (minus the best of its passage's candidates),
  ``cos_window`` (the sentence read with its neighbours);
- the ranking: ``fused_rel`` (its passage's fused score over the first's), ``rank_inv``
  (1/that passage's rank), ``beyond_top`` (below the first ``TOP``), ``dense_gap`` (the
  passage's dense score minus the first's), ``only_dense`` (a dense neighbour only);
- the words: ``lex_sent`` the IDF-weighted share of the question's content the sentence has
  (``_gap`` against the best candidate, ``lex_rank``, ``lex_local_gap`` against its passage's
  best, ``lex_unweighted``), ``lex_window`` with the sentence before it, ``lex_pass`` its
  passage (``_gap``), ``pairs`` the share of the question's consecutive word pairs, ``novel``
  (log of the terms it adds);
- the answer type: ``type_ok`` / ``type_miss`` (it offers / lacks what the question's type
  wants), ``counts_asked`` (a count of a word of a "how many" question), ``list_mismatch`` (a
  list for a question that asks for none);
- ``length`` (log tokens), ``position`` in its passage, ``pinned``;
- ``NAME_en`` for the features of :data:`FOR_LATIN`: the same, for an English question only.

**Question features** (:data:`QUESTION_FEATURES`, of the question and its best candidate):
``best_logit`` the chooser's score and ``best_share`` its softmax share, ``best_cos``,
``cos_spread`` (best cosine minus the candidates' median), ``dense_z`` (the best passage's dense
score in standard deviations above the mean of all), ``fused_margin`` (the first two passages);
with the passage before it in its section (its *context*): ``lex_ctx`` the share of the
question's content it has, ``missing_idf`` the largest IDF of a word it lacks (over a word no
passage has), ``n_missing``, ``first_missing``; ``absent`` the largest IDF of a word no passage
has at all (``absent_share`` their share, ``absent_unknown`` one that is not even a typo of an
index term: :func:`fahras.retrieval.answer.words.near_known`, ``first_absent``),
``number_missing``, ``ordinal_missing``, ``entity_missing``, ``entity_absent``; ``type_miss``
(and ``miss_TYPE`` by what the type wants), ``counts_asked``, ``list_mismatch``; what kind of
question it is: ``wants``, ``latin``, ``is_question``, ``pinned``, ``n_units``, ``no_units``;
``rank_inv`` and ``agree`` (its passage is first on the fused and on the dense side).
:data:`SIGNS` gives the direction of each one's evidence.

The features marked :data:`DENSE` come from the embedding model; with a model the coefficients
were not fitted for, they are left out (:mod:`fahras.retrieval.answer.model`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fahras.retrieval.answer.offers import OFFERS
from fahras.retrieval.answer.question import Question
from fahras.retrieval.answer.table import sentence_table
from fahras.retrieval.answer.words import coverage, near_known

POOL = 5
LEXICAL_POOL = 2
DENSE_POOL = 8
TOP = 3  # "the first few hits"

SENTENCE_FEATURES = (
    "cos", "cos_gap", "cos_rank", "cos_local_gap", "cos_window", "fused_rel", "rank_inv", "beyond_top",
    "dense_gap", "only_dense", "lex_sent", "lex_sent_gap", "lex_rank", "lex_local_gap",
    "lex_unweighted", "lex_window", "lex_pass", "lex_pass_gap", "pairs", "novel", "type_ok",
    "type_miss", "counts_asked", "list_mismatch", "length", "position", "pinned",
    "late", "late_gap")
# An English question reaches the Arabic sentences through the embeddings and a few expansions:
# these features get a second weight for it (``NAME_en``: the value for a Latin-script
# question, 0 for an Arabic one).
FOR_LATIN = ("cos", "cos_gap", "cos_rank", "cos_window", "lex_sent", "lex_window", "lex_rank",
             "fused_rel", "dense_gap", "late", "late_gap")
SENTENCE_FEATURES += tuple(f"{f}_en" for f in FOR_LATIN)
QUESTION_FEATURES = (
    "best_logit", "best_share", "best_cos", "cos_spread", "dense_z", "fused_margin", "lex_ctx",
    "lex_sent", "missing_idf", "n_missing", "absent", "absent_share", "absent_unknown",
    "entity_absent", "number_missing", "ordinal_missing", "entity_missing", "type_miss",
    "miss_date", "miss_number", "miss_agent", "miss_place", "miss_list", "first_missing",
    "first_absent", "counts_asked", "list_mismatch", "wants", "latin", "is_question", "pinned",
    "n_units", "no_units", "rank_inv", "agree")
# The direction of a question feature's evidence: +1 for the answer (the refusal model's
# coefficient is fitted >= 0), -1 against it (<= 0); the others are free (what kind of question
# it is). Only the sizes are fitted.
SIGNS = {**{f: 1 for f in ("best_logit", "best_share", "best_cos", "cos_spread", "dense_z",
                          "fused_margin", "lex_ctx", "lex_sent", "counts_asked", "rank_inv",
                          "agree")},
         **{f: -1 for f in ("missing_idf", "n_missing", "absent", "absent_share", "absent_unknown",
                           "entity_absent",
                           "number_missing", "ordinal_missing", "entity_missing", "type_miss",
                           "miss_date", "miss_number", "miss_agent", "miss_place", "miss_list",
                           "first_missing", "first_absent", "list_mismatch")}}
DENSE = frozenset({"cos", "cos_gap", "cos_rank", "cos_local_gap", "cos_window", "dense_gap",
                   "best_cos", "cos_spread", "dense_z", "cos_en", "cos_gap_en", "cos_rank_en",
                   "cos_window_en", "dense_gap_en"})
# Late interaction (fahras.retrieval.late): each candidate sentence's MaxSim with the question
# and its gap to the best, with an index that has token states (0 without: the model's
# ``late`` variant weighs them, the ``dense`` one does not).
LATE = frozenset({"late", "late_gap", "late_en", "late_gap_en"})


@dataclass
class Pool:
    """The candidates of one question: their rows and passages, and their feature matrix."""

    rows: list[int]
    passages: list[int]
    ranks: list[int]
    X: np.ndarray            # (n candidates, len(SENTENCE_FEATURES))
    cos: np.ndarray
    pinned: bool
    first: int               # the first passage of the fused order


def _ranks(scored, order: list[int], passages: list[int]) -> dict[int, int]:
    """1-based rank of each passage in the fused order (pinned first, as the hits)."""
    pos = {p: i + 1 for i, p in enumerate(order[:50])}
    out = {}
    fused = scored.fused[scored.eligible]
    for p in passages:
        out[p] = pos.get(p) or int(np.count_nonzero(fused > scored.fused[p])) + 1
    return out


def _in_item(passage, offset: int, wanted: str) -> bool:
    from fahras.index.report import ITEM_LETTERS

    item = passage.item_at(offset)
    if item is None:
        return False
    marker = item.marker.replace("\u0640", "")
    return wanted in (item.marker, marker, ITEM_LETTERS.get(item.marker))


def candidate_rows(searcher, scored, order: list[int] | None = None
                   ) -> tuple[list[int], bool, int]:
    """The candidate sentence rows of a question, whether they come from a named passage, and
    how many of them come from the best passages (the others are the dense-nearest)."""
    table = sentence_table(searcher)
    pinned = [i for i in scored.pinned if scored.eligible[i]]
    if pinned:
        rows = [r for i in pinned for r in table.rows_of(i)]
        ref = scored.analysis.ref
        if ref is not None and ref.item:  # «الفقرة 28 (هـ)»: that item's sentences
            inside = [r for r in rows if _in_item(searcher.passages[table.span(r)[0]],
                                                  table.span(r)[1], ref.item)]
            rows = inside or rows
        return rows, True, len(rows)
    order = scored.order() if order is None else order
    top = list(order[:POOL])
    lex = scored.lexical
    if LEXICAL_POOL and lex.max(initial=0) > 0:
        best = np.flatnonzero(scored.eligible & (lex > 0))
        best = best[np.lexsort((best, -lex[best]))][:POOL + LEXICAL_POOL]
        top += [int(i) for i in best if int(i) not in top][:LEXICAL_POOL]
    rows = [r for i in top for r in table.rows_of(i)]
    n_top = len(rows)
    if scored.query_vector is not None and searcher.n_sentences and DENSE_POOL:
        ids = searcher.nearest_sentences(scored.query_vector, DENSE_POOL * 2)
        taken = set(rows)
        near = [int(r) for r in ids if scored.eligible[table.span(int(r))[0]]]
        rows += [r for r in near[:DENSE_POOL] if r not in taken]
    return rows, False, n_top


class _Coverage:
    """How much of each of the question's units a sentence or a passage has: one vector per
    text, computed once per question (the features are weighted sums of these)."""

    def __init__(self, table, q: Question):
        self.table, self.q = table, q
        self.weights = np.array([u.weight for u in q.units], dtype=np.float64)
        self._rows: dict[int, np.ndarray] = {}
        self._passages: dict[int, np.ndarray] = {}

    def _of(self, bag) -> np.ndarray:
        return np.array([u.coverage(bag) for u in self.q.units], dtype=np.float64)

    def row(self, r: int) -> np.ndarray:
        v = self._rows.get(r)
        if v is None:
            v = self._rows[r] = self._of(self.table.sentence(r).bag)
        return v

    def passage(self, p: int) -> np.ndarray:
        v = self._passages.get(p)
        if v is None:
            v = self._passages[p] = self._of(self.table.bag(p))
        return v

    def window(self, s) -> np.ndarray:
        """A sentence with the one before it in its passage (which often names what it speaks
        of): a unit counts as much as in the one of the two that has more of it."""
        v = self.row(s.row)
        if s.index == 0:
            return v
        return np.maximum(v, self.row(self.table.rows_of(s.passage)[s.index - 1]))

    def shares(self, vectors: list[np.ndarray], weighted: bool = True) -> np.ndarray:
        """The (IDF-weighted) share of the units each vector covers."""
        n = len(self.q.units)
        if not n:
            return np.zeros(len(vectors))
        M = np.vstack(vectors).reshape(len(vectors), n)
        w = self.weights if weighted else np.ones(n)
        return M @ w / w.sum() if w.sum() > 0 else np.zeros(len(vectors))


def _local_max(values: np.ndarray, passages: list[int]) -> np.ndarray:
    """For each candidate, the largest of ``values`` among the candidates of its passage."""
    best: dict[int, float] = {}
    for v, p in zip(values, passages):
        best[p] = max(best.get(p, -np.inf), v)
    return np.array([best[p] for p in passages])


def _late_scores(searcher, scored, rows: list[int]) -> np.ndarray:
    """Each candidate sentence's MaxSim with the question (zeros without token states)."""
    from fahras.retrieval.late import maxsim

    tokens = scored.query_tokens
    states = getattr(searcher, "token_states", None)
    if tokens is None or states is None:
        return np.zeros(len(rows))
    return maxsim(tokens, states, np.asarray(rows, dtype=np.int64) + searcher.n_rows)


def sentence_features(searcher, scored, q: Question, order: list[int] | None = None
                      ) -> Pool | None:
    """The candidates of a question and their features (None: no candidate); ``order``:
    ``scored.order()`` if the caller has it."""
    table = sentence_table(searcher)
    order = scored.order() if order is None else order
    rows, pinned, n_top = candidate_rows(searcher, scored, order)
    if not rows:
        return None
    n = len(rows)
    sents = [table.sentence(r) for r in rows]
    passages = [s.passage for s in sents]
    ranks = _ranks(scored, order, sorted(set(passages)))
    rank = np.ones(n) if pinned else np.array([ranks[p] for p in passages], dtype=np.float64)
    if scored.query_vector is not None and searcher.n_sentences:
        cos = searcher.sentence_vectors(rows) @ np.asarray(scored.query_vector, np.float32)
        cos = cos.astype(np.float64)
    else:
        cos = np.zeros(n)
    eligible = scored.eligible
    top_fused = max(float(scored.fused[eligible].max()), 1e-9)
    top_dense = float(scored.dense[eligible].max())
    ms = _late_scores(searcher, scored, rows)
    cov = _Coverage(table, q)
    lex_sent = cov.shares([cov.row(r) for r in rows])
    lex_pass = cov.shares([cov.passage(p) for p in passages])
    qterms = {k.stem for u in q.units for alt in u.alternatives for k in alt}
    offered = np.array([q.offered(s) for s in sents], dtype=np.float64)
    wanted = float(q.wants is not None)
    columns = {
        "cos": cos, "cos_gap": cos - cos.max(), "cos_rank": 1.0 / _rank_of(cos),
        "cos_local_gap": cos - _local_max(cos, passages),
        "cos_window": _window_cosines(searcher, table, sents, scored.query_vector),
        "late": ms, "late_gap": ms - ms.max(),
        "fused_rel": np.ones(n) if pinned else np.maximum(scored.fused[passages], 0) / top_fused,
        "rank_inv": 1.0 / rank, "beyond_top": (rank > TOP).astype(np.float64),
        "dense_gap": scored.dense[passages] - top_dense,
        "only_dense": (np.arange(n) >= n_top).astype(np.float64),
        "lex_sent": lex_sent, "lex_sent_gap": lex_sent - lex_sent.max(),
        "lex_rank": 1.0 / _rank_of(lex_sent),
        "lex_local_gap": lex_sent - _local_max(lex_sent, passages),
        "lex_unweighted": cov.shares([cov.row(r) for r in rows], weighted=False),
        "lex_window": cov.shares([cov.window(s) for s in sents]),
        "lex_pass": lex_pass, "lex_pass_gap": lex_pass - lex_pass.max(),
        "pairs": np.array([len(q.pairs & s.pairs) / len(q.pairs) if q.pairs else 0.0
                           for s in sents]),
        "novel": np.log1p([len(s.bag.terms - qterms) for s in sents]),
        "type_ok": offered, "type_miss": wanted * (1.0 - offered),
        "counts_asked": np.array([q.counts_asked(s) for s in sents], dtype=np.float64),
        "list_mismatch": np.array([("list" in s.offers) and q.qtype not in ("list", "yesno")
                                   for s in sents], dtype=np.float64),
        "length": np.array([s.length for s in sents]),
        "position": np.array([s.index / max(1, len(table.rows_of(s.passage)) - 1)
                              for s in sents]),
        "pinned": np.full(n, float(pinned)),
    }
    for f in FOR_LATIN:
        columns[f"{f}_en"] = columns[f] * float(q.latin)
    X = np.column_stack([columns[f] for f in SENTENCE_FEATURES])
    return Pool(rows, passages, [int(r) for r in rank], X, cos, pinned, int(order[0]))


def _window_cosines(searcher, table, sents, qvec) -> np.ndarray:
    """The question's cosine with each sentence read with its neighbours in its passage (the
    normalized sum of the vectors of the sentence before, the sentence and the one after: a
    sentence that speaks of "it" is read with the sentence that names it)."""
    if qvec is None or not searcher.n_sentences:
        return np.zeros(len(sents))
    out = np.empty(len(sents))
    for j, s in enumerate(sents):
        rows = table.rows_of(s.passage)
        v = searcher.sentence_vectors(rows[max(0, s.index - 1):s.index + 2]).sum(axis=0)
        out[j] = float(v @ qvec) / max(float(np.linalg.norm(v)), 1e-9)
    return out


def _rank_of(values: np.ndarray) -> np.ndarray:
    """1-based rank of each value, largest first (ties: in order)."""
    out = np.empty(len(values))
    out[np.lexsort((np.arange(len(values)), -values))] = np.arange(1, len(values) + 1)
    return out


def _share(logits: np.ndarray, best: int) -> float:
    """The chooser's softmax probability of candidate ``best`` among its question's."""
    e = np.exp(logits - logits.max())
    return float(e[best] / e.sum())


@dataclass
class Evidence:
    """The question features of a question and its best candidate, with what they name."""

    x: np.ndarray
    missing: list          # content units the context lacks, rarest first
    absent: list           # units no passage has
    numbers: list
    ordinals: list[str]
    entities: list


def question_features(searcher, scored, q: Question, pool: Pool, logits: np.ndarray,
                      best: int) -> Evidence:
    """The features of :data:`QUESTION_FEATURES` for the candidate ``best`` of ``pool``."""
    table = sentence_table(searcher)
    row, passage = pool.rows[best], pool.passages[best]
    sent = table.sentence(row)
    ctx = table.context(passage)
    col = {f: i for i, f in enumerate(SENTENCE_FEATURES)}
    eligible = np.flatnonzero(scored.eligible)
    dense = scored.dense[eligible]
    dense_z = 0.0
    if len(dense) > 1 and scored.query_vector is not None:
        dense_z = float((dense.max() - dense.mean()) / (dense.std() + 1e-9))
    fused = np.sort(scored.fused[eligible])[::-1]
    margin = float((fused[0] - fused[1]) / max(abs(fused[0]), 1e-9)) if len(fused) > 1 else 1.0
    missing = sorted(q.missing(ctx.bag), key=lambda u: -u.idf)
    absent = [u for u in q.units if u.idf >= q.max_idf - 1e-9 and u.kind != "expansion"]
    numbers = [u for u in q.numbers if u.coverage(ctx.bag) < 1.0]
    ordinals = [w for n, w in q.ordinals.items() if n not in ctx.ordinals]
    entities = [u for u in q.entities if u.coverage(ctx.bag) < 1.0]
    top_fused = pool.first
    top_dense = int(eligible[np.argmax(dense)]) if len(eligible) else -1
    values = {
        "best_logit": float(logits[best]), "best_share": _share(logits, best),
        "best_cos": float(pool.cos[best]),
        "cos_spread": float(pool.cos[best] - np.median(pool.cos)), "dense_z": dense_z,
        "fused_margin": margin, "lex_ctx": coverage(q.units, ctx.bag) or 0.0,
        "lex_sent": pool.X[best, col["lex_sent"]], "missing_idf": q.idf_share(missing),
        "n_missing": min(len(missing), 3) / 3.0, "absent": q.idf_share(absent) if absent else 0.0,
        "absent_share": sum(u.idf for u in absent) / max(sum(u.idf for u in q.units), 1e-9),
        "absent_unknown": float(any(u.kind == "word" and not near_known(searcher.lexical, k.stem)
                                    for u in absent for alt in u.alternatives for k in alt)),
        "entity_absent": float(any(all(searcher.lexical.doc_freq(k.stem) == 0 for k in alt)
                                   for u in q.entities for alt in u.alternatives)),
        "number_missing": float(bool(numbers)), "ordinal_missing": float(bool(ordinals)),
        "entity_missing": float(bool(entities)),
        "type_miss": float(q.wants is not None and not q.offered(sent)),
        **{f"miss_{w}": float(q.wants == w and not q.offered(sent)) for w in OFFERS},
        "first_missing": float(bool(q.units) and q.units[0].coverage(ctx.bag) < 1.0),
        "first_absent": float(bool(q.units) and q.units[0] in absent),
        "counts_asked": pool.X[best, col["counts_asked"]],
        "list_mismatch": pool.X[best, col["list_mismatch"]],
        "wants": float(q.wants is not None), "latin": float(q.latin),
        "is_question": float(q.is_question), "pinned": float(pool.pinned),
        "n_units": q.n_units_log, "no_units": float(not q.units),
        "rank_inv": 1.0 / pool.ranks[best],
        "agree": float(passage == top_fused and passage == top_dense),
    }
    x = np.array([values[f] for f in QUESTION_FEATURES], dtype=np.float64)
    return Evidence(x, missing, absent, numbers, ordinals, entities)
