"""Reading corpus files -- UTF-8 text, DOCX and PDF -- into the text a report parser reads.

- :func:`expand_paths` turns the files and folders a user gives into the list of documents
  (folders are walked recursively, in name order; hidden files and other types are skipped).
- :func:`load_document` reads one file with the loader for its type and parses it
  (:func:`fahras.index.report.parse_report`: the UN layouts, numbered paragraphs, plain prose).
- DOCX (python-docx): body paragraphs in order, after the first page's header (where UN
  documents print their symbol). Word's automatic paragraph numbering is not part of a
  paragraph's text, so it is rendered here (``1.``, ``(a)``, ``1-``, ``(أ)``) from the document's
  numbering definitions -- without it a UN report has no numbered paragraphs.
- PDF (pdfminer.six): the text layer, line by line in page order, without the running headers
  and footers that repeat on every page (symbol, page number, job number). A PDF with no text layer (a scan) or
  whose fonts have no Unicode mapping is refused with a :class:`CorpusError` that says so.

Arabic PDF text is often not in the logical order and the code points a reader types
(:func:`repair_arabic`):

- presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFF: the positional glyphs ﻣ ﻠ ﻚ and the
  lam-alef ligatures) are mapped to the letters they show with NFKC;
- visual (reversed) order, what a producer that wrote glyphs left to right gives: detected on
  the whole document by comparing how many words are common Arabic words (في, من, على...) or
  start with the article ال when read forwards and when read reversed, and by final-form glyphs at
  the start of words; a reversed document has each Arabic line reversed back, with the runs of
  digits and Latin letters inside it kept left to right and brackets mirrored.
"""

from __future__ import annotations

import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from fahras.errors import CorpusError
from fahras.fsutil import kind_of
from fahras.index.report import Document, parse_file_text, read_text

TEXT_SUFFIXES = (".txt", ".text")
SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf")
# One document's size: a report's text is well under 5 MB; beyond these, parsing and embedding
# take long and a lot of memory, and a corpus belongs in several files.
MAX_TEXT_BYTES = 20 << 20    # a text file, and the text read from a DOCX or PDF
MAX_FILE_BYTES = 200 << 20   # a DOCX or PDF file


# -- which files -----------------------------------------------------------------------------
def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The document files named by ``paths``: files as given, folders walked recursively."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise CorpusError("folder_no_reports", path=path, suffixes=", ".join(SUFFIXES))
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise CorpusError("corpus_not_found", path=path)
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def load_document(path: str | Path, doc_id: str | None = None) -> Document:
    """Read and parse one report file (.txt, .docx or .pdf)."""
    path = Path(path)
    return parse_file_text(document_text(path), path, doc_id)


def document_text(path: Path) -> str:
    """The text of a document file, by its type."""
    suffix = path.suffix.lower()
    if path.is_dir():
        raise CorpusError("corpus_folder_given", path=path)
    try:
        st = path.stat()
    except OSError:
        st = None  # missing or unreadable: the loader says which
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise CorpusError("corpus_not_a_file", path=path, kind=kind_of(st.st_mode))
    size = st.st_size if st is not None else 0
    if st is not None and size == 0:
        raise CorpusError("corpus_empty", path=path)
    if suffix == ".docx":
        _check_size(path, size, MAX_FILE_BYTES)
        return repair_arabic(_check_text(path, docx_text(path)))
    if suffix == ".pdf":
        _check_size(path, size, MAX_FILE_BYTES)
        return repair_arabic(_check_text(path, pdf_text(path)))
    if suffix in (".doc",):
        raise CorpusError("corpus_old_doc", path=path)
    _check_size(path, size, MAX_TEXT_BYTES)
    return read_text(path)


def _too_large(path: Path, size: int, limit: int, of_text: bool) -> CorpusError:
    return CorpusError("corpus_text_too_large" if of_text else "corpus_too_large", path=path,
                       size=size / (1 << 20), limit=limit >> 20)


def _check_size(path: Path, size: int, limit: int) -> None:
    if size > limit:
        raise _too_large(path, size, limit, of_text=False)


def _check_text(path: Path, text: str) -> str:
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise _too_large(path, size, MAX_TEXT_BYTES, of_text=True)
    return text


# -- DOCX ------------------------------------------------------------------------------------
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_ABJAD = "أبجدهـوزحطيكلمنسعفصقرشتثخذضظغ"


