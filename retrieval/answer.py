"""Answers: the sentence of the report that answers a question, cited, or an honest refusal.

No extractive-QA model or reranker can be had offline, and small generative models invent
facts, so the answer is extractive: among the sentences of the best passages, the one that
answers the question, in the report's own words, with its paragraph (or list item) label.

One ``ask`` is one search (the question is encoded once) plus a little arithmetic:

1. :meth:`Searcher.score` scores every passage; the hits are the search's own hits;
2. the candidates are the sentences of the ``POOL`` best passages, of the ``LEXICAL_POOL``
   best passages on the lexical side alone (for an English question: its Arabic expansions),
   and the ``DENSE_POOL`` sentences nearest to the question anywhere (sentence vectors were
   computed when the index was built; the question's vector is ``Scored.query_vector``);
   when the question names a passage («التوصية 8»), that passage's sentences (or its list
   item's: «الفقرة 28 (هـ)»);
3. each candidate gets :func:`sentence_score`, a weighted sum of
   - ``dense``: its cosine with the question minus the best candidate's cosine;
   - ``lexical``: the IDF-weighted share of the question's content it covers
     (:mod:`fahras.retrieval.coverage`; English questions: numbers, symbols and the Arabic
     expansions of ``Scored.expansions``);
   - ``passage``: its passage's fused score relative to the best passage's;
   - ``cue``: whether it has what the question's type asks for (:mod:`fahras.retrieval.cues`:
     a date for "when", a count of what the question names for "how many", ...);
   - ``phrase``: the share of the question's pairs of consecutive words that it has too
     («البند 2» rather than «البند 5»);
4. the best candidate is the answer -- extended to the list it introduces when it ends with a
   colon -- unless the evidence is too weak (:func:`refuse`: it lacks what the question's type
   asks for, the report lacks the word the question asks about, its passage lacks most of
   the question's specific content, or the question is far from the report and its passage
   has little of its content; the limits are fitted by ``python -m
   fahras.retrieval.calibrate_answers``). Then ``found`` is false, there is no answer,
   ``reason`` says why, and the closest passages are still listed.

An English question's content is its Arabic expansions (and numbers, symbols); the content
words that no expansion reaches (:func:`fahras.retrieval.coverage.unreached`: "budget" when
the glossary has no word for it; verbs left out) are its ``gaps``: for the refusal rule, words
the passage lacks, as an Arabic word the report never uses is for an Arabic question.
See docs/answers.md.
"""

from __future__ import annotations

import json
import time
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from fahras.retrieval.arabic import analyze, normalize, normalize_with_offsets
from fahras.retrieval.coverage import (
    QUESTION_FRAME,
    Bag,
    Unit,
    coverage,
    query_units,
    unreached,
    word_pairs,
)
from fahras.retrieval.entities import mentions, named_countries
from fahras.retrieval.query import ordinal_numbers
from fahras.retrieval.cues import (
    focus,
    is_question,
    question_type,
    sentence_cues,
    OTHER_COUNT,
    counted_words,
    titled_words,
    type_match,
)

# Passages whose sentences compete for the answer.
POOL = 6
# Sentences nearest to the question (by cosine) that compete too, wherever they are.
DENSE_POOL = 8
# Passages best on the lexical side alone (for an English question, its Arabic expansions)
# whose sentences compete too: the fused ranking of an English question leans on the dense
# side, which can leave the passage holding every expanded term out of the ``POOL``.
LEXICAL_POOL = 4
# A unit of a question is specific when at most this share of the passages has it.
SPECIFIC_SHARE = 0.1
# The fitted model (sentence-score weights, refusal rule): plain numbers in
# data/answer_model.json, written by ``python -m fahras.retrieval.calibrate_answers --write``.
MODEL_FILE = Path(__file__).parent / "data" / "answer_model.json"


@lru_cache(maxsize=1)
def default_model() -> dict:
    return json.loads(MODEL_FILE.read_text(encoding="utf-8"))


