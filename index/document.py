"""What a parsed document is: its metadata and its passages, each a citable unit with labels.

Every layout (:mod:`fahras.index.layouts`) gives the same structure: a :class:`Document` with
its header metadata and :class:`Passage` s in reading order, whose ``text`` is the document's
own text (only paragraph numbers, bullet prefixes and line breaks of the layout are not part of
it; nothing is normalized).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

KINDS = ("paragraph", "recommendation", "heading")
SECTION_SEP = " › "
# UN Arabic documents letter their lists in abjad order; the English versions use a, b, c...
ITEM_LETTERS = {
    "أ": "a", "ب": "b", "ج": "c", "د": "d", "هـ": "e", "ه": "e", "و": "f", "ز": "g", "ح": "h",
    "ط": "i", "ي": "j", "ك": "k", "ل": "l", "م": "m", "ن": "n",
}
LATIN_ITEM_TO_AR = {v: k for k, v in ITEM_LETTERS.items() if k != "ه"}
# Which part of a report a chapter is (for filters), and how the interface names it.
PART_LABELS = {
    "introduction": ("مقدمة", "Introduction"),
    "recommendations": ("التوصيات", "Recommendations"),
    "deliberations": ("ملخص المداولات", "Summary of deliberations"),
    "organization": ("المسائل التنظيمية", "Organizational matters"),
    "adoption": ("اعتماد التقرير", "Adoption of the report"),
    "other": ("أخرى", "Other"),
}
LANGUAGES = {"Arabic": "ar", "English": "en", "French": "fr", "Spanish": "es", "Russian": "ru",
             "Chinese": "zh"}


@dataclass(frozen=True)
class Item:
    """A list item inside a passage: its marker as printed («هـ», «2») and its span in the text."""

    marker: str
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """One citable unit of a document. ``text`` is the document's own text, never normalized."""

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
    """A parsed document: header metadata and its passages in reading order."""

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
    # How the text was read (fahras.index.layouts): "un-ar", "un-en", "numbered" or "prose".
    layout: str | None = None

    @property
    def citable(self) -> list[Passage]:
        return [p for p in self.passages if p.kind != "heading"]

    def metadata(self) -> dict:
        d = asdict(self)
        del d["passages"]
        return d


def version_key_for(doc_id: str, symbol: str | None) -> str:
    """What language versions of one document share: the symbol, else the file name without
    a trailing language code (``report.ar`` and ``report.en`` are versions of ``report``)."""
    if symbol:
        return symbol
    return re.sub(r"[._-](?:%s)$" % "|".join(LANGUAGES.values()), "", doc_id)


def language_code(language: str | None, original_language: str | None, script_hint: str | None,
                  passages: list[Passage]) -> str | None:
    """The document's language: its header's language line, else its original language if
    the text is in that script (``script_hint``: the layout's language), else the script of
    the text (Arabic, or English for Latin)."""
    if language in LANGUAGES:
        return LANGUAGES[language]
    original = LANGUAGES.get(original_language or "")
    if original is not None and original == script_hint:
        return original
    sample = "".join(p.text for p in passages[:20])
    arabic = sum("\u0600" <= c <= "\u06ff" for c in sample)
    latin = sum(c.isascii() and c.isalpha() for c in sample)
    if not arabic and not latin:
        return None
    return "ar" if arabic >= latin else "en"
