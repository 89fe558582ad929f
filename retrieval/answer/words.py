"""A question's content words, and how much of them a sentence, a passage or the corpus has.

A question's content is a list of :class:`Unit`\\ s, each weighted by its IDF in the index (a
word in few passages says more about where the answer is than a word in most):

- an Arabic question: one unit per content word (stop words and the words that frame a
  question, «اسم», «عدد», «نوع», left out);
- a Latin-script question: the words the index itself has (document symbols, numbers, the
  words of English documents), its numbers, and one unit per Arabic expansion
  (``Scored.expansions``: dicts with ``source``, ``arabic`` forms, ``terms``, ``weight``). Its
  other English words are not reached in Arabic, which says nothing about the documents: they
  are no unit at all.

A word is found in a text (a :class:`Bag`) when its light stem is one of the text's terms (the
BM25 terms of :mod:`fahras.text.arabic`), or when one of its *cores* -- the normalized word
without one leading clitic or verb prefix and/or one common suffix, «وحقهم» -> «حقهم»,
«الدراسات» -> «دراس», «سيعقد» -> «عقد» -- is a core of a word of the text or, for a core of four
letters or more, part of one («حكوم» in «الحكومة»). A number pair ``5/3`` also matches ``3/5``
(the Arabic text of UN documents writes a symbol's session and resolution numbers the other way
round).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from fahras.retrieval.spelling import MAX_LENGTH as SPELLING_MAX_LENGTH
from fahras.text.arabic import (
    Token,
    analyze,
    is_arabic,
    normalize_with_offsets,
    stem,
    terms_of_token,
    tokenize,
    tokenize_normalized,
)
from fahras.text.clitics import readings

# Words that frame a question rather than say what it is about (normalized): «ما اسم ...»,
# «كم عدد ...», «ما نوع ...», «بأي صفة ...», «ما موضوع ...».
QUESTION_FRAME = frozenset("""
اسم اسماء الاسم عدد العدد نوع انواع صفه باي لاي بايه موضوع مضمون محتوي فحوي هل ماذا لماذا
كيف متي اين كم
""".split())
# The same in English: what form the answer takes ("the name of", "what kind of", "the date").
ENGLISH_FRAME = frozenset("""
name names kind kinds type types sort sorts number numbers date dates day days year years
role roles position positions title titles capacity topic topics subject subjects
""".split())

# Verb prefixes (future س, imperfect ي/ت/ن) besides the proclitics of fahras.text.clitics, and
# common suffixes (plural, feminine, pronouns, verb endings). One prefix and one suffix at most.
_VERB_PREFIXES = ("سي", "ست", "سن", "ي", "ت", "ن")
_SUFFIXES = ("هما", "ات", "ون", "ين", "ان", "يه", "ها", "هم", "وا", "ه", "ي", "ت")
_PAIR = re.compile(r"(\d+)/(\d+)")
MIN_CORE = 3
MIN_PARTIAL = 4


def cores(form: str) -> frozenset[str]:
    """The cores of a normalized Arabic word: itself and the word without its leading clitics
    (every reading of :func:`fahras.text.clitics.readings`) or one verb prefix, and/or one
    common suffix -- every reading, since a leading «و» may be a
    conjunction («وحقهم») or part of the word («وظيفة») -- of three letters or more. Empty for
    other words (digits, Latin)."""
    if not form or not is_arabic(form[0]) or not form.isalpha():
        return frozenset()
    stems = {r.core for r in readings(form, MIN_CORE)}
    for p in _VERB_PREFIXES:
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
    """One word to look for: its stem (a BM25 term) and, for an Arabic word, its cores."""

    stem: str
    cores: frozenset[str] = frozenset()


class Bag:
    """The words of a text, ready for :meth:`has` (cost: linear in the text)."""

    __slots__ = ("terms", "cores", "joined", "forms")

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
        self.forms = frozenset(forms)
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
        out.forms = frozenset().union(*(b.forms for b in bags))
        out.joined = "\n" + "\n".join(sorted(out.forms)) + "\n"
        return out


@dataclass(frozen=True)
class Unit:
    """One piece of a question's content: covered when one of its alternatives is (an
    alternative is a group of words; its coverage is the share of them found).

    ``kind``: ``word`` (a word of the question), ``number`` (digits, a symbol) or
    ``expansion`` (the Arabic of English words); ``idf`` is the unit's IDF, ``weight`` what it
    counts for in :func:`coverage` (an expansion's IDF times its weight)."""

    alternatives: tuple[tuple[Key, ...], ...]
    weight: float
    idf: float
    source: str = ""  # the normalized word, or the English words an expansion came from
    word: str = ""    # as the question wrote it
    kind: str = "word"

    def coverage(self, bag: Bag) -> float:
        best = 0.0
        for alt in self.alternatives:
            if alt:
                best = max(best, sum(bag.has(k) for k in alt) / len(alt))
        return best


def content_keys(text: str) -> list[tuple[Key, str, str]]:
    """(key, normalized form, form as written) of each content word of a text."""
    norm = normalize_with_offsets(text)
    out = []
    for tok in tokenize_normalized(norm.text):
        terms = terms_of_token(tok)
        if not terms or tok.form in QUESTION_FRAME or cores(tok.form) & QUESTION_FRAME:
            continue
        if tok.form.isascii() and tok.form in ENGLISH_FRAME:
            continue
        a, b = norm.original_span(tok.start, tok.end)
        out.append((Key(terms[0], cores(tok.form)), tok.form, text[a:b]))
    return out


def known_df(lexical, key: Key) -> int:
    """How many passages have the word: its stem's document frequency, or else the largest of
    its cores' (a variant the stemmer leaves apart, «المؤتمرات» for «مؤتمر»)."""
    df = lexical.doc_freq(key.stem)
    if df or not key.cores:
        return df
    return max((lexical.doc_freq(stem(c)) for c in key.cores), default=0)


_ARABIC_LETTERS = "ءابتثجحخدذرزسشصضطظعغفقكلمنهوي"
MAX_CORRECTED = SPELLING_MAX_LENGTH  # the longest word the query's typo tolerance corrects


def near_known(lexical, stem_: str) -> bool:
    """Whether an Arabic stem is one edit (a letter left out, added, changed, or two swapped)
    from a term the index has: a word the documents never use may be a typo of one they do.
    A "word" longer than any word worth correcting (a paste without spaces) is not: its
    neighbours would cost quadratic time and memory (5,000 letters: 300,000 strings of 5,000)."""
    if not stem_ or not is_arabic(stem_[0]) or not 3 <= len(stem_) <= MAX_CORRECTED:
        return False
    seen = set()
    for i in range(len(stem_) + 1):
        for c in _ARABIC_LETTERS:
            seen.add(stem_[:i] + c + stem_[i:])                     # a letter added
            if i < len(stem_):
                seen.add(stem_[:i] + c + stem_[i + 1:])             # a letter changed
        if i < len(stem_):
            seen.add(stem_[:i] + stem_[i + 1:])                     # a letter left out
        if i + 1 < len(stem_):
            seen.add(stem_[:i] + stem_[i + 1] + stem_[i] + stem_[i + 2:])  # two swapped
    seen.discard(stem_)
    return any(lexical.doc_freq(v) > 0 for v in seen)


def question_units(analysis, expansions, lexical) -> list[Unit]:
    """The content of a question (see the module docstring), IDF-weighted."""
    from fahras.retrieval.lexical import lucene_idf

    n = lexical.n_docs
    units: list[Unit] = []
    seen: set[str] = set()
    for key, form, word in content_keys(analysis.text):
        if key.stem in seen:
            continue
        number = any(c.isdigit() for c in key.stem)
        df = known_df(lexical, key)
        if analysis.latin and not (df or number):
            continue  # an English word: unreached, which says nothing either way
        seen.add(key.stem)
        alts = [(key,)]
        pair = _PAIR.fullmatch(key.stem)
        if pair:
            swapped = Key(f"{pair.group(2)}/{pair.group(1)}")
            alts.append((swapped,))
            df = max(df, lexical.doc_freq(swapped.stem))
        idf = lucene_idf(n, df)
        units.append(Unit(tuple(alts), idf, idf, form, word, "number" if number else "word"))
    for exp in expansions or ():
        source = str(exp.get("source", ""))
        if _frame_only(source):
            continue  # "in what capacity": the form of the answer, not its topic
        alts = []
        for arabic in exp.get("arabic", ()) or ():
            keys = tuple(k for k, _, _ in content_keys(str(arabic)))
            if keys:
                alts.append(keys)
        if not alts:
            alts = [(Key(t),) for t in exp.get("terms", ()) if t not in seen]
        if not alts:
            continue
        df = max(known_df(lexical, k) for alt in alts for k in alt)
        idf = lucene_idf(n, df)
        w = float(exp.get("weight", 0.5))
        units.append(Unit(tuple(alts), w * idf, idf, source, source, "expansion"))
    return units


def _frame_only(source: str) -> bool:
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", source)]
    return bool(words) and all(w in ENGLISH_FRAME for w in words)


def coverage(units: list[Unit], bag: Bag) -> float | None:
    """IDF-weighted share of the units found in ``bag``; None when there is nothing to cover."""
    total = sum(u.weight for u in units)
    if total <= 0:
        return None
    return sum(u.weight * u.coverage(bag) for u in units) / total


def word_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Pairs of consecutive content words (stems; stop words skipped): «البند 2» in a question
    and in a sentence say more than «البند» and «2» apart."""
    stems = [terms[0] for terms in map(terms_of_token, tokenize(text)) if terms]
    return frozenset(zip(stems, stems[1:]))


def expansion_pairs(expansions) -> frozenset[tuple[str, str]]:
    """The consecutive-term pairs of an English question's Arabic expansions."""
    out: set = set()
    for exp in expansions or ():
        for arabic in exp.get("arabic", ()) or ():
            out |= word_pairs(str(arabic))
    return frozenset(out)


__all__ = ["Bag", "Key", "Unit", "analyze", "content_keys", "coverage", "cores",
           "question_units", "word_pairs", "expansion_pairs", "known_df"]
