"""What ``ask`` computes once per question: its type, its content, and its specifics.

- ``qtype`` and what it ``wants`` from a sentence (:mod:`fahras.retrieval.answer.qtypes`);
- ``units``: its content words, IDF-weighted (:func:`fahras.retrieval.answer.words.question_units`:
  an English question through its Arabic expansions only);
- its specifics, each of which a passage that answers should name too (with the passage before
  it): ``numbers`` (digits, symbols), ``ordinals`` («الاجتماع الثاني عشر», "the twelfth
  meeting"), ``entities`` (countries an Arabic question names, and the Arabic of an English
  question's names and countries).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import fahras.retrieval.answer.qtypes as qtypes
from fahras.retrieval.answer.offers import country_forms, values
from fahras.retrieval.answer.words import (
    Key,
    Unit,
    content_keys,
    cores,
    expansion_pairs,
    question_units,
    word_pairs,
)
from fahras.retrieval.query import ordinal_numbers
from fahras.text.arabic import normalize, normalize_with_offsets, tokenize
from fahras.text.clitics import bare_words


@dataclass
class Question:
    text: str
    latin: bool
    qtype: str | None
    wants: str | None
    units: list[Unit]
    pairs: frozenset
    numbers: list[Unit] = field(default_factory=list)
    entities: list[Unit] = field(default_factory=list)
    ordinals: dict[int, str] = field(default_factory=dict)
    max_idf: float = 1.0   # the IDF of a word no passage has: what the other IDFs are scaled by
    values: frozenset[str] = frozenset()  # its numbers and month names

    @property
    def is_question(self) -> bool:
        return self.qtype is not None

    @classmethod
    def of(cls, searcher, scored) -> "Question":
        from fahras.retrieval.lexical import lucene_idf

        a = scored.analysis
        qtype = qtypes.question_type(a.text)
        units = question_units(_without_reference(a), scored.expansions, searcher.lexical)
        pairs = expansion_pairs(scored.expansions) if a.latin else word_pairs(a.text)
        numbers = [u for u in units if u.kind == "number"]
        entities = _entities(a.text, a.latin, scored.expansions, units)
        return cls(a.text, a.latin, qtype, qtypes.WANTS.get(qtype), units, pairs, numbers,
                   entities, _ordinals(a.text), lucene_idf(searcher.lexical.n_docs, 0),
                   values([t.form for t in tokenize(a.text)]))

    def offered(self, sentence) -> bool:
        """Whether a sentence offers what the question wants: a date or a number with a value
        the question does not have, a person, a place, a list."""
        if self.wants is None or self.wants not in sentence.offers:
            return False
        if self.wants in ("date", "number"):
            return bool(sentence.values - self.values)
        return True

    def counts_asked(self, sentence) -> bool:
        """For a "how many" question: whether the sentence counts one of its words («كم عدد
        الجلسات» -> «أربع جلسات»)."""
        return self.qtype == "how_many" and any(u.coverage(sentence.counted) > 0
                                                for u in self.units)

    def missing(self, bag) -> list[Unit]:
        """The units a bag lacks (covered less than fully)."""
        return [u for u in self.units if u.coverage(bag) < 1.0]

    def idf_share(self, units: list[Unit]) -> float:
        """The largest IDF of ``units`` over the IDF of a word no passage has (0 if none)."""
        return max((u.idf for u in units), default=0.0) / max(self.max_idf, 1e-9)

    @property
    def n_units_log(self) -> float:
        return math.log1p(len(self.units))


def _without_reference(analysis):
    """The analysis of a question without the passage it names («ما الذي تدعو إليه التوصية 8؟»:
    «التوصية 8» is the passage's label, not words of its text)."""
    if analysis.ref is None:
        return analysis
    from dataclasses import replace

    from fahras.retrieval.query import find_ref

    _, rest = find_ref(analysis.normalized)
    return replace(analysis, text=rest)


def _ordinals(text: str) -> dict[int, str]:
    """The ordinals a question names, each with its words as written."""
    norm = normalize_with_offsets(text)
    out = {}
    for n, (a, b) in ordinal_numbers(norm.text).items():
        a, b = norm.original_span(a, b)
        out[n] = text[a:b].strip()
    return out


def _entities(text: str, latin: bool, expansions, units: list[Unit]) -> list[Unit]:
    """Names the question is about: countries (by their Arabic names, one word or two) and,
    for an English question, what its name expansions found in Arabic."""
    names = country_forms()
    out: list[Unit] = []
    if latin:
        previous, last = None, None  # the source word of the last name, and its entity
        for exp in expansions or ():
            arabic = [str(f) for f in exp.get("arabic", ()) or ()]
            source = str(exp.get("source", ""))
            if exp.get("kind") == "name" or any(normalize(f).strip() in names for f in arabic):
                unit = next((u for u in units if u.kind == "expansion"
                             and u.source == source), None)
                if unit is None:
                    continue
                # A person's names written one after the other ("Mohamed Rachedi") are one
                # entity, which a passage names by its last word ("Mr. Rachedi").
                if (exp.get("kind") == "name" and previous is not None
                        and f"{previous} {source}" in text):
                    out[out.index(last)] = unit
                else:
                    out.append(unit)
                previous, last = (source, unit) if exp.get("kind") == "name" else (None, None)
        return out
    keys = content_keys(text)
    i = 0
    while i < len(keys):
        n = 0
        for size in (3, 2, 1):  # the longest name first: «المملكة العربية السعودية»
            span = keys[i:i + size]
            rest = " ".join(f for _, f, _ in span[1:])
            if len(span) == size and any((f"{r} {rest}" if rest else r) in names
                                         for r in bare_words(span[0][1])):
                n = size
                break
        if n:
            span = keys[i:i + n]
            written = " ".join(w for _, _, w in span)
            ks = tuple(Key(k.stem, cores(f)) for k, f, _ in span)
            out.append(Unit((ks,), 1.0, 1.0, written, written, "entity"))
            i += n
        else:
            i += 1
    return out
