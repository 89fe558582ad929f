"""Matching a Latin-script name to its Arabic transliteration in a corpus vocabulary.

"Kakosimou" is written «كاكوسيمو» in the report, "Torrevillas" «تورفيلاس», "Schotter"
«شوتر». There is no translation to look up: the match is phonetic. :func:`distance` aligns a
Latin word with an Arabic word by dynamic programming over letter correspondences (``k`` ->
ك/ق, ``sch``/``sh`` -> ش, ``v`` -> ف, ``o``/``u`` -> و, ...): Latin vowels may map to the long
vowel letters ا و ي or be left out (Arabic does not write short vowels), Latin ``h`` and a final
silent ``e`` may be dropped, and anything else costs a full edit. The cost is divided by the
Latin word's length (consonants count 1, vowels 1/2), so 0 is a perfect transliteration.

:class:`NameMatcher` holds a corpus vocabulary (normalized tokens, also without a leading
و/ب/ل/ف/ك or the article ال) and returns, for a Latin word, the corpus tokens whose distance is
small: a cheap consonant-skeleton filter first, the alignment on the few that pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from fahras.retrieval.crosslingual.glossary import lemma
from fahras.text.arabic import normalize
from fahras.text.clitics import readings

VOWELS = frozenset("aeiouy")
# (Latin, Arabic, cost): letter correspondences. Arabic letters are in normalized form
# (أ إ آ -> ا, ة -> ه, ى -> ي, پ -> ب).
_RULES: list[tuple[str, str, float]] = [
    # digraphs and trigraphs first
    ("sch", "ش", 0.0), ("sh", "ش", 0.0), ("ch", "ش", 0.0), ("ch", "تش", 0.0), ("ch", "ك", 0.1),
    ("ch", "خ", 0.2), ("kh", "خ", 0.0), ("th", "ث", 0.0), ("th", "ت", 0.0), ("th", "ذ", 0.2),
    ("ph", "ف", 0.0), ("gh", "غ", 0.0), ("gh", "ج", 0.2), ("dh", "ذ", 0.0), ("dh", "د", 0.1),
    ("zh", "ج", 0.1), ("zh", "ز", 0.1), ("ck", "ك", 0.0), ("qu", "ك", 0.0), ("qu", "كو", 0.0),
    ("qu", "ق", 0.0), ("x", "كس", 0.0), ("x", "خ", 0.3), ("ts", "تس", 0.0), ("tz", "تس", 0.0),
    ("ou", "و", 0.0), ("oo", "و", 0.0), ("ee", "ي", 0.0), ("ie", "ي", 0.0), ("ei", "ي", 0.0),
    ("ey", "ي", 0.0), ("ai", "ي", 0.1), ("ay", "ي", 0.1), ("ai", "اي", 0.0), ("ay", "اي", 0.0),
    ("au", "او", 0.0), ("aw", "او", 0.0), ("eu", "يو", 0.0), ("ea", "ي", 0.1), ("ue", "و", 0.1),
    ("ia", "يا", 0.0), ("io", "يو", 0.0), ("gu", "غ", 0.1), ("ge", "ج", 0.1), ("gi", "جي", 0.1),
    ("ce", "س", 0.1), ("ci", "سي", 0.1), ("ce", "تشي", 0.0), ("ce", "شي", 0.1), ("ci", "تشي", 0.0),
    ("ci", "شي", 0.1), ("i", "اي", 0.1), ("sc", "س", 0.2), ("sc", "سك", 0.0), ("cc", "تش", 0.1),
    ("wh", "و", 0.1), ("mm", "م", 0.0), ("ss", "س", 0.0), ("ll", "ل", 0.0), ("tt", "ت", 0.0),
    ("rr", "ر", 0.0), ("nn", "ن", 0.0), ("pp", "ب", 0.0), ("ff", "ف", 0.0), ("zz", "تز", 0.1),
    # consonants
    ("b", "ب", 0.0), ("p", "ب", 0.0), ("c", "ك", 0.0), ("c", "ق", 0.1), ("c", "س", 0.2),
    ("d", "د", 0.0), ("d", "ض", 0.1), ("f", "ف", 0.0), ("g", "غ", 0.0), ("g", "ج", 0.1),
    ("g", "ق", 0.2), ("g", "ك", 0.3), ("h", "ه", 0.0), ("h", "ح", 0.0), ("h", "خ", 0.3),
    ("j", "ج", 0.0), ("j", "ي", 0.2), ("j", "خ", 0.2), ("j", "ه", 0.3), ("k", "ك", 0.0),
    ("k", "ق", 0.1), ("k", "خ", 0.3), ("l", "ل", 0.0), ("m", "م", 0.0), ("n", "ن", 0.0),
    ("q", "ق", 0.0), ("q", "ك", 0.1), ("r", "ر", 0.0), ("s", "س", 0.0), ("s", "ص", 0.1),
    ("s", "ز", 0.3), ("s", "ش", 0.4), ("t", "ت", 0.0), ("t", "ط", 0.1), ("t", "ث", 0.3),
    ("v", "ف", 0.0), ("v", "ب", 0.2), ("w", "و", 0.0), ("w", "ف", 0.3), ("y", "ي", 0.0),
    ("z", "ز", 0.0), ("z", "ظ", 0.1), ("z", "س", 0.3), ("z", "تس", 0.2),
    # vowels written as long-vowel letters
    ("a", "ا", 0.0), ("a", "ي", 0.4), ("a", "ه", 0.1), ("a", "ع", 0.3), ("e", "ي", 0.1),
    ("e", "ا", 0.2), ("e", "ه", 0.3), ("i", "ي", 0.0), ("i", "ا", 0.4), ("o", "و", 0.0),
    ("o", "ا", 0.3), ("u", "و", 0.0), ("u", "ي", 0.4), ("y", "ا", 0.4), ("ey", "اي", 0.0),
    # Arabizi (Arabic typed in Latin letters, digits for the letters Latin lacks): 2 hamza,
    # 3 ع, 3' غ, 5 خ, 6 ط, 7 ح, 7' خ, 8 ق, 9 ص, 9' ض; doubled vowels long; -ah/-eh a final ة
    ("3'", "غ", 0.0), ("7'", "خ", 0.0), ("9'", "ض", 0.0), ("6'", "ظ", 0.0),
    ("2", "ا", 0.0), ("2", "ء", 0.0), ("2", "ي", 0.1), ("2", "و", 0.1), ("2", "ق", 0.2),
    ("3", "ع", 0.0),
    ("5", "خ", 0.0), ("6", "ط", 0.0), ("7", "ح", 0.0), ("8", "ق", 0.0), ("8", "غ", 0.2),
    ("9", "ص", 0.0), ("9", "ق", 0.2), ("aa", "ا", 0.0), ("ii", "ي", 0.0), ("ah", "ه", 0.05),
    ("eh", "ه", 0.05), ("iy", "ي", 0.0),
]
_BY_FIRST: dict[str, list[tuple[str, str, float]]] = {}
for _r in _RULES:
    _BY_FIRST.setdefault(_r[0][0], []).append(_r)

SKIP_VOWEL = 0.3        # a Latin vowel not written (Arabic short vowel)
SKIP_FINAL_VOWEL = 0.6  # a final -a/-o/-i not written is rarer ("Testa" -> «تيستا»)
SKIP_SILENT = 0.1       # a final -e, an h
SKIP_CONSONANT = 1.0
SKIP_H_AFTER_CONSONANT = 0.6
INITIAL_VOWEL_LETTER = 0.5
INSERT_LONG_VOWEL = 0.5  # ا و ي with no Latin vowel
INSERT_OTHER = 1.0
SUBSTITUTE = 1.0

_LONG_VOWELS = frozenset("اوي")
MAX_LENGTH = 30  # longer "words" are not names (and the alignment is quadratic)
# Corpus words aligned with one Latin word, at most: those whose consonant skeletons are
# closest. A real name passes the skeleton filter with a handful; a made-up consonant-rich word
# with dozens, each costing a full alignment.
MAX_CANDIDATES = 16
# The cost of reading a corpus token without its proclitics (fahras.text.clitics): the article
# is common on names of bodies («الإنتربول») and costs nothing; a one-letter clitic costs less
# before the article («والإنتربول») than directly on a name («وأوليفيا»).
_CLITIC_COST = {  # (kind of letter, article follows)
    ("conj", True): 0.02, ("prep", True): 0.05, ("conj", False): 0.05, ("prep", False): 0.1}


def latin_weight(word: str) -> float:
    """The normalizer of a Latin word's cost: consonants count 1, vowels 1/2."""
    return sum(0.5 if c in VOWELS else 1.0 for c in word) or 1.0