def _require(module: str, extra: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise CorpusError("needs_package", module=module, extra=extra) from None


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        s = ""
        while n > 0:
            n, r = divmod(n - 1, 26)
            s = chr(ord("a") + r) + s
        return s.upper() if fmt == "upperLetter" else s
    if fmt in ("lowerRoman", "upperRoman"):
        vals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
        s = ""
        for v, r in vals:
            while n >= v:
                s, n = s + r, n - v
        return s.upper() if fmt == "upperRoman" else s
    if fmt in ("arabicAbjad", "arabicAlpha"):
        letters = ["هـ" if c == "ه" else c for c in _ABJAD.replace("ـ", "")]
        return letters[(n - 1) % len(letters)]
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


class _Numbering:
    """Word's list numbering (numbering.xml): renders the label of a numbered paragraph."""

    def __init__(self, document):
        self.levels: dict[str, dict[str, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[str, tuple[str, str, int]]] = {}
        for a in root.findall(f"{_W}abstractNum"):
            lv = {}
            for lvl in a.findall(f"{_W}lvl"):
                fmt = lvl.find(f"{_W}numFmt")
                text = lvl.find(f"{_W}lvlText")
                start = lvl.find(f"{_W}start")
                lv[lvl.get(f"{_W}ilvl")] = (
                    fmt.get(f"{_W}val") if fmt is not None else "decimal",
                    text.get(f"{_W}val") if text is not None else "%1.",
                    int(start.get(f"{_W}val")) if start is not None else 1)
            abstract[a.get(f"{_W}abstractNumId")] = lv
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                self.levels[num.get(f"{_W}numId")] = abstract.get(ref.get(f"{_W}val"), {})

    @staticmethod
    def _num_pr(paragraph):
        """The paragraph's numbering properties: its own, else its style's (List Number...)."""
        ppr = paragraph._p.pPr
        numpr = ppr.find(f"{_W}numPr") if ppr is not None else None
        style = paragraph.style
        while numpr is None and style is not None:
            sppr = style.element.pPr
            numpr = sppr.find(f"{_W}numPr") if sppr is not None else None
            style = style.base_style
        return numpr

    def label(self, paragraph) -> str:
        numpr = self._num_pr(paragraph)
        if numpr is None:
            return ""
        num_id = numpr.find(f"{_W}numId")
        ilvl = numpr.find(f"{_W}ilvl")
        if num_id is None:
            return ""
        nid = num_id.get(f"{_W}val")
        level = int(ilvl.get(f"{_W}val")) if ilvl is not None else 0
        levels = self.levels.get(nid)
        if not levels or str(level) not in levels:
            return ""
        counters = self.counters.setdefault(nid, {})
        fmt, text, start = levels[str(level)]
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]

        def render(m: re.Match) -> str:
            lv = int(m.group(1)) - 1
            f = levels.get(str(lv), ("decimal", "", 1))[0]
            return _format_number(counters.get(lv, levels.get(str(lv), ("", "", 1))[2]), f)

        return re.sub(r"%(\d)", render, text).strip()


def docx_text(path: Path) -> str:
    """The text of a .docx file: first-page header, then the body paragraphs in order."""
    docx = _require("docx", "docs")
    try:
        document = docx.Document(str(path))
    except Exception as e:  # python-docx raises zipfile / lxml / KeyError on broken files
        raise CorpusError("docx_unreadable", path=path, error=type(e).__name__) from None
    lines: list[str] = []
    for section in document.sections[:1]:
        for header in (section.first_page_header, section.header):
            if header is not None and not header.is_linked_to_previous:
                lines.extend(p.text for p in header.paragraphs if p.text.strip())
    numbering = _Numbering(document)
    for paragraph in document.paragraphs:
        label = numbering.label(paragraph)
        text = paragraph.text
        if label and text.strip():
            if _arabic_share(text) > 0.5:
                # Arabic UN layout: «1- ...», «(أ) ...», whatever punctuation the list uses.
                core = label.strip("().-) ")
                label = f"{core}-" if core.isdigit() else f"({core})"
            text = f"{label} {text}"
        lines.append(text)
    text = "\n".join(lines)
    if not text.strip():
        raise CorpusError("corpus_no_text", path=path)
    return text


# -- PDF -------------------------------------------------------------------------------------
_PAGE_NUMBER_RE = re.compile(r"^(?:[-–]?\s*\d{1,4}\s*[-–]?|\d{1,4}\s*/\s*\d{1,4}|page \d+.*)$",
                             re.IGNORECASE)


def pdf_text(path: Path) -> str:
    """The text layer of a PDF, line by line from the top of each page, without running
    headers/footers; refuses scans and undecodable fonts."""
    _require("pdfminer", "docs")
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer, LTTextLine
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    def text_lines(layout) -> list[tuple[float, float, str]]:
        out = []
        for obj in layout:
            if isinstance(obj, LTTextLine):
                out.append((obj.y1, obj.x0, obj.get_text().rstrip("\n")))
            elif isinstance(obj, LTTextContainer):
                out.extend(text_lines(obj))
        return out

    pages: list[list[str]] = []
    try:
        for page in extract_pages(str(path), laparams=LAParams(char_margin=50.0)):
            found = text_lines(page)
            # One text line per baseline (a wide char_margin), top to bottom, then left to
            # right (the layout analysis groups lines in boxes and can put a right-aligned
            # Arabic line after the left-aligned ones).
            found.sort(key=lambda t: (-round(t[0]), t[1]))
            pages.append([t for _, _, t in found])
    except PDFPasswordIncorrect:
        raise CorpusError("pdf_encrypted", path=path) from None
    except Exception as e:  # pdfminer raises many kinds of errors on damaged files
        raise CorpusError("pdf_unreadable", path=path, error=type(e).__name__) from None
    letters = sum(ch.isalpha() for p in pages for ln in p for ch in ln)
    if letters == 0:
        raise CorpusError("pdf_no_text_layer", path=path)
    private = sum(0xE000 <= ord(ch) <= 0xF8FF for p in pages for ln in p for ch in ln)
    cid = sum(ln.count("(cid:") for p in pages for ln in p)
    if private + 5 * cid > 0.2 * letters:
        raise CorpusError("pdf_undecodable", path=path)
    return "\n".join(_strip_running_lines(pages))


def _strip_running_lines(pages: Sequence[list[str]]) -> list[str]:
    """Drop page numbers and lines repeated at the top or bottom of most pages (after the
    first page, whose header carries the symbol and date)."""
    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split()))

    edge = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln.strip()]
        for ln in set(body[:2] + body[-2:]):
            edge[key(ln)] += 1
    running = {k for k, n in edge.items() if len(pages) >= 3 and n >= 0.6 * len(pages)}
    out: list[str] = []
    for i, lines in enumerate(pages):
        for ln in lines:
            s = ln.strip()
            if _PAGE_NUMBER_RE.match(s):
                continue
            if i > 0 and key(ln) in running:
                continue
            out.append(ln)
    return out