# -- the sentence table of an index -----------------------------------------------------------
@dataclass
class SentenceTable:
    """Per-sentence (and per-passage) data that an ``ask`` needs, computed once per searcher."""

    rows: np.ndarray                      # (passage index, start, end) of each sentence
    by_passage: dict[int, list[int]]
    bags: list[Bag]                       # each sentence's words
    cues: list[frozenset[str]]
    titled: list[Bag]                     # words followed by a title («راشدي، قائد»)
    counted: list[Bag]                    # words right after a count («أربع جلسات»)
    pairs: list[frozenset]                # consecutive content words
    passage_bags: dict[int, Bag]
    context_bags: dict[int, Bag]          # a passage with the one before it in its section
    context_ordinals: dict[int, frozenset[int]]  # the ordinals («الحادي عشر») they name
    context_texts: dict[int, str]         # their text, normalized (for country names)
    corpus: Bag                           # every word of the index
    centroid: np.ndarray | None           # mean sentence vector: q . centroid = mean cosine

    @classmethod
    def build(cls, searcher) -> "SentenceTable":
        rows = searcher.sentence_rows
        by_passage: dict[int, list[int]] = {}
        bags, cues, titled, counted, pairs = [], [], [], [], []
        for r, (pi, a, b) in enumerate(rows):
            text = searcher.passages[int(pi)].text[int(a):int(b)]
            by_passage.setdefault(int(pi), []).append(r)
            bags.append(Bag.of(text))
            cues.append(sentence_cues(text))
            titled.append(titled_words(text))
            counted.append(counted_words(text))
            pairs.append(word_pairs(text))
        passage_bags = {i: Bag.of(searcher.passages[i].text) for i in by_passage}
        context_bags, context_ordinals, context_texts = {}, {}, {}
        for i, bag in passage_bags.items():
            p, prev = searcher.passages[i], i - 1
            same = (prev in passage_bags and searcher.passages[prev].doc == p.doc
                    and searcher.passages[prev].section == p.section)
            context_bags[i] = Bag.union([passage_bags[prev], bag]) if same else bag
            texts = [searcher.passages[prev].text, p.text] if same else [p.text]
            context_texts[i] = "\n".join(normalize(t) for t in texts)
            context_ordinals[i] = frozenset(ordinal_numbers(context_texts[i]))
        corpus = Bag.union(passage_bags.values())
        centroid = None
        if searcher.sentence_dense is not None and len(rows):
            centroid = searcher.sentence_dense.vectors.mean(axis=0)
        return cls(rows, by_passage, bags, cues, titled, counted, pairs, passage_bags,
                   context_bags, context_ordinals, context_texts, corpus, centroid)


_TABLES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def sentence_table(searcher) -> SentenceTable:
    table = _TABLES.get(searcher)
    if table is None:
        table = _TABLES[searcher] = SentenceTable.build(searcher)
    return table


# -- results ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    """The answering sentence: the report's own words and where they are."""

    text: str
    passage_id: str
    label_ar: str
    label_en: str
    start: int
    end: int
    score: float

    def to_json(self) -> dict:
        return {"text": self.text, "passage_id": self.passage_id, "label_ar": self.label_ar,
                "label_en": self.label_en, "start": self.start, "end": self.end,
                "score": round(self.score, 6)}


@dataclass
class Candidate:
    """A sentence competing to be the answer, with its features."""

    row: int
    passage: int
    start: int
    end: int
    cosine: float
    dense: float
    lexical: float
    passage_score: float
    cue: float
    phrase: float = 0.0
    score: float = 0.0


@dataclass
class AskResult:
    query: str
    found: bool
    answer: Answer | None
    hits: list
    search: object = None                         # the SearchResult behind the hits
    best: Candidate | None = None                 # the best sentence, even when refused
    evidence: dict = field(default_factory=dict)  # what the refusal rule looked at
    reason: str | None = None                     # why there is no answer
    passage: object = None                        # the answer's Passage
    timings: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "query": self.query,
            "found": self.found,
            "answer": self.answer.to_json() if self.answer else None,
            "hits": [h.to_json() for h in self.hits],
        }


# -- scoring ----------------------------------------------------------------------------------
def sentence_score(c: Candidate, weights: dict | None = None) -> float:
    w = weights or default_model()["weights"]
    return (w["dense"] * c.dense + w["lexical"] * c.lexical + w["passage"] * c.passage_score
            + w["cue"] * c.cue + w.get("phrase", 0.0) * c.phrase)


@dataclass
class _Question:
    """What is computed once per question: its units, type and terms, and for an English
    question its ``gaps``: one unit (never covered, weighted as a word the report does not
    use) for each content word that no expansion reaches (:func:`coverage.unreached`)."""

    units: list
    qtype: str | None
    keys: list  # every word of every unit
    pairs: frozenset
    gaps: list = field(default_factory=list)

    @classmethod
    def of(cls, searcher, scored, table: SentenceTable) -> "_Question":
        from fahras.retrieval.lexical import lucene_idf

        a = scored.analysis
        units = query_units(a, scored.expansions, searcher.lexical, table.corpus)
        keys = [k for u in units for alt in u.alternatives for k in alt]
        gaps = []
        if a.latin:
            absent = lucene_idf(searcher.lexical.n_docs, 0)
            gaps = [Unit((), absent, w.lower(), w) for w in unreached(a.text, scored.expansions)]
        return cls(units, question_type(a.normalized), keys, word_pairs(a.text), gaps)


