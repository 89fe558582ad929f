"""What a query is: its script, its terms, and whether it names a paragraph or recommendation.

- A query in Arabic script is matched on both sides: Arabic BM25 and dense.
- A query in Latin script can reach the Arabic passages only through the dense side, except for
  what is written the same in both: document symbols (``CTOC/COP/WG.7/2024/1``), numbers, and the
  Arabic terms it is expanded to (:mod:`fahras.retrieval.crosslingual.expander`). Its lexical side keeps
  only specific terms (found in few passages), so a common number cannot outweigh the dense hit.
- A structural query -- «التوصية 8», «الفقرة ٢٧», «التوصية الثانية عشرة», "recommendation 12",
  "the twelfth recommendation", "para. 27 (b)" -- names a passage, which is put first; a query
  naming a document symbol puts the passages that cite it first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fahras.text.arabic import analyze, normalize, script_of, terms_of_token, tokenize
from fahras.text.clitics import ARTICLE_PATTERN, PREFIX_PATTERN

# Matched on normalized text (lower case, ة -> ه, alef forms -> ا, Arabic-Indic digits -> ASCII).
_ITEM = r"(?:\s*\(\s*([a-z]|[\u0621-\u064a]{1,2})\s*\))?"
_REFS = (
    ("recommendation", re.compile(r"(?<![\w])" + PREFIX_PATTERN + r"توصيه\s*(?:رقم\s*)?(\d{1,4})" + _ITEM)),
    ("paragraph", re.compile(r"(?<![\w])" + PREFIX_PATTERN + r"فقره\s*(?:رقم\s*)?(\d{1,4})" + _ITEM)),
    ("recommendation", re.compile(r"\b(?:recommendations?|recs?\.?)\s*(?:no\.?\s*|number\s*|#\s*)?(\d{1,4})\b" + _ITEM)),
    ("paragraph", re.compile(r"(?:\bparagraphs?|\bparas?\.?|\bpar\.|§|¶)\s*(?:no\.?\s*|number\s*|#\s*)?(\d{1,4})\b" + _ITEM)),
)

# Fusion weights (lexical, dense) after min-max normalization, by the query's script. Arabic
# BM25 with this normalization is the stronger signal on Arabic questions; dense carries the
# paraphrases. For Latin-script queries the lexical side only carries the specific terms.
WEIGHTS_ARABIC = (0.5, 0.5)
WEIGHTS_LATIN = (0.5, 1.0)
WEIGHTS_LATIN_NO_MATCH = (0.0, 1.0)
# A Latin-script query's term counts on the lexical side if at most this share of passages has it.
SPECIFIC_SHARE = 0.05


def latin_weights(strongest: float) -> tuple[float, float]:
    """Fusion weights (lexical, dense) of a Latin-script query whose lexical side matched with
    at most term weight ``strongest`` (0: nothing matched). The lexical side of an English
    query holds its Arabic expansions: scaled by the strongest one's weight, a weak expansion
    (a guessed name) moves the ranking less, and none can add more than ``WEIGHTS_LATIN[0]``
    to a passage against ``WEIGHTS_LATIN[1]`` for the best dense hit (scores are min-max
    normalized), so a passage far below the dense top stays below it."""
    if strongest <= 0:
        return WEIGHTS_LATIN_NO_MATCH
    return (WEIGHTS_LATIN[0] * min(1.0, strongest), WEIGHTS_LATIN[1])


def fusion_weights(analysis: "QueryAnalysis", strongest: float) -> tuple[float, float]:
    """Fusion weights (lexical, dense) for a query: by its script, and for a Latin-script query
    by ``strongest``, the largest weight of its lexical terms that the index has (0: none)."""
    if analysis.latin:
        return latin_weights(strongest)
    return WEIGHTS_ARABIC


@dataclass(frozen=True)
class StructuralRef:
    kind: str  # "paragraph" or "recommendation"
    number: str
    item: str | None = None


@dataclass(frozen=True)
class QueryAnalysis:
    text: str
    normalized: str
    script: str
    terms: tuple[str, ...]
    ref: StructuralRef | None
    only_ref: bool
    # The terms of each token: one stem, or a joined token followed by its parts
    # («CTOC/COP/WG.7/2024/3» → the whole code, then ctoc, cop, wg).
    groups: tuple[tuple[str, ...], ...] = ()

    @property
    def latin(self) -> bool:
        return self.script == "latin"

    @property
    def codes(self) -> tuple[str, ...]:
        """Document symbols named by the query (``CTOC/COP/WG.7/2024/3``), as index terms."""
        return tuple(g[0] for g in self.groups if len(g) > 1 and _CODE_RE.match(g[0]))


# A document symbol: Latin letters, then two or more /- or .-separated parts (normalized).
_CODE_RE = re.compile(r"^[a-z]+(?:[/.][a-z0-9]+){2,}$")

# Numbers written as words: «التوصية الثانية عشرة», «الفقرة الأولى», "the twelfth recommendation",
# "recommendation twelve". Normalized forms (ة -> ه, ى -> ي, أ -> ا).
_AR_ORDINALS = {
    "اول": 1, "اولي": 1, "ثاني": 2, "ثانيه": 2, "ثالث": 3, "ثالثه": 3, "رابع": 4, "رابعه": 4,
    "خامس": 5, "خامسه": 5, "سادس": 6, "سادسه": 6, "سابع": 7, "سابعه": 7, "ثامن": 8,
    "ثامنه": 8, "تاسع": 9, "تاسعه": 9, "عاشر": 10, "عاشره": 10, "حادي": 1, "حاديه": 1,
}
_EN_ORDINALS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
    .split(), start=1)}
_EN_CARDINALS = {w: i for i, w in enumerate(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split(), start=1)}
_AR_NOUNS = (("recommendation", "توصيه"), ("paragraph", "فقره"))
# An Arabic ordinal word without its article (group 1) and the «عشر(ه)» of 11-19 (group 2);
# the English ordinal words.
_AR_ORDINAL = r"(%s)(?:\s+(عشره|عشر))?" % "|".join(sorted(_AR_ORDINALS, key=len, reverse=True))
_EN_ORDINAL = "|".join(_EN_ORDINALS)
_WORD_REFS = tuple(
    (kind, re.compile(r"(?<![\w])" + PREFIX_PATTERN + r"%s\s+ال%s(?![\w])" % (noun, _AR_ORDINAL)))
    for kind, noun in _AR_NOUNS
) + tuple(
    (kind, re.compile(r"\b(%s)\s+%ss?\b" % (_EN_ORDINAL, kind)))
    for kind in ("recommendation", "paragraph")
) + tuple(
    (kind, re.compile(r"\b%s\s+(%s)\b" % (kind, "|".join(sorted(_EN_CARDINALS, key=len, reverse=True)))))
    for kind in ("recommendation", "paragraph")
)


def _word_number(word: str, teen: str | None) -> int:
    if word in _AR_ORDINALS:
        n = _AR_ORDINALS[word]
        return n + 10 if teen else n
    return _EN_ORDINALS.get(word) or _EN_CARDINALS[word]


_AR_ORDINAL_WORD = re.compile(r"(?<![\w])" + ARTICLE_PATTERN + r"%s(?![\w])" % _AR_ORDINAL)
_EN_ORDINAL_WORD = re.compile(r"\b(%s)\b|\b(\d{1,3})(?:st|nd|rd|th)\b" % _EN_ORDINAL,
                              re.IGNORECASE)


def ordinal_numbers(normalized: str) -> dict[int, tuple[int, int]]:
    """The ordinal numbers a normalized text names, each with the span of its first mention:
    «الاجتماع الثاني عشر» -> 12, "the twelfth meeting" or "the 12th meeting" -> 12. «الحادي»
    counts only with «عشر» (eleventh)."""
    out: dict[int, tuple[int, int]] = {}
    for m in _AR_ORDINAL_WORD.finditer(normalized):
        word, teen = m.group(1), m.group(2)
        if word.startswith("حادي") and not teen:
            continue
        out.setdefault(_word_number(word, teen), m.span())
    for m in _EN_ORDINAL_WORD.finditer(normalized):
        n = _EN_ORDINALS[m.group(1).lower()] if m.group(1) else int(m.group(2))
        out.setdefault(n, m.span())
    return out


def find_ref(normalized: str) -> tuple[StructuralRef | None, str]:
    """The first paragraph/recommendation reference in a normalized query (by number or by
    ordinal word), and the query without it."""
    found = []  # (start, end, kind, number, item)
    for kind, pattern in _REFS:
        m = pattern.search(normalized)
        if m:
            found.append((m.start(), m.end(), kind, int(m.group(1)), m.group(2)))
    for kind, pattern in _WORD_REFS:
        m = pattern.search(normalized)
        if m:
            teen = m.group(2) if m.lastindex and m.lastindex >= 2 else None
            found.append((m.start(), m.end(), kind, _word_number(m.group(1), teen), None))
    if not found:
        return None, normalized
    start, end, kind, number, item = min(found)
    rest = (normalized[:start] + " " + normalized[end:]).strip()
    return StructuralRef(kind, str(number), item), rest


def analyze_query(query: str) -> QueryAnalysis:
    normalized = normalize(query)
    ref, rest = find_ref(normalized)
    groups = tuple(g for g in (tuple(terms_of_token(t)) for t in tokenize(query)) if g)
    terms = tuple(t for g in groups for t in g)
    only_ref = ref is not None and not analyze(rest)
    return QueryAnalysis(query, normalized, script_of(query), terms, ref, only_ref, groups)
