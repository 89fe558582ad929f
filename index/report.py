"""The structure of a UN report: document metadata and the passages a researcher can cite.

A report in the UN's Arabic plain-text layout is read line by line into:

- document metadata from the header (distribution, date, language, original language, title);
- headings (chapters «أولاً - مقدمة», sections «باء - ...») that give every passage its section path;
- numbered paragraphs («17- ...»), each whole: a line with no number after a page break continues
  the paragraph before it, and list lines («(أ) ...», «- 2- ...») stay inside their paragraph;
- recommendations: the heading «التوصية N» and the text under it are one passage.

Lettered and numbered list items stay inside their paragraph or recommendation (so a passage
retrieves with its context) and are recorded as :class:`Item` spans, so that an answer inside
item (هـ) of paragraph 28 can be cited as «الفقرة 28 (هـ)» / "Paragraph 28 (e)".

The passage text is the report's own text: only the paragraph number, the ``- `` bullet prefix
and the line breaks of the layout are not part of it. Nothing is normalized here.

The English layout of the same documents (the originals) is read the same way: chapters
"I. Introduction", sections "A. ...", numbered paragraphs "1. The Working Group...", the heading
"Recommendation 1" over its text, lettered items "(a)". Passages get the same ids and numbers in
both languages (UN documents share paragraph numbering across their language versions), which is
what links an English paragraph to its Arabic version (:mod:`fahras.retrieval.versions`).

Document metadata read from the header: the UN symbol (``CTOC/COP/WG.7/2024/5``), date, year,
language (a code: ``ar``, ``en``...), original language and title.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fahras.errors import CorpusError

CHAPTERS = {
    "أولا": "I", "ثانيا": "II", "ثالثا": "III", "رابعا": "IV", "خامسا": "V",
    "سادسا": "VI", "سابعا": "VII", "ثامنا": "VIII", "تاسعا": "IX", "عاشرا": "X",
}
SECTIONS = {
    "ألف": "A", "باء": "B", "جيم": "C", "دال": "D", "هاء": "E", "واو": "F", "زاي": "G",
    "حاء": "H", "طاء": "I", "ياء": "J", "كاف": "K", "لام": "L", "ميم": "M",
}
# UN Arabic documents letter their lists in abjad order; the English versions use a, b, c...
ITEM_LETTERS = {
    "أ": "a", "ب": "b", "ج": "c", "د": "d", "هـ": "e", "ه": "e", "و": "f", "ز": "g", "ح": "h",
    "ط": "i", "ي": "j", "ك": "k", "ل": "l", "م": "m", "ن": "n",
}
# Which part of a report a chapter is, read from its heading (for filters).
PARTS = (
    ("التوصيات", "recommendations"),
    ("المداولات", "deliberations"),
    ("تنظيم", "organization"),
    ("مقدمة", "introduction"),
    ("اعتماد التقرير", "adoption"),
)
PART_LABELS = {
    "introduction": ("مقدمة", "Introduction"),
    "recommendations": ("التوصيات", "Recommendations"),
    "deliberations": ("ملخص المداولات", "Summary of deliberations"),
    "organization": ("المسائل التنظيمية", "Organizational matters"),
    "adoption": ("اعتماد التقرير", "Adoption of the report"),
    "other": ("أخرى", "Other"),
}
KINDS = ("paragraph", "recommendation", "heading")
SECTION_SEP = " › "
# Bump when parsing changes what passages a text gives: incremental indexing re-reads documents.
PARSER_VERSION = "2"

# English layout: the same structure, English markers.
ROMAN_TO_AR = {v: k for k, v in CHAPTERS.items()}
LETTER_TO_AR = {v: k for k, v in SECTIONS.items()}
LATIN_ITEM_TO_AR = {v: k for k, v in ITEM_LETTERS.items() if k != "ه"}
PARTS_EN = (
    ("recommendations", "recommendations"),
    ("deliberations", "deliberations"),
    ("organization", "organization"),
    ("introduction", "introduction"),
    ("adoption of the report", "adoption"),
)
LANGUAGES = {"Arabic": "ar", "English": "en", "French": "fr", "Spanish": "es", "Russian": "ru",
             "Chinese": "zh"}

_TANWEEN = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"
_CHAPTER_RE = re.compile(r"^((?:%s)[%s]*)\s*-\s*(\S.*)$" % ("|".join(CHAPTERS), _TANWEEN))
_SECTION_RE = re.compile(r"^(%s)\s*-\s*(\S.*)$" % "|".join(SECTIONS))
_RECOMMENDATION_RE = re.compile(r"^التوصية\s+(\d+)$")
_NUMBERED_RE = re.compile(r"^(\d+)\s*-\s+(\S.*)$")
_LETTERED_RE = re.compile(r"^\(([\u0621-\u064a\u0640]{1,2})\)\s+(\S.*)$")
_BULLET_RE = re.compile(r"^-\s+")
_DATE_RE = re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}$")
# A UN document symbol: series letters, then parts joined by "/" (CTOC/COP/WG.7/2024/5, A/78/123).
_SYMBOL_RE = re.compile(r"(?<![\w/])([A-Z]{1,8}(?:/[A-Z0-9][A-Za-z0-9.\-]*)+)(?![\w/])")
_UN_LINE_RE = re.compile(r"^(?:United Nations|الأمم المتحدة)\b\s*")

_EN_CHAPTER_RE = re.compile(r"^(%s)\.\s+(\S.*)$" % "|".join(sorted(CHAPTERS.values(), key=len, reverse=True)))
_EN_SECTION_RE = re.compile(r"^([A-M])\.\s+(\S.*)$")
_EN_RECOMMENDATION_RE = re.compile(r"^Recommendation\s+(\d+)[.:]?$", re.IGNORECASE)
_EN_NUMBERED_RE = re.compile(r"^(\d+)\.\s+(\S.*)$")
_EN_LETTERED_RE = re.compile(r"^\(([a-z]{1,2}|[ivxl]{1,5})\)\s+(\S.*)$")
_EN_BULLET_RE = re.compile(r"^[-•▪·]\s+")


@dataclass(frozen=True)
class Item:
    """A list item inside a passage: its marker as printed («هـ», «2») and its span in the text."""

    marker: str
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """One citable unit of a report. ``text`` is the report's own text, never normalized."""

    id: str
    doc: str
    kind: str
    number: str | None
    label_ar: str
    label_en: str
    section: str
    section_en: str
    part: str
    text: str
    order: int
    line: int
    items: tuple[Item, ...] = ()

    def item_at(self, offset: int) -> Item | None:
        """The list item that contains character ``offset`` of the text, if any."""
        for item in self.items:
            if item.start <= offset < item.end:
                return item
        return None

    def cite_labels(self, offset: int | None = None) -> tuple[str, str]:
        """Arabic and English labels, narrowed to the list item at ``offset`` when there is one."""
        item = self.item_at(offset) if offset is not None else None
        if item is None:
            return self.label_ar, self.label_en
        latin = ITEM_LETTERS.get(item.marker, item.marker)
        arabic = LATIN_ITEM_TO_AR.get(item.marker, item.marker)
        return f"{self.label_ar} ({arabic})", f"{self.label_en} ({latin})"

    def to_json(self) -> dict:
        d = asdict(self)
        d["items"] = [asdict(i) for i in self.items]
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Passage":
        d = dict(d)
        d["items"] = tuple(Item(**i) for i in d.get("items", ()))
        return cls(**d)


