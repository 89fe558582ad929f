"""Misspelt English words corrected against the words the glossary knows.

"finacial flows", "serch and rescue at see", "unacompanied minors", "pasports": a query word
that no glossary entry and no name matched is compared, by Damerau-Levenshtein distance (one
edit: a letter left out, added, changed, or two neighbours swapped), with the lemmas of the
glossary's English side. A word of 5 to 8 letters may be one edit away, a longer one two; a
shorter word only one, and only when the corrected word completes a phrase of the glossary
with the words around it ("at see" -> "at sea"): a short word one edit from a glossary word is
too often another word. A correction must be the only vocabulary word at its distance; a word
that is itself a glossary word is never corrected.

A word an English dictionary knows is not a misspelling, even when it is one edit from a
glossary word ("prime" is not "crime", "policy" not "police", "Olivia" not "Bolivia"): the
dictionary is pyspellchecker's English word list (160,000 words, read on the first lookup), and
only a short word completing a glossary phrase ("at see") is corrected although it is a word.

The vocabulary is indexed by its deletions (the symmetric-delete scheme of SymSpell): a word
and its candidates share a string obtained by deleting at most two letters, so a lookup costs a
few dozen dictionary probes, whatever the size of the vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from itertools import combinations

MAX_DISTANCE = 2
MIN_LENGTH = 5          # shorter words: only inside a glossary phrase
LONG_WORD = 9           # from this length, two edits
MAX_WORD = 30


def distance(a: str, b: str, limit: int = MAX_DISTANCE) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), or ``limit + 1`` when it is
    larger than ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if (prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2]
                    and a[i - 2] == b[j - 1]):
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return min(prev[-1], limit + 1)


def _deletes(word: str, n: int) -> set[str]:
    out = {word}
    for k in range(1, min(n, len(word) - 1) + 1):
        out.update("".join(c for i, c in enumerate(word) if i not in drop)
                   for drop in combinations(range(len(word)), k))
    return out


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """The words of an English dictionary (pyspellchecker's frequency list); empty when the
    package is missing, and then no word is corrected on its own."""
    import gzip
    import json
    from importlib import resources

    try:
        blob = (resources.files("spellchecker") / "resources" / "en.json.gz").read_bytes()
    except (ImportError, OSError):
        return frozenset()
    return frozenset(json.loads(gzip.decompress(blob)))


def allowed(word: str) -> int:
    """The largest correction allowed for a word of this length."""
    return 2 if len(word) >= LONG_WORD else 1


class Vocabulary:
    """Lower-case words (the glossary's English lemmas), indexed for correction."""

    def __init__(self, words: Iterable[str]):
        self.words = frozenset(w for w in words if w.isalpha() and 3 <= len(w) <= MAX_WORD)
        self._index: dict[str, list[str]] = {}
        for w in sorted(self.words):
            for d in _deletes(w, allowed(w)):
                self._index.setdefault(d, []).append(w)

    @staticmethod
    @lru_cache(maxsize=4)  # a process opens few glossaries, often again (a searcher per command)
    def of(words: frozenset[str]) -> "Vocabulary":
        """The vocabulary of ``words``, built once per process for the same words."""
        return Vocabulary(words)

    def __contains__(self, word: str) -> bool:
        return word in self.words

    @lru_cache(maxsize=8192)  # noqa: B019 - one vocabulary per glossary, kept for its life
    def candidates(self, word: str, limit: int) -> tuple[tuple[int, str], ...]:
        """Vocabulary words within ``limit`` edits of ``word``, closest first."""
        if not word.isalpha() or len(word) > MAX_WORD:
            return ()
        found: set[str] = set()
        for d in _deletes(word, limit):
            found.update(self._index.get(d, ()))
        scored = sorted((distance(word, w, limit), w) for w in found if w != word)
        return tuple((d, w) for d, w in scored if d <= limit)

    def correct(self, word: str) -> str | None:
        """The one vocabulary word closest to a word of 5+ letters that is neither in the
        vocabulary nor an English word, within its allowed distance; None if there is none or
        two tie."""
        if word in self.words or len(word) < MIN_LENGTH:
            return None
        known = dictionary_words()
        if not known or word in known:
            return None
        cands = self.candidates(word, allowed(word))
        if not cands or (len(cands) > 1 and cands[1][0] == cands[0][0]):
            return None
        return cands[0][1]

    def near(self, word: str) -> list[str]:
        """Vocabulary words one edit from a short word (for the phrase check; the word may be
        a vocabulary word itself: "see" of "Holy See" in "at see")."""
        return [w for d, w in self.candidates(word, 1)]


MAX_LOOKUPS = 32        # words of one query looked up at most (a pasted page stays cheap)


def correct_words(glossary, vocabulary: Vocabulary, words, covered: set[int],
                  function_word) -> tuple[list, set[int]]:
    """``words`` (:func:`~fahras.retrieval.crosslingual.glossary.english_words` of a query)
    with the misspelt ones given their corrected lemma, and the indexes of the corrected words.
    A word is looked up when no glossary match covers it (``covered``: character offsets) and
    ``function_word(word)`` is false (function and common words, acronyms)."""
    from dataclasses import replace

    out = list(words)
    fixed: set[int] = set()
    looked = 0
    for i, w in enumerate(words):
        if covered.intersection(range(w.start, w.end)) or not w.lemma.isalpha():
            continue
        short = len(w.lemma) < MIN_LENGTH
        if function_word(w) or (w.lemma in vocabulary and not short):
            continue
        if looked >= MAX_LOOKUPS:
            break
        looked += 1
        if not short:
            c = vocabulary.correct(w.lemma)
            if c is not None:
                out[i] = replace(w, lemma=c)
                fixed.add(i)
            continue
        # A short word: corrected only if that completes a glossary phrase with a neighbouring
        # content word ("serch and rescue": "and" would not do, "ball on" is no "call on").
        lo, hi = max(0, i - glossary.max_len - 1), min(len(words), i + glossary.max_len + 2)
        for c in vocabulary.near(w.lemma):
            window = out[lo:hi]
            window[i - lo] = replace(w, lemma=c)
            if any(m.start <= w.start and w.end <= m.end and any(
                    v is not w and m.start <= v.start and v.end <= m.end and not function_word(v)
                    for v in words[lo:hi]) for m in glossary.match("", words=window)):
                out[i] = window[i - lo]
                fixed.add(i)
                break
    return out, fixed