# -- Arabic repair -----------------------------------------------------------------------------
def _is_presentation_form(ch: str) -> bool:
    cp = ord(ch)
    return 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF


def _is_arabic(ch: str) -> bool:
    cp = ord(ch)
    return 0x0600 <= cp <= 0x06FF or 0x0750 <= cp <= 0x077F or _is_presentation_form(ch)


# Common Arabic words (function words) read forwards; reversed text shows them reversed.
_COMMON = frozenset("""في من على إلى عن أن التي الذي مع هذا هذه ذلك وفي ومن كما بين عند حيث
أو ثم قد لا ما لم إن كل غير بعد قبل""".split())
_MIRROR = str.maketrans("()[]{}<>«»", ")(][}{><»«")
_LTR = r"0-9A-Za-z\u00C0-\u024F"
_LTR_RUN_RE = re.compile(rf"[{_LTR}](?:[{_LTR}./:,%\- ]*[{_LTR}%])?")
# Final and isolated forms of letters that join (in U+FE70-U+FEFF): a reversed word starts
# with the glyph of its last letter.
_FINAL_FORMS = frozenset(ch for ch in map(chr, range(0xFE70, 0xFEFF))
                         if "FINAL" in unicodedata.name(ch, ""))


def _words(text: str) -> list[str]:
    return re.findall(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]+", text)


def reversed_evidence(text: str) -> tuple[int, int]:
    """(forward, reversed) evidence: common words and article-initial words read each way,
    plus final-form glyphs at the start (reversed) or the end (forward) of words."""
    fwd = rev = 0
    for w in _words(text):
        plain = unicodedata.normalize("NFKC", w) if any(map(_is_presentation_form, w)) else w
        back = plain[::-1]
        fwd += (plain in _COMMON) + plain.startswith("ال")
        rev += (back in _COMMON) + back.startswith("ال")
        if len(w) > 1:
            fwd += w[-1] in _FINAL_FORMS
            rev += w[0] in _FINAL_FORMS
    return fwd, rev


def _reverse_line(line: str) -> str:
    """A visual-order Arabic line in logical order: reversed, with left-to-right runs (numbers,
    Latin words, symbols) put back in their own order and brackets mirrored."""
    back = line[::-1].translate(_MIRROR)
    return _LTR_RUN_RE.sub(lambda m: m.group(0)[::-1], back)


def repair_arabic(text: str) -> str:
    """Arabic text as a reader typed it: logical order, no presentation forms (see module)."""
    if not any(_is_arabic(c) for c in text):
        return text
    fwd, rev = reversed_evidence(text)
    lines = text.split("\n")
    if rev > 2 * fwd and rev >= 3:
        lines = [_reverse_line(ln) if _arabic_share(ln) > 0.5 else ln for ln in lines]
    if any(_is_presentation_form(c) for c in text):
        lines = ["".join(unicodedata.normalize("NFKC", c) if _is_presentation_form(c) else c
                         for c in ln) for ln in lines]
    return "\n".join(lines)


def _arabic_share(line: str) -> float:
    letters = [c for c in line if c.isalpha()]
    if not letters:
        return 0.0
    return sum(map(_is_arabic, letters)) / len(letters)
