"""Documents as they come: plain prose, or numbered paragraphs, with headings.

The text after the header lines (:mod:`fahras.index.header`) is read as blocks
(:mod:`fahras.index.layouts.blocks`). The first block is the title when it is a Markdown
``# Title`` (or underlined), or a single title-like line (blank lines separating the text, or a
much longer line after it); header lines next to it (a date under the title) are metadata.
Without a title line, the file name gives one.

- **Numbered** (most paragraphs start with consecutive numbers, "1." «١-» "(1)"...; the count
  may restart at 1 after a heading): a paragraph is cited by its number, «الفقرة 3» /
  "Paragraph 3" (in the document's own digits); id ``doc:p3`` (``doc:p3-2`` for the second
  paragraph 3 of a document whose numbering restarts). Blocks without a number after a
  paragraph are part of it (a quotation, a list: letter items are recorded as items, cited
  «الفقرة 3 (ب)»); before the first number they are passages of their own, "¶ 1", ``doc:u1``...
- **Plain prose**: every block is a passage, "¶ N" in both languages (N counts the document's
  paragraphs), id ``doc:pN``.

Headings give each passage its section path (the open headings, outermost first, joined by
" › "); they are passages of kind ``heading`` (not citable), numbered by their place in the
outline ("2", "2.1"), id ``doc:h2.1``, labelled "§ 2.1". Blocks with no letter (a rule
``***``, a lone number) are not passages.
"""

from __future__ import annotations

import hashlib

from fahras.index import header as hdr
from fahras.index.document import SECTION_SEP, Document, Passage, language_code, version_key_for
from fahras.index.layouts.blocks import Block, item_marker, split_blocks
from fahras.index.layouts.passage_text import PassageText
from fahras.index.layouts.un import part_of


