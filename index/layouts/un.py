"""The layouts of a UN report, Arabic and English.

A report in the UN's Arabic plain-text layout is read line by line into:

- document metadata from the header (:mod:`fahras.index.header`: symbol, distribution, date,
  language, original language; the other header lines are the title);
- headings (chapters «أولاً - مقدمة», sections «باء - ...») that give every passage its section path;
- numbered paragraphs («17- ...»), each whole: a line with no number after a page break continues
  the paragraph before it, and list lines («(أ) ...», «- 2- ...») stay inside their paragraph;
- recommendations: the heading «التوصية N» and the text under it are one passage.

Lettered and numbered list items stay inside their paragraph or recommendation (so a passage
retrieves with its context) and are recorded as :class:`~fahras.index.document.Item` spans, so
that an answer inside item (هـ) of paragraph 28 can be cited as «الفقرة 28 (هـ)» / "Paragraph 28 (e)".

The English layout of the same documents (the originals) is read the same way: chapters
"I. Introduction", sections "A. ...", numbered paragraphs "1. The Working Group...", the heading
"Recommendation 1" over its text, lettered items "(a)". Passages get the same ids and numbers in
both languages (UN documents share paragraph numbering across their language versions), which is
what links an English paragraph to its Arabic version.

:func:`parse` also says how much of the text the layout read (:class:`Reading`), so that
:mod:`fahras.index.layouts` uses it only for texts that are in this layout.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from fahras.index import header as hdr
from fahras.index.document import SECTION_SEP, Document, Passage, language_code, version_key_for
from fahras.index.layouts.passage_text import PassageText
from fahras.text.digits import ascii_digits

CHAPTERS = {
    "أولا": "I", "ثانيا": "II", "ثالثا": "III", "رابعا": "IV", "خامسا": "V",
    "سادسا": "VI", "سابعا": "VII", "ثامنا": "VIII", "تاسعا": "IX", "عاشرا": "X",
}
SECTIONS = {
    "ألف": "A", "باء": "B", "جيم": "C", "دال": "D", "هاء": "E", "واو": "F", "زاي": "G",
    "حاء": "H", "طاء": "I", "ياء": "J", "كاف": "K", "لام": "L", "ميم": "M",
}
# Which part of a report a chapter is, read from its heading (for filters).
PARTS = (
    ("التوصيات", "recommendations"),
    ("المداولات", "deliberations"),
    ("تنظيم", "organization"),
    ("مقدمة", "introduction"),
    ("اعتماد التقرير", "adoption"),
)
PARTS_EN = (
    ("recommendations", "recommendations"),
    ("deliberations", "deliberations"),
    ("organization", "organization"),
    ("introduction", "introduction"),
    ("adoption of the report", "adoption"),
)
ROMAN_TO_AR = {v: k for k, v in CHAPTERS.items()}
LETTER_TO_AR = {v: k for k, v in SECTIONS.items()}

_TANWEEN = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"
CHAPTER_RE = re.compile(r"^((?:%s)[%s]*)\s*-\s*(\S.*)$" % ("|".join(CHAPTERS), _TANWEEN))
SECTION_RE = re.compile(r"^(%s)\s*-\s*(\S.*)$" % "|".join(SECTIONS))
_RECOMMENDATION_RE = re.compile(r"^التوصية\s+(\d+)$")
_NUMBERED_RE = re.compile(r"^(\d+)\s*-\s+(\S.*)$")
LETTERED_RE = re.compile(r"^\(([\u0621-\u064a\u0640]{1,2})\)\s+(\S.*)$")
_BULLET_RE = re.compile(r"^-\s+")

EN_CHAPTER_RE = re.compile(r"^(%s)\.\s+(\S.*)$"
                           % "|".join(sorted(CHAPTERS.values(), key=len, reverse=True)))
EN_SECTION_RE = re.compile(r"^([A-M])\.\s+(\S.*)$")
_EN_RECOMMENDATION_RE = re.compile(r"^Recommendation\s+(\d+)[.:]?$", re.IGNORECASE)
_EN_NUMBERED_RE = re.compile(r"^(\d+)\.\s+(\S.*)$")
EN_LETTERED_RE = re.compile(r"^\(([a-z]{1,2}|[ivxl]{1,5})\)\s+(\S.*)$")
_EN_BULLET_RE = re.compile(r"^[-•▪·]\s+")


@dataclass(frozen=True)
class Layout:
    """The markers of one language's layout of a UN report."""

    name: str
    chapter: re.Pattern
    section: re.Pattern
    recommendation: re.Pattern
    numbered: re.Pattern
    lettered: re.Pattern
    bullet: re.Pattern


