"""Sentence segmentation for Arabic report text, with offsets into the original passage text.

A passage splits into sentences at:
- line breaks (each list item of a passage is on its own line);
- a full stop, question or exclamation mark followed by a space, possibly after closing quotes
  or brackets (``...بها". وقرر``), so ``3/5``, ``WG.7``, ``CTOC/COP/WG.7/2024/INF/1/Rev.1`` and
  decimals stay whole;
- an Arabic semicolon «؛» or a semicolon followed by a space.

A full stop after a single Latin letter or a known abbreviation (``Mr.``, ``e.g.``, ``No.``,
``Rev.``) does not end a sentence. A piece with no word of its own -- a line holding only a
document symbol in parentheses, ``(CTOC/COP/WG.7/2024/4).``, or only punctuation -- belongs to
the sentence before it. Spans are trimmed of surrounding spaces and never empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ENDERS = ".!?؟;؛"
_CLOSERS = "\"'»”’)]}"
_ABBREVIATIONS = ("mr", "mrs", "ms", "dr", "no", "nos", "art", "para", "paras", "e.g", "i.e",
                  "etc", "vol", "rev", "corr", "add", "st", "vs", "fig", "p", "pp")
_LATIN_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# A word of two letters or more outside parentheses: what a piece needs to stand on its own.
_PARENTHESIZED = re.compile(r"\([^()]*\)")
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _boundary_end(text: str, i: int) -> int | None:
    """If the ender at ``i`` ends a sentence, where that sentence ends (after any closing
    quotes or brackets); otherwise None."""
    j = i + 1
    while j < len(text) and text[j] in _CLOSERS:
        j += 1
    if j < len(text) and not text[j].isspace():
        return None
    if text[i] == ".":
        m = _LATIN_WORD_BEFORE.search(text[max(0, i - 12):i])
        if m:
            word = m.group(1).lower()
            if len(word) == 1 or word in _ABBREVIATIONS:
                return None
    return j


def _stands_alone(piece: str) -> bool:
    return bool(_WORD.search(_PARENTHESIZED.sub(" ", piece)))


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of a passage text (see the module docstring)."""
    spans: list[Span] = []
    start = 0

    def close(end: int) -> None:
        s, e = start, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            return
        if spans and not _stands_alone(text[s:e]):
            spans[-1] = Span(spans[-1].start, e)
        else:
            spans.append(Span(s, e))

    i = 0
    while i < len(text):
        c = text[i]
        if c == "\n":
            close(i)
            start = i + 1
        elif c in _ENDERS:
            end = _boundary_end(text, i)
            if end is not None:
                close(end)
                start = i = end
                continue
        i += 1
    close(len(text))
    return spans
