"""Sentence segmentation for Arabic report text, with offsets into the original passage text.

A passage splits into sentences at:
- line breaks (each list item of a passage is on its own line);
- a full stop, question or exclamation mark followed by a space (so ``3/5``, ``WG.7``,
  ``CTOC/COP/WG.7/2024/INF/1/Rev.1`` and decimals stay whole);
- an Arabic semicolon «؛» or a semicolon followed by a space.

A full stop after a single Latin letter or a known abbreviation (``Mr.``, ``e.g.``, ``No.``) does
not end a sentence. Spans are trimmed of surrounding spaces and never empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ENDERS = ".!?؟;؛"
_ABBREVIATIONS = ("mr", "mrs", "ms", "dr", "no", "nos", "art", "para", "paras", "e.g", "i.e",
                  "etc", "vol", "rev", "corr", "add", "st", "vs")
_LATIN_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _is_boundary(text: str, i: int) -> bool:
    """Whether the character at ``i`` (one of the enders) ends a sentence."""
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if not nxt.isspace():
        return False
    if text[i] == ".":
        m = _LATIN_WORD_BEFORE.search(text[max(0, i - 12):i])
        if m:
            word = m.group(1).lower()
            if len(word) == 1 or word in _ABBREVIATIONS:
                return False
    return True


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
        if e > s:
            spans.append(Span(s, e))

    for i, c in enumerate(text):
        if c == "\n":
            close(i)
            start = i + 1
        elif c in _ENDERS and _is_boundary(text, i):
            close(i + 1)
            start = i + 1
    close(len(text))
    return spans
