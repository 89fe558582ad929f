"""A document's text as blocks (paragraphs), each classified: heading, numbered, list or text.

- Blocks are separated by blank lines; a text with no blank line has one block per line.
  A Markdown heading line (``# ...``) is a block of its own even without blank lines around it.
- A heading: Markdown ``#``...``######`` or an underlined line (``===`` / ``---``); the UN's
  chapter and section forms («أولاً - مقدمة», «ألف - ...», "II. Recommendations", "A. ...") on a
  line of their own; or a short title-like line (:func:`fahras.index.header.title_like`, at most
  :data:`SHORT_HEADING` characters) followed by a paragraph at least three times longer.
- A numbered block starts with a paragraph number in the usual forms: "1.", "1-", "1)", "(1)",
  «١-», «١)», "1 -" (ASCII or Arabic-Indic digits).
- A list block starts with a letter item («(أ)», "(a)", «أ)», "a)") or a bullet (-, •, *).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fahras.index.header import title_like
from fahras.index.layouts.un import CHAPTER_RE, EN_CHAPTER_RE, EN_SECTION_RE, SECTION_RE
from fahras.text.digits import DIGIT, ascii_digits

SHORT_HEADING = 80
_ATX_RE = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_SETEXT_RE = re.compile(r"^(=+|-+)\s*$")
# "1." "1-" "1)" "(1)" «١-» "1 -": the number, then the text (after a space, or a letter).
NUMBER_RE = re.compile(
    rf"^(?:\((?P<p>{DIGIT}{{1,4}})\)|(?P<n>{DIGIT}{{1,4}})\s*[.\-–—)])(?:\s+|(?=[^\W\d_]))(?P<rest>\S.*)$")
LETTER_RE = re.compile(r"^(?:\((?P<p>[\u0621-\u064a\u0640]{1,2}|[a-z]{1,2}|[ivxl]{1,5})\)|"
                       r"(?P<n>[\u0621-\u064a]|[a-z])\))\s+(?P<rest>\S.*)$")
BULLET_RE = re.compile(r"^[-•▪·*]\s+")


@dataclass
class Block:
    """A paragraph of the text: its first line's number in the file and its lines (stripped)."""

    line: int
    lines: list[str]
    heading: int = 0  # heading level (1 = top), 0: not a heading
    style: str = ""  # what made it a heading: "markdown", "underlined", "un" or "short"
    title: str = ""  # the heading's text
    number: int | None = None  # the paragraph number, if the block starts with one
    printed: str = ""  # the number as printed (its own digits)
    rest: str = ""  # the first line after its number
    is_list: bool = False

    @property
    def chars(self) -> int:
        return sum(len(x) for x in self.lines)


def split_blocks(lines: list[str], start: int = 0) -> tuple[list[Block], bool]:
    """The blocks of ``lines[start:]`` (line numbers count from 1 in the whole text), and
    whether blank lines separate them (else every line is a block)."""
    body = lines[start:]
    filled = [i for i, raw in enumerate(body) if raw.strip()]
    # Blank lines separate paragraphs when there is one between two lines of text.
    has_blank = bool(filled) and filled[-1] - filled[0] + 1 > len(filled)
    blocks: list[Block] = []
    current: Block | None = None
    for lineno, raw in enumerate(body, start=start + 1):
        line = raw.strip()
        if not line or not has_blank or _ATX_RE.match(line):
            current = None
            if not line:
                continue
        if current is None:
            current = Block(lineno, [])
            blocks.append(current)
        current.lines.append(line)
        if _ATX_RE.match(line):
            current = None
    for b in blocks:
        classify(b)
    _short_headings(blocks)
    return blocks, has_blank


def classify(b: Block) -> None:
    """Set what kind of block ``b`` is (see the module docstring)."""
    first = b.lines[0]
    if m := _ATX_RE.match(first):
        b.heading, b.title, b.style = len(m.group(1)), m.group(2), "markdown"
        return
    if len(b.lines) == 2 and _SETEXT_RE.match(b.lines[1]) and title_like(first):
        b.heading, b.title, b.style = (1 if b.lines[1][0] == "=" else 2), first, "underlined"
        return
    if len(b.lines) == 1:
        for level, pattern in ((1, CHAPTER_RE), (2, SECTION_RE), (1, EN_CHAPTER_RE),
                               (2, EN_SECTION_RE)):
            if pattern.match(first) and title_like(first):
                b.heading, b.title, b.style = level, first, "un"
                return
    if m := NUMBER_RE.match(first):
        printed = m.group("p") or m.group("n")
        b.number, b.printed, b.rest = int(ascii_digits(printed)), printed, m.group("rest")
        return
    b.is_list = bool(LETTER_RE.match(first) or BULLET_RE.match(first))


def _short_headings(blocks: list[Block]) -> None:
    """Short title-like single lines over a much longer paragraph are headings (the deepest
    level: they nest under the Markdown or UN headings around them)."""
    for b, after in zip(blocks, blocks[1:]):
        line = b.lines[0]
        if (len(b.lines) == 1 and not b.heading and b.number is None and not b.is_list
                and len(line) <= SHORT_HEADING and title_like(line) and not after.heading
                and after.chars >= 3 * len(line)):
            b.heading, b.title, b.style = 7, line, "short"


def item_marker(line: str) -> tuple[str | None, str, bool]:
    """``(marker, content, bullet)`` of a line inside a passage: a letter or number item's
    marker (None for other lines), the line without a bullet, and whether it had one."""
    if m := LETTER_RE.match(line):
        return m.group("p") or m.group("n"), line, False
    if m := NUMBER_RE.match(line):
        return m.group("p") or m.group("n"), line, False
    if m := BULLET_RE.match(line):
        return None, line[m.end():], True
    return None, line, False
