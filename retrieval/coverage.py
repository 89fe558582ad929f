"""Lexical coverage: how much of a question's content a sentence, a passage or the report has.

A question's content is a list of :class:`Unit`\\ s, each weighted by its IDF in the index (a
word the report never uses weighs most: a question about «الميزانية» asks for something the
report does not have):

- an Arabic question: one unit per content word (stop words and question-frame words such as
  «اسم», «عدد» left out);
- a Latin-script question: its words that the report also uses (numbers, document symbols),
  its numbers that the report does not use, and one unit per Arabic expansion
  (``Scored.expansions``: dicts with ``terms``, optionally ``arabic`` alternatives, ``weight``).
  Its other English words say nothing either way.

A number pair such as ``5/3`` also matches ``3/5``: the Arabic text of UN documents writes the
session and resolution numbers of a symbol in the other order (resolution 5/3 is «القرار
3/5»).

A word is found in a text (a :class:`Bag`) when its light stem is one of the text's terms
(the BM25 terms of :mod:`fahras.retrieval.arabic`), or when one of its *cores* -- the
normalized word without a leading clitic or verb prefix and/or one common suffix, «وحقهم» →
«حقهم», «الدراسات» → «دراس», «سيعقد» → «عقد» -- is a core of a word of the text or, for a core
of four letters or more, part of one («حكوم» in «الحكومة»). The light stemmer alone leaves
such variants apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fahras.retrieval.arabic import (
    STOP_WORDS,
    Token,
    analyze,
    is_arabic,
    normalize_with_offsets,
    terms_of_token,
    tokenize,
    tokenize_normalized,
)

# Words that frame a question rather than say what it is about (normalized, bare forms):
# «ما اسم ...», «كم عدد ...», «ما نوع ...», «بأي صفة ...» ("in what capacity"), «ما موضوع ...»
# ("what is ... about").
QUESTION_FRAME = frozenset("""
اسم اسماء الاسم عدد العدد نوع انواع صفه باي لاي بايه موضوع مضمون محتوي فحوي
""".split())

# The same for English questions: "what is the name of ...", "what kind of ...", "in what
# capacity ...", "what is X's role": words that say what form the answer takes.
ENGLISH_FRAME = frozenset("""
name names kind kinds type types sort sorts number numbers date dates day days year years
role roles position positions title titles job jobs capacity function functions topic topics
subject subjects content contents mrs city cities place places venue
""".split())
# English function words that arabic.STOP_WORDS leaves out (prepositions, adverbs).
ENGLISH_FUNCTION = frozenset("""
against along across through throughout toward towards together behind beyond within without
around despite during under over upon among amongst between before after since until unless
whether while yet already currently ago ever like
""".split())

# Leading clitics (conjunction, preposition, article) and verb prefixes (future س, imperfect
# ي/ت/ن), and common suffixes (plural, feminine, pronouns, verb endings). Each is tried alone.
_PREFIXES = ("وال", "فال", "بال", "كال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك",
             "سي", "ست", "سن", "ي", "ت", "ن")
_SUFFIXES = ("هما", "ات", "ون", "ين", "ان", "يه", "ها", "هم", "وا", "ه", "ي", "ت")
_PAIR = re.compile(r"(\d+)/(\d+)")
MIN_CORE = 3
MIN_PARTIAL = 4


def cores(form: str) -> frozenset[str]:
    """The cores of a normalized Arabic word (see the module docstring): the word itself and
    the word without one leading clitic or verb prefix and/or one common suffix -- every
    reading, since a leading «و» may be a conjunction («وحقهم») or part of the word («وظيفة»)
    -- of three letters or more. Empty for other words."""
    if not form or not is_arabic(form[0]) or not form.isalpha():
        return frozenset()
    stems = {form}
    for p in _PREFIXES:
        if form.startswith(p) and len(form) - len(p) >= MIN_CORE:
            stems.add(form[len(p):])
    out = set(stems)
    for w in stems:
        for s in _SUFFIXES:
            if w.endswith(s) and len(w) - len(s) >= MIN_CORE:
                out.add(w[: -len(s)])
                break
    return frozenset(c for c in out if len(c) >= MIN_CORE)


@dataclass(frozen=True)
class Key:
    """One word to look for: its stem (a BM25 term) and, for an Arabic word, its core."""

    stem: str
    cores: frozenset[str] = frozenset()


class Bag:
    """The words of a text, ready for :meth:`has`."""

    __slots__ = ("terms", "cores", "joined")

    def __init__(self, tokens: Iterable[Token]):
        terms: set[str] = set()
        all_cores: set[str] = set()
        forms: set[str] = set()
        for tok in tokens:
            terms.update(terms_of_token(tok))
            c = cores(tok.form)
            if c:
                all_cores.update(c)
                forms.add(tok.form)
        self.terms = frozenset(terms)
        self.cores = frozenset(all_cores)
        self.joined = "\n" + "\n".join(sorted(forms)) + "\n"

    @classmethod
    def of(cls, text: str) -> "Bag":
        return cls(tokenize(text))

    def has(self, key: Key) -> bool:
        if key.stem in self.terms:
            return True
        return any(c in self.cores or (len(c) >= MIN_PARTIAL and c in self.joined)
                   for c in key.cores)

    @classmethod
    def union(cls, bags: Iterable["Bag"]) -> "Bag":
        bags = list(bags)
        out = cls(())
        out.terms = frozenset().union(*(b.terms for b in bags))
        out.cores = frozenset().union(*(b.cores for b in bags))
        forms = {f for b in bags for f in b.joined.split("\n") if f}
        out.joined = "\n" + "\n".join(sorted(forms)) + "\n"
        return out


@dataclass(frozen=True)
class Unit:
    """One piece of a question's content: covered when one of its alternatives is (an
    alternative is a group of words; its coverage is the share of them found)."""

    alternatives: tuple[tuple[Key, ...], ...]
    weight: float
    source: str = ""  # the normalized word (or the English text an expansion came from)
    word: str = ""    # as the question wrote it

    def coverage(self, bag: Bag) -> float:
        best = 0.0
        for alt in self.alternatives:
            if alt:
                best = max(best, sum(bag.has(k) for k in alt) / len(alt))
        return best


def _keys(text: str) -> list[tuple[Key, str, str]]:
    """(key, normalized form, form as written) of each content word of a text."""
    norm = normalize_with_offsets(text)
    out = []
    for tok in tokenize_normalized(norm.text):
        terms = terms_of_token(tok)
        if not terms:
            continue
        if tok.form in QUESTION_FRAME or cores(tok.form) & QUESTION_FRAME:
            continue
        a, b = norm.original_span(tok.start, tok.end)
        out.append((Key(terms[0], cores(tok.form)), tok.form, text[a:b]))
    return out


def query_units(analysis, expansions, lexical, corpus: Bag | None = None) -> list[Unit]:
    """The content of a question (see the module docstring), weighted by IDF: the stem's when
    the index has it, else the highest (a word the report does not use)."""
    from fahras.retrieval.lexical import lucene_idf

    def weight(key: Key) -> float:
        df = lexical.doc_freq(key.stem)
        if df == 0 and corpus is not None and corpus.has(key):
            df = 1  # a variant of a word the report uses: rare, but there
        return lucene_idf(lexical.n_docs, df)

    units: list[Unit] = []
    seen: set[str] = set()
    expanded: set[str] = set()
    for exp in expansions or ():
        expanded.update(analyze(str(exp.get("source", ""))))
    for key, form, word in _keys(analysis.text):
        if key.stem in seen:
            continue
        if analysis.latin:
            known = lexical.doc_freq(key.stem) > 0
            number = any(c.isdigit() for c in key.stem)
            if not (known or (number and key.stem not in expanded)):
                continue
        seen.add(key.stem)
        alts = [(key,)]
        pair = _PAIR.fullmatch(key.stem)
        if pair:  # «القرار 3/5» is resolution 5/3 in English: the pair is written both ways
            alts.append((Key(f"{pair.group(2)}/{pair.group(1)}"),))
        units.append(Unit(tuple(alts), max(weight(k) for (k,) in alts), form, word))
    for exp in expansions or ():
        if analysis.latin and _frame_only(str(exp.get("source", ""))):
            continue  # "in what capacity": the form of the answer, not its topic
        alts = []
        for arabic in exp.get("arabic", ()) or ():
            keys = tuple(k for k, _, _ in _keys(str(arabic)))
            if keys:
                alts.append(keys)
        if not alts:
            alts = [(Key(t),) for t in exp.get("terms", ()) if t not in seen]
        if not alts:
            continue
        w = max(weight(k) for alt in alts for k in alt)
        source = str(exp.get("source", ""))
        units.append(Unit(tuple(alts), float(exp.get("weight", 0.5)) * w, source, source))
    return units


def _frame_only(source: str) -> bool:
    from fahras.retrieval.crosslingual.glossary import english_words

    words = english_words(source)
    return bool(words) and all(w.lemma in ENGLISH_FRAME or w.text.lower() in ENGLISH_FRAME
                               for w in words)


def unreached(text: str, expansions, with_verbs: bool = False) -> list[str]:
    """The content words of an English question that nothing reaches in Arabic: not a stop word,
    a common word or a frame word (:data:`ENGLISH_FRAME`), not a number or symbol, and inside
    the source of no expansion (``Scored.expansions``) -- "budget" in "What is the budget of
    the Working Group?" when the glossary has no entry for it, or has one whose Arabic the
    report never uses. The glossary is written from the reports' vocabulary, so a word it
    cannot reach is often a word the report does not have (a weaker sign than the missing
    Arabic word of an Arabic question: it may also be a gap in the glossary). Verbs are left
    out unless ``with_verbs`` (:mod:`fahras.retrieval.verbs`: the report tells an event with
    its own verbs)."""
    from fahras.retrieval.crosslingual.expander import COMMON_WORDS
    from fahras.retrieval.crosslingual.glossary import english_words
    from fahras.retrieval.verbs import is_verb

    covered: set[int] = set()
    for exp in expansions or ():
        source = str(exp.get("source", ""))
        i = text.find(source) if source else -1
        if i >= 0:
            covered.update(range(i, i + len(source)))
    out = []
    for w in english_words(text):
        low = w.text.lower()
        if (covered.intersection(range(w.start, w.end)) or not w.text.isalpha()
                or low in STOP_WORDS or w.lemma in STOP_WORDS or low in COMMON_WORDS
                or low in ENGLISH_FUNCTION
                or w.lemma in ENGLISH_FRAME or low in ENGLISH_FRAME or len(low) < 3):
            continue
        if not with_verbs and is_verb(w.text):
            continue
        out.append(w.text)
    return out


def word_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Pairs of consecutive content words (stems; stop words skipped) of a text: «البند 2»
    in a question and in a sentence say more than «البند» and «2» apart."""
    stems = [terms[0] for terms in map(terms_of_token, tokenize(text)) if terms]
    return frozenset(zip(stems, stems[1:]))


def coverage(units: list[Unit], bag: Bag) -> float | None:
    """IDF-weighted share of the units found in ``bag``; None when there is nothing to cover."""
    total = sum(u.weight for u in units)
    if total <= 0:
        return None
    return sum(u.weight * u.coverage(bag) for u in units) / total