@lru_cache(maxsize=100_000)
def distance(latin: str, arabic: str) -> float:
    """Normalized cost of writing the (lower-case ASCII) Latin word as the Arabic word."""
    n, m = len(latin), len(arabic)
    inf = float("inf")
    d = [[inf] * (m + 1) for _ in range(n + 1)]
    d[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            cur = d[i][j]
            if cur == inf:
                continue
            if i == 0 and j == 0 and n and latin[0] in VOWELS and m and arabic[0] == "ا":
                d[0][1] = 0.0  # an initial vowel sits on an alef: "Olivia" -> «أوليفيا»
            if i < n:
                c = latin[i]
                if i == 0 and c in VOWELS:
                    skip = SKIP_CONSONANT  # Arabic always writes an initial vowel
                elif c in VOWELS:
                    skip = SKIP_FINAL_VOWEL if i == n - 1 and c in "aoi" else SKIP_VOWEL
                    if i == n - 1 and c == "e":
                        skip = SKIP_SILENT
                elif c == "h":
                    # a silent h ("Mohamed"), but not the h of a digraph ("Michael")
                    skip = SKIP_SILENT if i == 0 or latin[i - 1] in VOWELS else SKIP_H_AFTER_CONSONANT
                else:
                    skip = SKIP_CONSONANT
                if cur + skip < d[i + 1][j]:
                    d[i + 1][j] = cur + skip
                for lat, ar, cost in _BY_FIRST.get(c, ()):
                    if latin.startswith(lat, i) and arabic.startswith(ar, j):
                        if j == 0 and len(lat) == 1 and c in VOWELS and ar in ("و", "ي"):
                            cost += INITIAL_VOWEL_LETTER  # «و»/«ي» first is w/y, not a vowel
                        a, b = i + len(lat), j + len(ar)
                        if cur + cost < d[a][b]:
                            d[a][b] = cur + cost
                if j < m and c not in VOWELS and arabic[j] not in _LONG_VOWELS:
                    if cur + SUBSTITUTE < d[i + 1][j + 1]:
                        d[i + 1][j + 1] = cur + SUBSTITUTE
            if j < m:
                ins = INSERT_LONG_VOWEL if arabic[j] in _LONG_VOWELS else INSERT_OTHER
                if cur + ins < d[i][j + 1]:
                    d[i][j + 1] = cur + ins
    return d[n][m] / latin_weight(latin)


# The prefilter: consonant skeletons. A Latin word becomes a string of consonant classes
# (vowels, h, w, y dropped), an Arabic word the string of its consonants (long vowels and the
# letters that often render vowels or h dropped); they pass if an edit distance that treats a
# class and the Arabic letters it may be written with as equal is small.
_COMPATIBLE = {
    "B": "بف", "F": "فب", "M": "م", "N": "ن", "L": "ل", "R": "ر", "T": "تطثد", "D": "دضذت",
    "S": "سصزشث", "Z": "زظسذص", "K": "كقخغج", "G": "غجقك", "J": "جيخ", "C": "شكتخ",
    "Q": "ثتذ", "X": "كس",
}
_LATIN_CLASS = {
    "b": "B", "p": "B", "f": "F", "v": "F", "m": "M", "n": "N", "l": "L", "r": "R", "t": "T",
    "d": "D", "s": "S", "z": "Z", "k": "K", "q": "K", "g": "G", "j": "J", "x": "X",
    "5": "K", "8": "K", "9": "S", "6": "T",  # Arabizi digits (2, 3, 7: hamza, ع, ح, dropped)
}
_LATIN_DIGRAPHS = (("sch", "C"), ("sh", "C"), ("ch", "C"), ("kh", "K"), ("th", "Q"),
                   ("ph", "F"), ("gh", "G"), ("dh", "D"), ("dj", "J"), ("zh", "J"), ("ck", "K"),
                   ("qu", "K"))
_ARABIC_DROPPED = frozenset("اويهحعء")


def latin_skeleton(word: str) -> str:
    out, i = [], 0
    while i < len(word):
        for dg, cls in _LATIN_DIGRAPHS:
            if word.startswith(dg, i):
                out.append(cls)
                i += len(dg)
                break
        else:
            c = word[i]
            if c == "c":
                out.append("S" if word[i + 1:i + 2] in ("e", "i", "y") else "K")
            else:
                out.append(_LATIN_CLASS.get(c, ""))
            i += 1
    return _squeeze("".join(out))


def arabic_skeleton(word: str) -> str:
    return _squeeze("".join(c for c in word if c not in _ARABIC_DROPPED))


def _squeeze(s: str) -> str:
    return "".join(c for k, c in enumerate(s) if k == 0 or c != s[k - 1])


def _close(latin: str, arabic: str, limit: int) -> int | None:
    """The edit distance of a Latin and an Arabic skeleton (a class equals the Arabic letters
    it may be written with) if it is at most ``limit``, else None; stops early."""
    if abs(len(latin) - len(arabic)) > limit:
        return None
    prev = list(range(len(arabic) + 1))
    for i, ca in enumerate(latin, 1):
        ok = _COMPATIBLE.get(ca, "")
        cur = [i] + [0] * len(arabic)
        for j, cb in enumerate(arabic, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (cb not in ok))
        if min(cur) > limit:
            return None
        prev = cur
    return prev[-1] if prev[-1] <= limit else None


def arabic_cores(token: str) -> list[tuple[str, float]]:
    """A normalized Arabic token and its forms without a leading proclitic or article, each
    with the cost of that reading."""
    out = {token: 0.0}
    for r in readings(token, min_core=3)[1:]:
        cost = (_CLITIC_COST[("conj", r.article)] if r.conj else 0.0) + (
            _CLITIC_COST[("prep", r.article)] if r.prep else 0.0)
        out[r.core] = min(out.get(r.core, cost), cost)
    return list(out.items())


def latin_key(word: str, digits: bool = False) -> str:
    """A Latin word folded for matching: lower case, accents removed, letters only (with
    ``digits``, the digits and apostrophes Arabizi writes letters with, too)."""
    keep = "23456789'" if digits else ""
    return "".join(c for c in normalize(word) if (c.isascii() and c.isalpha()) or c in keep)


def length_factor(key: str) -> float:
    """Short words need a closer match: 1/2 of the threshold at 4 letters, 3/4 at 5, all from 6."""
    return min(1.0, max(0.25, (len(key) - 2) / 4))


@lru_cache(maxsize=1)
def _stop_forms() -> frozenset[str]:
    from fahras.text.arabic import STOP_WORDS

    return frozenset(normalize(w) for w in STOP_WORDS)


@dataclass(frozen=True)
class NameMatch:
    latin: str
    arabic: str      # the corpus token as normalized
    core: str        # the part of it that matched (without a proclitic)
    distance: float


class NameMatcher:
    """Latin word -> Arabic corpus tokens that transliterate it."""

    def __init__(self, tokens, threshold: float = 0.2, margin: float = 0.06, min_length: int = 3,
                 min_core: int = 4, keep=None):
        """``tokens``: the corpus's normalized Arabic tokens; ``keep(token) -> bool`` may leave
        some out (common words: a name is rare). Function words and cores shorter than
        ``min_core`` letters are never matched: short common words are where false matches are."""
        self.threshold = threshold
        self.margin = margin
        self.min_length = min_length
        stop = _stop_forms()
        self._cores: dict[str, dict[str, float]] = {}  # core -> {token: cost of the reading}
        for tok in tokens:
            if (len(tok) < min_core or len(tok) > 2 * MAX_LENGTH
                    or not all("\u0621" <= c <= "\u064a" for c in tok)):
                continue
            if tok in stop or (keep is not None and not keep(tok)):
                continue
            for core, cost in arabic_cores(tok):
                if len(core) < min_core or core in stop:
                    continue
                readings = self._cores.setdefault(core, {})
                readings[tok] = min(readings.get(tok, cost), cost)
        # Distinct skeletons by length: the edit-distance filter only compares skeletons whose
        # lengths differ by at most its limit, so a word is compared with a few buckets, not
        # all, and with each skeleton once however many cores share it.
        by_skeleton: dict[str, list[tuple[int, str]]] = {}
        for order, core in enumerate(self._cores):
            ask = arabic_skeleton(core)
            if ask:
                by_skeleton.setdefault(ask, []).append((order, core))
        self._by_length: dict[int, list[tuple[str, frozenset[str], list[tuple[int, str]]]]] = {}
        for ask, cores in by_skeleton.items():
            self._by_length.setdefault(len(ask), []).append((ask, frozenset(ask), cores))

    def __len__(self) -> int:
        return len(self._cores)

    def candidates(self, key: str) -> list[str]:
        sk = latin_skeleton(key)
        if not sk:
            return []
        limit = 1 if len(sk) <= 4 else 2
        classes = [frozenset(_COMPATIBLE.get(c, "")) for c in sk]
        found = []
        for n in range(len(sk) - limit, len(sk) + limit + 1):
            for ask, letters, cores in self._by_length.get(n, ()):
                # A lower bound of the distance: each class none of whose letters the skeleton
                # has costs an edit of its own. Most skeletons stop here, before the alignment.
                if sum(letters.isdisjoint(c) for c in classes) > limit:
                    continue
                d = _close(sk, ask, limit)
                if d is not None:
                    found.extend((d, order, core) for order, core in cores)
        if len(found) > MAX_CANDIDATES:  # keep the closest skeletons: the alignment is costly
            found = sorted(found)[:MAX_CANDIDATES]
        return [core for _, _, core in sorted(found, key=lambda f: f[1])]  # vocabulary order

    @lru_cache(maxsize=4096)  # noqa: B019 - one matcher per index, reused for its life
    def match(self, word: str, threshold: float | None = None,
              arabizi: bool = False) -> tuple[NameMatch, ...]:
        """Corpus tokens for a Latin word, best first: every token within ``margin`` of the
        best distance, if the best is at most ``threshold``. An ``arabizi`` word keeps its
        digits (letters of Arabizi) and is not lemmatized as English."""
        forms = ((latin_key(word, digits=True),) if arabizi
                 else (latin_key(word), latin_key(lemma(word))))
        keys = [k for k in dict.fromkeys(forms) if self.min_length <= len(k) <= MAX_LENGTH]
        if not keys:
            return ()
        limit = (self.threshold if threshold is None else threshold) * length_factor(keys[0])
        best_by_tok: dict[str, tuple[float, str]] = {}
        for key in keys:
            for core in self.candidates(key):
                base = distance(key, core)
                for tok, cost in self._cores[core].items():
                    dist = base + cost
                    if tok not in best_by_tok or dist < best_by_tok[tok][0]:
                        best_by_tok[tok] = (dist, core)
        scored = sorted((d, tok, core) for tok, (d, core) in best_by_tok.items())
        if not scored or scored[0][0] > limit:
            return ()
        cut = min(limit, scored[0][0] + self.margin)
        return tuple(NameMatch(word, tok, core, round(d, 4)) for d, tok, core in scored if d <= cut)