def parse(text: str, doc_id: str, source: str = "") -> Document:
    """Parse a document that is not in a UN layout (see the module docstring)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta = hdr.Header()
    start = 0
    while start < len(lines):
        line = lines[start].strip()
        if line:
            kind = hdr.classify(line)
            if kind is None:
                break
            meta.take(*kind)
        start += 1
    blocks, has_blank = split_blocks(lines, start)
    title, blocks = _title(blocks, has_blank, meta)
    blocks = [b for b in blocks if any(c.isalpha() for c in "".join(b.lines))]
    numbered = is_numbered(blocks)
    outline = _Outline(doc_id)
    passages = outline.numbered(blocks) if numbered else outline.plain(blocks)
    name_title, name_date, _ = hdr.from_file_name(doc_id)
    date = meta.date or name_date
    return Document(
        id=doc_id, title=title or name_title, body="", date=date, language=meta.language,
        original_language=meta.original_language, distribution=meta.distribution,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), source=source,
        passages=passages, symbol=meta.symbol,
        lang=language_code(meta.language, meta.original_language, None, passages),
        year=hdr.year_of(date, meta.symbol, doc_id), version_key=version_key_for(doc_id, meta.symbol),
        layout="numbered" if numbered else "prose")


def _title(blocks: list[Block], has_blank: bool, meta: hdr.Header) -> tuple[str, list[Block]]:
    """The title line (and the header lines around it) taken from the first blocks."""
    if not blocks:
        return "", blocks
    first = blocks[0]
    if first.heading:
        if not (first.style == "short" or (first.style in ("markdown", "underlined")
                                           and first.heading == 1)):
            return "", blocks
        title = first.title
    else:
        text = [x for x in first.lines if hdr.classify(x) is None]
        if not (len(text) == 1 and has_blank and len(blocks) > 1 and first.number is None
                and not first.is_list and hdr.title_like(text[0])):
            return "", blocks
        for x in first.lines:
            if (kind := hdr.classify(x)) is not None:
                meta.take(*kind)
        title = text[0]
    rest = blocks[1:]
    while rest and all(hdr.classify(x) is not None for x in rest[0].lines):
        for x in rest[0].lines:
            meta.take(*hdr.classify(x))
        rest = rest[1:]
    return title, rest


def is_numbered(blocks: list[Block]) -> bool:
    """Whether most paragraphs (not headings or list items) start with consecutive numbers."""
    paragraphs = sum(1 for b in blocks if not b.heading and not b.is_list)
    numbered = len(_sequence(blocks))
    return numbered >= 2 and 2 * numbered >= paragraphs


def _sequence(blocks: list[Block]) -> list[int]:
    """Indexes of the blocks that start the paragraphs of a numbered text: each number follows
    the one before (the first may be any; after a heading the count may restart at 1)."""
    out: list[int] = []
    last: int | None = None
    after_heading = False
    for i, b in enumerate(blocks):
        if b.heading:
            after_heading = True
            continue
        if b.number is not None and (last is None or b.number == last + 1
                                     or (after_heading and b.number == 1)):
            out.append(i)
            last = b.number
        after_heading = False
    return out


class _Outline:
    """The passages of one document, with the headings open at each point."""

    def __init__(self, doc_id: str):
        self.doc_id = doc_id
        self.passages: list[Passage] = []
        self.open: list[tuple[int, str]] = []  # (level, heading text), outermost first
        self.counters: list[int] = []
        self.part = "other"
        self.ids: set[str] = set()

    def heading(self, b: Block) -> None:
        while self.open and self.open[-1][0] >= b.heading:
            self.open.pop()
        depth = len(self.open)
        self.counters = self.counters[: depth + 1]
        while len(self.counters) < depth + 1:
            self.counters.append(0)
        self.counters[depth] += 1
        number = ".".join(map(str, self.counters))
        if depth == 0:
            self.part = part_of(b.title)
            if self.part == "other":
                self.part = part_of(b.title, english=True)
        self.open.append((b.heading, b.title))
        self._add("heading", f"h{number}", number, f"§ {number}", f"§ {number}", b.title, b.line)

    def _add(self, kind: str, pid: str, number: str | None, label_ar: str, label_en: str,
             text: str, line: int, items=()) -> None:
        section = SECTION_SEP.join(t for _, t in self.open)
        self.ids.add(pid)
        self.passages.append(Passage(
            id=f"{self.doc_id}:{pid}", doc=self.doc_id, kind=kind, number=number,
            label_ar=label_ar, label_en=label_en, section=section, section_en=section,
            part=self.part, text=text, order=len(self.passages), line=line, items=tuple(items)))

    def plain(self, blocks: list[Block]) -> list[Passage]:
        n = 0
        for b in blocks:
            if b.heading:
                self.heading(b)
                continue
            n += 1
            text, items = _text(b.lines)
            self._add("paragraph", f"p{n}", str(n), f"¶ {n}", f"¶ {n}", text, b.line, items)
        return self.passages

    def numbered(self, blocks: list[Block]) -> list[Passage]:
        starts = set(_sequence(blocks))
        current: tuple[Block, PassageText] | None = None
        unnumbered = 0

        def flush() -> None:
            nonlocal current
            if current is None:
                return
            b, acc = current
            text, items = acc.finish()
            pid, run = f"p{b.number}", 1
            while pid in self.ids:
                run += 1
                pid = f"p{b.number}-{run}"
            self._add("paragraph", pid, str(b.number), f"الفقرة {b.printed}",
                      f"Paragraph {b.number}", text, b.line, items)
            current = None

        for i, b in enumerate(blocks):
            if b.heading:
                flush()
                self.heading(b)
            elif i in starts:
                flush()
                acc = PassageText("paragraph", str(b.number), b.line)
                acc.add(b.rest)
                _add_lines(acc, b.lines[1:])
                current = (b, acc)
            elif current is not None:
                _add_lines(current[1], b.lines, new_block=True)
            else:
                unnumbered += 1
                text, items = _text(b.lines)
                self._add("paragraph", f"u{unnumbered}", None, f"¶ {unnumbered}",
                          f"¶ {unnumbered}", text, b.line, items)
        flush()
        return self.passages


def _add_lines(acc: PassageText, lines: list[str], new_block: bool = False) -> None:
    """Lines inside a passage: an item line starts an item, a bulleted line or a new block a
    line of its own, any other line continues the sentence before it."""
    for k, line in enumerate(lines):
        marker, content, bullet = item_marker(line)
        if marker is not None:
            acc.add(content, marker=marker)
        else:
            acc.add(content, new_line=bullet or (new_block and k == 0))


def _text(lines: list[str]) -> tuple[str, tuple]:
    """The text of a passage of its own (its first line as it is, then its other lines)."""
    acc = PassageText("paragraph", None, 0)
    acc.add(lines[0])
    _add_lines(acc, lines[1:])
    return acc.finish()