def _in_item(passage, offset: int, wanted: str) -> bool:
    """Whether ``offset`` of a passage is inside its list item ``wanted`` (a marker as
    printed, «هـ», its normalized form «ه», or the English letter "e")."""
    from fahras.index.report import ITEM_LETTERS

    item = passage.item_at(offset)
    if item is None:
        return False
    marker = item.marker.replace("\u0640", "")
    return wanted in (item.marker, marker, ITEM_LETTERS.get(item.marker))


def candidates(searcher, scored, pool: int = POOL, dense_pool: int = DENSE_POOL,
               weights: dict | None = None, question: _Question | None = None,
               lexical_pool: int = LEXICAL_POOL) -> list[Candidate]:
    """The sentences of the ``pool`` best passages and the ``dense_pool`` sentences nearest to
    the question, scored, best first."""
    table = sentence_table(searcher)
    order = scored.order()
    if not order:
        return []
    q = question or _Question.of(searcher, scored, table)
    pinned = [i for i in scored.pinned if scored.eligible[i]]
    top = pinned or order[:pool]  # a question that names a passage is about that passage
    if not pinned and lexical_pool:
        lex = scored.lexical
        others = np.flatnonzero(scored.eligible & (lex > 0))
        others = others[np.lexsort((others, -lex[others]))]  # best first; ties: reading order
        top = top + [int(i) for i in others if int(i) not in top][:lexical_pool]
    rows = [r for i in top for r in table.by_passage.get(i, ())]
    ref = scored.analysis.ref
    if pinned and ref is not None and ref.item:  # «الفقرة 28 (هـ)»: that item's sentences
        in_item = [r for r in rows if _in_item(searcher.passages[int(table.rows[r][0])],
                                                int(table.rows[r][1]), ref.item)]
        rows = in_item or rows
    dense_ok = scored.query_vector is not None and searcher.sentence_dense is not None
    if dense_ok and not pinned and dense_pool:
        # The sentences nearest to the question anywhere: a passage about many things can
        # rank low while one of its sentences is the answer.
        ids, _ = searcher.sentence_dense.search(scored.query_vector, dense_pool * 2)
        taken = set(rows)
        near = [int(r) for r in ids if scored.eligible[int(table.rows[int(r)][0])]]
        rows += [r for r in near[:dense_pool] if r not in taken]
    if not rows:
        return []
    if dense_ok:
        cos = searcher.sentence_dense.vectors[rows] @ np.asarray(scored.query_vector, np.float32)
    else:
        cos = np.zeros(len(rows))
    best_cos = float(cos.max())
    fused = scored.fused
    top_fused = max(float(fused[scored.eligible].max()), 1e-9)
    out = []
    for r, c in zip(rows, cos):
        pi, a, b = (int(x) for x in table.rows[r])
        lex = coverage(q.units, table.bags[r])
        pscore = 1.0 if pi in pinned else max(0.0, float(fused[pi])) / top_fused
        cue = type_match(q.qtype, table.cues[r], table.titled[r], q.keys,
                         table.counted[r]) or 0.0
        phrase = len(q.pairs & table.pairs[r]) / len(q.pairs) if q.pairs else 0.0
        cand = Candidate(r, pi, a, b, float(c), float(c) - best_cos, lex or 0.0, pscore, cue,
                         phrase)
        cand.score = sentence_score(cand, weights)
        out.append(cand)
    out.sort(key=lambda x: (-x.score, x.row))
    return out


_WANTED = {"when": "a date", "how_many": "a number", "who": "a person or body",
           "symbol": "a document symbol", "role": "a title or function"}


