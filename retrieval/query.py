"""What a query is: its script, its terms, and whether it names a paragraph or recommendation.

- A query in Arabic script is matched on both sides: Arabic BM25 and dense.
- A query in Latin script can reach the Arabic passages only through the dense side, except for
  what is written the same in both: document symbols (``CTOC/COP/WG.7/2024/1``), numbers, and the
  Arabic terms it is expanded to (:mod:`fahras.retrieval.crosslingual`). Its lexical side keeps
  only specific terms (found in few passages), so a common number cannot outweigh the dense hit.
- A structural query -- «التوصية 8», «الفقرة ٢٧», "recommendation 12", "para. 27 (b)" -- names
  a passage, which is put first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fahras.retrieval.arabic import analyze, normalize, script_of

# Matched on normalized text (lower case, ة -> ه, alef forms -> ا, Arabic-Indic digits -> ASCII).
_ITEM = r"(?:\s*\(\s*([a-z]|[\u0621-\u064a]{1,2})\s*\))?"
_REFS = (
    ("recommendation", re.compile(r"(?<![\w])(?:ال|لل|و|ب)?توصيه\s*(?:رقم\s*)?(\d{1,4})" + _ITEM)),
    ("paragraph", re.compile(r"(?<![\w])(?:ال|لل|و|ب)?فقره\s*(?:رقم\s*)?(\d{1,4})" + _ITEM)),
    ("recommendation", re.compile(r"\b(?:recommendations?|recs?\.?)\s*(?:no\.?\s*|number\s*|#\s*)?(\d{1,4})\b" + _ITEM)),
    ("paragraph", re.compile(r"(?:\bparagraphs?|\bparas?\.?|\bpar\.|§|¶)\s*(?:no\.?\s*|number\s*|#\s*)?(\d{1,4})\b" + _ITEM)),
)

# Fusion weights (lexical, dense) after min-max normalization, by the query's script. Arabic
# BM25 with this normalization is the stronger signal on Arabic questions; dense carries the
# paraphrases. For Latin-script queries the lexical side only carries the specific terms.
WEIGHTS_ARABIC = (0.6, 0.4)
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

    @property
    def latin(self) -> bool:
        return self.script == "latin"


def find_ref(normalized: str) -> tuple[StructuralRef | None, str]:
    """The first paragraph/recommendation reference in a normalized query, and the query
    without it."""
    best = None
    for kind, pattern in _REFS:
        m = pattern.search(normalized)
        if m and (best is None or m.start() < best[1].start()):
            best = (kind, m)
    if best is None:
        return None, normalized
    kind, m = best
    number = str(int(m.group(1)))
    rest = (normalized[: m.start()] + " " + normalized[m.end():]).strip()
    return StructuralRef(kind, number, m.group(2)), rest


def analyze_query(query: str) -> QueryAnalysis:
    normalized = normalize(query)
    ref, rest = find_ref(normalized)
    terms = tuple(analyze(query))
    only_ref = ref is not None and not analyze(rest)
    return QueryAnalysis(query, normalized, script_of(query), terms, ref, only_ref)