ARABIC_LAYOUT = Layout("ar", CHAPTER_RE, SECTION_RE, _RECOMMENDATION_RE, _NUMBERED_RE,
                       LETTERED_RE, _BULLET_RE)
ENGLISH_LAYOUT = Layout("en", EN_CHAPTER_RE, EN_SECTION_RE, _EN_RECOMMENDATION_RE,
                        _EN_NUMBERED_RE, EN_LETTERED_RE, _EN_BULLET_RE)


@dataclass(frozen=True)
class Reading:
    """How much of a text the UN layout read: chapters found, characters of the title (the
    header lines that are not metadata), of the body, and of body lines outside every
    paragraph and recommendation (which are not indexed)."""

    chapters: int
    title_chars: int
    body_chars: int
    skipped_chars: int


def detect_layout(lines: list[str]) -> Layout:
    """The layout whose chapter, recommendation and paragraph markers the text uses more."""
    def hits(layout: Layout) -> int:
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


def part_of(heading: str, english: bool = False) -> str:
    """The part of a report a chapter heading names (``recommendations``...), else ``other``."""
    text = heading.lower() if english else heading
    for keyword, part in (PARTS_EN if english else PARTS):
        if keyword in text:
            return part
    return "other"


def parse(text: str, doc_id: str, source: str = "") -> tuple[Document, Reading]:
    """Parse the text of a report (see the module docstring for the layouts it reads)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    layout = detect_layout(lines)
    english = layout is ENGLISH_LAYOUT
    meta = hdr.Header()
    title_lines: list[str] = []
    passages: list[Passage] = []
    chapter: tuple[str, str, str, str] | None = None  # (heading, roman, part, marker)
    section: tuple[str, str] | None = None  # (heading, letter)
    current: PassageText | None = None
    last_paragraph = 0
    in_body = False
    chapters = body_chars = skipped_chars = 0

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
            chapters += 1
            body_chars += len(line)
            if english:
                roman = m.group(1)
                marker = ROMAN_TO_AR[roman] + "\u064b"
                chapter, section = (line, roman, part_of(m.group(2), True), marker), None
            else:
                marker = m.group(1)
                roman = CHAPTERS[marker.rstrip(_TANWEEN)]
                chapter, section = (line, roman, part_of(line), marker), None
            add_heading(line, roman, marker, f"Chapter {roman}", lineno)
            continue
        if not in_body:
            kind = hdr.classify(line)
            if kind is None or not meta.take(*kind):
                title_lines.append(line)
            continue
        body_chars += len(line)
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
            current = PassageText("recommendation", ascii_digits(m.group(1)), lineno)
            continue
        bullet = layout.bullet.match(line)
        content = line[bullet.end():] if bullet else line
        m = layout.numbered.match(content)
        if m and int(m.group(1)) == last_paragraph + 1:
            flush()
            last_paragraph += 1
            current = PassageText("paragraph", ascii_digits(m.group(1)), lineno)
            current.add(m.group(2))
        elif current is None:
            # Text outside any paragraph (a title line in the body): not citable, so skipped.
            skipped_chars += len(line)
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
    name_title, name_date, _ = hdr.from_file_name(doc_id)
    doc = Document(
        id=doc_id, title=title or name_title, body=body, date=meta.date or name_date,
        language=meta.language, original_language=meta.original_language,
        distribution=meta.distribution,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), source=source,
        passages=passages, symbol=meta.symbol,
        lang=language_code(meta.language, meta.original_language, layout.name, passages),
        year=hdr.year_of(meta.date or name_date, meta.symbol, doc_id),
        version_key=version_key_for(doc_id, meta.symbol), layout=f"un-{layout.name}",
    )
    return doc, Reading(chapters, len(title) + len(body), body_chars, skipped_chars)