def evidence(searcher, scored, best: Candidate, question: _Question | None = None) -> dict:
    """What the refusal rule (:func:`refuse`) looks at, for the best candidate:

    - ``cosine``: its cosine with the question;
    - ``topicality``: the question's mean cosine with all the report's sentences (a question
      about football is far from all of them);
    - ``missing_specific``: the IDF-weighted share of the question's specific content (words
      in at most ``SPECIFIC_SHARE`` of the passages, or in none) that its passage lacks (with
      the passage before it in the same section, which a short paragraph often continues:
      «وتكلمت أيضا المراقبة عن كولومبيا» after the list of speakers under item 5), and
      ``n_missing`` how many of those words it lacks, ``number_missing`` whether one of them
      is a number or symbol («2025»);
    - ``cue_missing``: the question's type asks for something the sentence lacks (a "when"
      question and no date; a "how many" question and no count of one of its words);
    - ``focus_missing``: the word a "what"/"which" question asks about
      (:func:`fahras.retrieval.cues.focus`) is not in the passage (an attribute: «ما ميزانية
      الفريق؟») or not in the report at all (a category: «ما العقوبة التي ...»); for an
      English question, the Arabic expansion of that word;
    - ``support``: the IDF-weighted share of all the question's content that the passage (with
      the one before it) has -- for an English question, its Arabic expansions found there
      and its unreached words (``gaps``) counted as missing; ``unreached``: those words;
    - ``country_missing``: the countries it names (:mod:`fahras.retrieval.entities`) that the
      passage (with the one before it) does not name;
    - ``ordinal_missing``: the ordinals it names («الاجتماع الثاني عشر», "the twelfth
      meeting") that the passage (with the one before it) does not name -- the report of one
      meeting answers nothing about another;
    - ``question``: a question, not a phrase; ``nothing_in_report``: none of its words is in
      the report; ``pinned``: it names a passage.

    An English question's ``gaps`` count as specific content the passage lacks.
    """
    table = sentence_table(searcher)
    q = question or _Question.of(searcher, scored, table)
    limit = SPECIFIC_SHARE * searcher.lexical.n_docs
    specific = [u for u in q.units
                if min(searcher.lexical.doc_freq(k.stem) for alt in u.alternatives for k in alt)
                <= limit] + q.gaps
    context = table.context_bags.get(best.passage, table.bags[best.row])
    in_passage = coverage(specific, context)
    match = type_match(q.qtype, table.cues[best.row], table.titled[best.row], q.keys,
                       table.counted[best.row])
    topical = 0.0
    if scored.query_vector is not None and table.centroid is not None:
        topical = float(np.dot(table.centroid, scored.query_vector))
    focus_word, focus_missing = None, False
    if q.qtype in (None, "where"):  # a typed question: the cue decides
        f = focus(scored.analysis.normalized, QUESTION_FRAME)
        unit = next((u for u in q.units if f and (u.source == f[1] or (
            scored.analysis.latin and set(analyze(f[1])) & set(analyze(u.source))))), None)
        if unit is not None:
            focus_word = unit.word
            focus_missing = not unit.coverage(context if f[0] == "attribute" else table.corpus)
    return {
        "cosine": best.cosine,
        "topicality": topical,
        "missing_specific": 0.0 if in_passage is None else 1.0 - in_passage,
        "n_missing": sum(u.coverage(context) < 1.0 for u in specific),
        "number_missing": any(u.coverage(context) < 1.0 and any(c.isdigit() for c in u.source)
                              for u in specific),
        "support": coverage(q.units + q.gaps, context) or 0.0,
        "sentence_support": coverage(q.units + q.gaps, table.bags[best.row]) or 0.0,
        "unreached": [u.word for u in q.gaps],
        "cue_missing": match is not None and match < 1.0,
        "wanted": _WANTED.get(q.qtype) if match != OTHER_COUNT else "a count of what it names",
            "focus_missing": focus_missing,
        "focus": focus_word,
        "country_missing": [c.written for c in named_countries(scored.analysis.text,
                                                               scored.analysis.latin)
                            if not mentions(c, table.context_texts.get(best.passage, ""))],
        "ordinal_missing": _ordinals_missing(scored.analysis.text,
                                             table.context_ordinals.get(best.passage, ())),
        "question": is_question(scored.analysis.normalized),
        "nothing_in_report": coverage(q.units + q.gaps, table.corpus) == 0.0,
        "pinned": bool(scored.pinned),
    }


def _ordinals_missing(question: str, named: frozenset[int]) -> list[str]:
    """The ordinals of a question («الثاني عشر», "twelfth") not in ``named``, as written."""
    norm = normalize_with_offsets(question)
    out = []
    for n, (a, b) in ordinal_numbers(norm.text).items():
        if n not in named:
            a, b = norm.original_span(a, b)
            out.append(question[a:b].strip())
    return out