@dataclass
class Document:
    """A parsed report: header metadata and its passages in reading order."""

    id: str
    title: str
    body: str
    date: str | None
    language: str | None
    original_language: str | None
    distribution: str | None
    sha256: str
    source: str
    passages: list[Passage] = field(default_factory=list)
    symbol: str | None = None
    lang: str | None = None  # ISO 639-1 code of the document's language
    year: int | None = None
    # Documents with the same version key are language versions of one document (their
    # paragraphs share numbers): the symbol, else the file name without its language suffix.
    version_key: str | None = None

    @property
    def citable(self) -> list[Passage]:
        return [p for p in self.passages if p.kind != "heading"]

    def metadata(self) -> dict:
        d = asdict(self)
        del d["passages"]
        return d


def read_text(path: str | Path) -> str:
    """Read a corpus file as UTF-8, refusing with a clear message what is not a usable report."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError("corpus_not_found", path=path) from None
    except IsADirectoryError:
        raise CorpusError("corpus_is_folder", path=path) from None
    except OSError as e:
        raise CorpusError("corpus_unreadable", path=path, reason=e.strerror) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CorpusError("corpus_not_utf8", path=path, position=e.start) from None
    if not text.strip():
        raise CorpusError("corpus_empty", path=path)
    return text


def doc_id_for(path: str | Path) -> str:
    """A stable, readable document id from the file name (``wg-som-2024-report.ar``)."""
    stem = Path(path).name
    for suffix in (".txt", ".docx", ".pdf"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return re.sub(r"[^\w.\-]+", "-", stem).strip("-") or "document"


def load_report(path: str | Path, doc_id: str | None = None) -> Document:
    """Read and parse a report file."""
    return parse_file_text(read_text(path), path, doc_id)


def parse_file_text(text: str, path: str | Path, doc_id: str | None = None) -> Document:
    """Parse the text read from a file, refusing a text with nothing to cite."""
    doc = parse_report(text, doc_id or doc_id_for(path), source=str(path))
    if not doc.citable:
        doc = parse_prose(text, doc_id or doc_id_for(path), source=str(path))
    if not doc.citable:
        raise CorpusError("corpus_no_paragraph", path=path)
    return doc


def parse_prose(text: str, doc_id: str, source: str = "") -> Document:
    """Plain prose: a first line followed by a blank line is the title; paragraphs are
    separated by blank lines (or, in a text with no blank line, one per line). Paragraph N is
    cited as "¶ N" of its document."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    first = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    has_blank = any(not ln.strip() for ln in lines[first:])
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or not has_blank:
            if current:
                blocks.append((start, current))
                current = []
            if not line:
                continue
        if not current:
            start = lineno
        current.append(line)
    if current:
        blocks.append((start, current))
    title = ""
    if has_blank and len(blocks) > 1 and len(blocks[0][1]) == 1 and len(blocks[0][1][0]) <= 200:
        title = blocks.pop(0)[1][0]
    passages = []
    blocks = [(line, block) for line, block in blocks if any(c.isalpha() for c in "".join(block))]
    for n, (line, block) in enumerate(blocks, start=1):
        passages.append(Passage(
            id=f"{doc_id}:p{n}", doc=doc_id, kind="paragraph", number=str(n),
            label_ar=f"¶ {n}", label_en=f"¶ {n}", section="", section_en="", part="other",
            text=" ".join(block), order=len(passages), line=line))
    meta = {"language": None, "original_language": None}
    return Document(
        id=doc_id, title=title or doc_id, body="", date=None, language=None,
        original_language=None, distribution=None,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), source=source,
        passages=passages, symbol=None, lang=_language_code(meta, ARABIC_LAYOUT, passages),
        year=None, version_key=version_key_for(doc_id, None))


