"""Typo tolerance for Arabic queries: a word the index does not have, matched to one it has.

Users type «المهربن» for «المهربين», «تهرب» for «تهريب», leave out the dots of a letter
(«البحت» for «البحث») or swap two letters. A query word none of whose terms is in the index
would simply score nothing; here it is matched to the index terms within one edit --
an insertion, deletion, substitution or transposition of two adjacent letters -- or with the
same letters once dots are ignored (the rasm: ب ت ث ن ي, ج ح خ, د ذ, ر ز, س ش, ص ض, ط ظ, ع غ,
ف ق are one letter each). Those terms join the lexical query as expansions of kind ``spelling``
(shown to the user as "matched on"), weaker than the user's own words. Only words the index
lacks are corrected, so nothing the index has is ever "corrected"; a term (a stem) must have four
letters for its dots to be ignored and five for one edit, since shorter stems are one edit away
from too many other words («اخذ» and «احد»). A word whose dotless form matches is taken that way alone; one edit is the
fallback.

The lookup is a deletion neighbourhood (Garbe's symmetric-delete, as in SymSpell): every index
term and every term with one letter deleted point to the term, so a query word is looked up by
its own deletions -- a few dictionary probes per word, whatever the size of the vocabulary.
"""

from __future__ import annotations

from fahras.text.arabic import (
    QUERY_STOP_WORDS,
    analyze,
    is_arabic,
    normalize_with_offsets,
    tokenize_normalized,
)

MIN_LENGTH = 4          # a word (and a term) shorter than this is never corrected
MIN_EDIT_LENGTH = 5     # one edit from a shorter term reaches too many other words
MAX_LENGTH = 24         # longer "words" (a PDF that lost its spaces) are not words to correct
SKELETON_WEIGHT = 0.8   # the same letters but for dots
EDIT_WEIGHT = 0.6       # one edit away
MAX_CANDIDATES = 3      # per word, the most frequent first
MAX_WORDS = 64          # query words looked at (a pasted page stays cheap)

_DOTLESS = str.maketrans({
    "ت": "ب", "ث": "ب", "ن": "ب", "ي": "ب", "ئ": "ب", "خ": "ح", "ج": "ح", "ذ": "د", "ز": "ر",
    "ش": "س", "ض": "ص", "ظ": "ط", "غ": "ع", "ق": "ف",
})


def skeleton(term: str) -> str:
    """The term without the dots that tell letters of the same shape apart."""
    return term.translate(_DOTLESS)


def _deletes(term: str) -> set[str]:
    return {term[:i] + term[i + 1:] for i in range(len(term))}


def within_one_edit(a: str, b: str) -> bool:
    """Optimal string alignment distance <= 1 (a transposition of neighbours is one edit)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    return any(a == b[:i] + b[i + 1:] for i in range(len(b)))


class Speller:
    """Corrections of Arabic query terms against an index's vocabulary."""

    def __init__(self, vocabulary, doc_freq):
        self.doc_freq = doc_freq
        self._vocabulary = vocabulary
        self._skeletons: dict[str, list[str]] | None = None
        self._deletions: dict[str, list[str]] = {}

    def _build(self) -> None:
        """The lookup tables, made on the first word that needs a correction."""
        self._skeletons = {}
        for term in self._vocabulary:
            if (not MIN_LENGTH <= len(term) <= MAX_LENGTH or not is_arabic(term[0])
                    or not term.isalpha()):
                continue
            self._skeletons.setdefault(skeleton(term), []).append(term)
            for key in _deletes(term) | {term}:
                self._deletions.setdefault(key, []).append(term)

    def candidates(self, term: str) -> list[tuple[str, float]]:
        """Index terms close to ``term`` (absent from the index), with their weights."""
        if self._skeletons is None:
            self._build()
        found: dict[str, float] = {}
        if not MIN_LENGTH <= len(term) <= MAX_LENGTH:
            return []
        for t in self._skeletons.get(skeleton(term), ()):
            if t != term:
                found[t] = SKELETON_WEIGHT
        edits = not found and len(term) >= MIN_EDIT_LENGTH  # dots first, then one edit
        for key in (_deletes(term) | {term} if edits else ()):
            for t in self._deletions.get(key, ()):
                if (t not in found and t != term and len(t) >= MIN_LENGTH
                        and within_one_edit(term, t)):
                    found[t] = EDIT_WEIGHT
        ranked = sorted(found.items(), key=lambda kv: (-kv[1], -self.doc_freq(kv[0]), kv[0]))
        return ranked[:MAX_CANDIDATES]

    def corrections(self, text: str) -> list[dict]:
        """Expansions (``kind="spelling"``) for the Arabic words of ``text`` the index lacks:
        one per word and weight, ``source`` the word as typed."""
        norm = normalize_with_offsets(text)
        out = []
        for tok in tokenize_normalized(norm.text)[:MAX_WORDS]:
            if (len(tok.form) < MIN_LENGTH or not is_arabic(tok.form[0])
                    or tok.form in QUERY_STOP_WORDS):
                continue
            terms = analyze(tok.form)
            if not terms or any(self.doc_freq(t) > 0 for t in terms):
                continue
            a, b = norm.original_span(tok.start, tok.end)
            by_weight: dict[float, list[str]] = {}
            for t in terms:
                for cand, w in self.candidates(t):
                    by_weight.setdefault(w, []).append(cand)
            for w, cands in sorted(by_weight.items(), reverse=True):
                out.append({"source": text[a:b], "arabic": cands, "terms": cands,
                            "weight": w, "kind": "spelling"})
        return out