def refuse(ev: dict, latin: bool, model: dict | None = None) -> str | None:
    """Why the best sentence is not an answer, or None when it is one:

    - a question that names a passage («التوصية 8») is answered from that passage, unless it
      asks for something the passage lacks («ما عدد الدول التي صوتت لصالح التوصية 8؟»: no
      count);
    - a phrase (not a question) is answered with its nearest sentence, unless none of its
      words is in the report;
    - a question is refused when the sentence lacks what its type asks for, when the report
      lacks the word it asks about, when its passage does not name a country it names or the
      ordinal it names («متى سيعقد الاجتماع الثاني عشر؟» and a passage about the eleventh), when its passage lacks most of its specific content
      (a share of ``missing`` or more, and two words at least -- one word may be a variant
      the matching misses -- or a number), or when it is far from the report (topicality under
      ``topicality``, or best cosine under ``cosine``) and its passage has less than
      ``support`` of its content (an English question is further from the Arabic sentences
      than an Arabic one, even when its expansions find the sentence: the words decide
      then). The numbers, one set per script, are fitted by ``python -m
      fahras.retrieval.calibrate_answers``; the cosine limits only hold for the embedding
      model they were fitted with (``ev["dense"]``).
    """
    if ev["pinned"]:
        if ev["question"] and ev["cue_missing"]:
            return f"it asks for {ev['wanted']}, and the passage it names has none"
        return None
    if not ev["question"]:
        return "none of its words is in the report" if ev["nothing_in_report"] else None
    if ev["cue_missing"]:
        return f"it asks for {ev['wanted']}, and the closest passage has none"
    if ev["focus_missing"]:
        return f"the report does not say what it asks about («{ev['focus']}»)"
    if ev.get("country_missing"):
        return f"the closest passage does not mention «{ev['country_missing'][0]}»"
    if ev.get("ordinal_missing"):
        return f"the closest passage does not name the «{ev['ordinal_missing'][0]}» it asks about"
    limits = (model or default_model())["refusal"]["latin" if latin else "arabic"]
    if ev["missing_specific"] >= limits["missing"] and (ev["n_missing"] >= 2
                                                         or ev["number_missing"]):
        return "the closest passage lacks most of what it is about"
    if not ev["dense"]:
        return None
    far = ev["topicality"] < limits["topicality"] or ev["cosine"] < limits["cosine"]
    if far and ev["support"] < limits.get("support", 1.01):
        return "it is far from everything the report says"
    return None


def _answer_span(passage, table: SentenceTable, best: Candidate) -> tuple[int, int]:
    """The sentence, extended to the end of the list it introduces when it ends with a colon."""
    start, end = best.start, best.end
    if passage.text[start:end].rstrip().endswith(":"):
        after = [r for r in table.by_passage.get(best.passage, []) if table.rows[r][1] >= end]
        if after:
            end = int(table.rows[after[-1]][2])
    return start, end


def ask(searcher, question: str, k: int = 5, *, kinds=None, parts=None, docs=None,
        mode: str = "hybrid", model: dict | None = None) -> AskResult:
    """Answer a question with a sentence of the report, or say that it is not there."""
    from fahras.errors import UsageError
    from fahras.retrieval.searcher import DEFAULT_KINDS, MAX_K

    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise UsageError("k_not_whole")
    k = min(k, MAX_K)
    scored = searcher.score(question, kinds=kinds or DEFAULT_KINDS, parts=parts, docs=docs,
                            mode=mode)
    return answer_scored(searcher, scored, k, model=model)


def answer_scored(searcher, scored, k: int, *, model: dict | None = None) -> AskResult:
    """:func:`ask` once the passages are scored (the calibration reuses one ``Scored``)."""
    model = model or default_model()
    t0 = time.perf_counter()
    result = searcher.result(scored, k)
    table = sentence_table(searcher)
    q = _Question.of(searcher, scored, table)
    ranked = candidates(searcher, scored, weights=model["weights"], question=q)
    out = AskResult(result.query, False, None, result.hits, result,
                    reason="no passage matches the filters")
    if ranked:
        best = ranked[0]
        ev = evidence(searcher, scored, best, q)
        ev["dense"] = (scored.query_vector is not None
                       and searcher.embedder.name == model.get("embedding"))
        out.best, out.evidence = best, ev
        out.reason = refuse(ev, scored.analysis.latin, model)
        if out.reason is None:
            passage = searcher.passages[best.passage]
            start, end = _answer_span(passage, table, best)
            label_ar, label_en = passage.cite_labels(start)
            out.found, out.passage = True, passage
            out.answer = Answer(passage.text[start:end], passage.id, label_ar, label_en,
                                start, end, best.score)
    out.timings = dict(scored.timings)
    out.timings["answer_ms"] = (time.perf_counter() - t0) * 1000
    out.timings["total_ms"] = scored.timings.get("total_ms", 0.0) + out.timings["answer_ms"]
    return out