def _part_of(heading: str) -> str:
    for keyword, part in PARTS:
        if keyword in heading:
            return part
    return "other"


class _Builder:
    """Accumulates the lines of the passage being read, with its list items."""

    def __init__(self, kind: str, number: str | None, line: int):
        self.kind, self.number, self.line = kind, number, line
        self.text = ""
        self.items: list[Item] = []
        self._open_item: tuple[str, int] | None = None

    def add(self, content: str, *, marker: str | None = None, new_line: bool = False) -> None:
        if marker is not None:
            self._close_item()
            new_line = True
        if self.text:
            self.text += "\n" if new_line else " "
        start = len(self.text)
        self.text += content
        if marker is not None:
            self._open_item = (marker, start)

    def _close_item(self) -> None:
        if self._open_item is not None:
            marker, start = self._open_item
            self.items.append(Item(marker, start, len(self.text)))
            self._open_item = None

    def finish(self) -> tuple[str, tuple[Item, ...]]:
        self._close_item()
        return self.text, tuple(self.items)


@dataclass(frozen=True)
class _Layout:
    """The markers of one language's layout of a UN report."""

    name: str
    chapter: re.Pattern
    section: re.Pattern
    recommendation: re.Pattern
    numbered: re.Pattern
    lettered: re.Pattern
    bullet: re.Pattern


ARABIC_LAYOUT = _Layout("ar", _CHAPTER_RE, _SECTION_RE, _RECOMMENDATION_RE, _NUMBERED_RE,
                        _LETTERED_RE, _BULLET_RE)
ENGLISH_LAYOUT = _Layout("en", _EN_CHAPTER_RE, _EN_SECTION_RE, _EN_RECOMMENDATION_RE,
                         _EN_NUMBERED_RE, _EN_LETTERED_RE, _EN_BULLET_RE)


def detect_layout(lines: list[str]) -> _Layout:
    """The layout whose chapter, recommendation and paragraph markers the text uses more."""
    def hits(layout: _Layout) -> int:
        n = 0
        for raw in lines:
            line = raw.strip()
            bullet = layout.bullet.match(line)
            content = line[bullet.end():] if bullet else line
            if (layout.chapter.match(line) or layout.recommendation.match(line)
                    or layout.numbered.match(content)):
                n += 1
        return n

    return ENGLISH_LAYOUT if hits(ENGLISH_LAYOUT) > hits(ARABIC_LAYOUT) else ARABIC_LAYOUT


def _part_of_en(heading: str) -> str:
    low = heading.lower()
    for keyword, part in PARTS_EN:
        if keyword in low:
            return part
    return "other"


def _language_code(meta: dict, layout: _Layout, passages: list[Passage]) -> str | None:
    """The document's language: its header's language line, else its original language if
    the text is in that script, else the script of the text (Arabic, or English for Latin)."""
    if meta["language"] in LANGUAGES:
        return LANGUAGES[meta["language"]]
    original = LANGUAGES.get(meta["original_language"] or "")
    if original == layout.name:
        return original
    sample = "".join(p.text for p in passages[:20])
    arabic = sum("\u0600" <= c <= "\u06ff" for c in sample)
    latin = sum(c.isascii() and c.isalpha() for c in sample)
    if not arabic and not latin:
        return None
    return "ar" if arabic >= latin else "en"


def version_key_for(doc_id: str, symbol: str | None) -> str:
    """What language versions of one document share: the symbol, else the file name without
    a trailing language code (``report.ar`` and ``report.en`` are versions of ``report``)."""
    if symbol:
        return symbol
    return re.sub(r"[._-](?:%s)$" % "|".join(LANGUAGES.values()), "", doc_id)


def parse_report(text: str, doc_id: str, source: str = "") -> Document:
    """Parse the text of a report (see the module docstring for the layouts it reads)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    layout = detect_layout(lines)
    english = layout is ENGLISH_LAYOUT
    meta: dict[str, str | None] = {"distribution": None, "date": None, "language": None,
                                   "original_language": None, "symbol": None}
    title_lines: list[str] = []
    passages: list[Passage] = []
    chapter: tuple[str, str, str, str] | None = None  # (heading, roman, part, marker)
    section: tuple[str, str] | None = None  # (heading, letter)
    current: _Builder | None = None
    last_paragraph = 0
    in_body = False

    def section_path() -> tuple[str, str]:
        ar = [h for h in (chapter and chapter[0], section and section[0]) if h]
        en = []
        if chapter:
            en.append(f"Chapter {chapter[1]}")
        if section:
            en.append(f"Section {chapter[1] + '.' if chapter else ''}{section[1]}")
        return SECTION_SEP.join(ar), SECTION_SEP.join(en)

    def flush() -> None:
        nonlocal current
        if current is None:
            return
        body, items = current.finish()
        sec_ar, sec_en = section_path()
        n = current.number
        if current.kind == "paragraph":
            pid, label_ar, label_en = f"p{n}", f"الفقرة {n}", f"Paragraph {n}"
        else:
            pid, label_ar, label_en = f"r{n}", f"التوصية {n}", f"Recommendation {n}"
        passages.append(Passage(
            id=f"{doc_id}:{pid}", doc=doc_id, kind=current.kind, number=n, label_ar=label_ar,
            label_en=label_en, section=sec_ar, section_en=sec_en,
            part=chapter[2] if chapter else "other", text=body, order=len(passages),
            line=current.line, items=items,
        ))
        current = None

    def add_heading(heading: str, number: str, label_ar: str, label_en: str, line: int) -> None:
        sec_ar, sec_en = section_path()
        passages.append(Passage(
            id=f"{doc_id}:h{number}", doc=doc_id, kind="heading", number=number,
            label_ar=label_ar, label_en=label_en, section=sec_ar, section_en=sec_en,
            part=chapter[2] if chapter else "other", text=heading, order=len(passages), line=line,
        ))

    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        m = layout.chapter.match(line)
        if m:
            flush()
            in_body = True
            if english:
                roman = m.group(1)
                marker = ROMAN_TO_AR[roman] + "\u064b"
                chapter, section = (line, roman, _part_of_en(m.group(2)), marker), None
            else:
                marker = m.group(1)
                roman = CHAPTERS[marker.rstrip(_TANWEEN)]
                chapter, section = (line, roman, _part_of(line), marker), None
            add_heading(line, roman, marker, f"Chapter {roman}", lineno)
            continue
        if not in_body:
            un = _UN_LINE_RE.match(line)
            symbol = _SYMBOL_RE.search(line)
            if symbol and (un or len(line) - len(symbol.group(1)) < 4):
                meta["symbol"] = meta["symbol"] or symbol.group(1)  # a symbol line, maybe repeated
            elif un and not line[un.end():].strip():
                pass  # the "United Nations" masthead
            elif line.startswith("Distr.:"):
                meta["distribution"] = line.split(":", 1)[1].strip()
            elif line.startswith("Original:"):
                meta["original_language"] = line.split(":", 1)[1].strip()
            elif _DATE_RE.match(line):
                meta["date"] = line
            elif line in LANGUAGES and meta["language"] is None:
                meta["language"] = line
            else:
                title_lines.append(line)
            continue
        m = layout.section.match(line)
        if m:
            flush()
            letter = m.group(1) if english else SECTIONS[m.group(1)]
            ar_letter = LETTER_TO_AR.get(letter, letter) if english else m.group(1)
            section = (line, letter)
            roman = chapter[1] if chapter else ""
            chapter_marker = chapter[3] if chapter else ""
            add_heading(line, f"{roman}.{letter}", f"{chapter_marker} - {ar_letter}".strip(" -"),
                        f"Section {roman}.{letter}".replace(" .", " "), lineno)
            continue
        m = layout.recommendation.match(line)
        if m:
            flush()
            current = _Builder("recommendation", m.group(1), lineno)
            continue
        bullet = layout.bullet.match(line)
        content = line[bullet.end():] if bullet else line
        m = layout.numbered.match(content)
        if m and int(m.group(1)) == last_paragraph + 1:
            flush()
            last_paragraph += 1
            current = _Builder("paragraph", m.group(1), lineno)
            current.add(m.group(2))
        elif current is None:
            # Text outside any paragraph (a title line in the body): not citable, so skipped.
            pass
        elif m:
            current.add(content, marker=m.group(1))
        elif (lm := layout.lettered.match(content)):
            current.add(content, marker=lm.group(1))
        elif not current.text:
            current.add(content)  # the text under «التوصية N»
        else:
            # A line with no marker: after a page break it continues the sentence before it;
            # a bulleted one is a list line of its own.
            current.add(content, new_line=bool(bullet))
    flush()

    title = " ".join(title_lines[1:]) if len(title_lines) > 1 else " ".join(title_lines)
    body = title_lines[0] if len(title_lines) > 1 else ""
    year = None
    if meta["date"]:
        year = int(meta["date"][-4:])
    elif meta["symbol"] and (ym := re.search(r"/((?:19|20)\d\d)(?:/|$)", meta["symbol"])):
        year = int(ym.group(1))
    return Document(
        id=doc_id, title=title, body=body, date=meta["date"], language=meta["language"],
        original_language=meta["original_language"], distribution=meta["distribution"],
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), source=source,
        passages=passages, symbol=meta["symbol"], lang=_language_code(meta, layout, passages),
        year=year, version_key=version_key_for(doc_id, meta["symbol"]),
    )
