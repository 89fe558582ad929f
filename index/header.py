"""Document metadata: from the header lines where the document has them, else the file name.

Header lines (:func:`classify`), as UN documents and most reports print them:

- the UN **symbol** (``CTOC/COP/WG.7/2024/5``: a line that is the symbol, or ``United Nations``
  followed by it) and the ``United Nations`` / «الأمم المتحدة» masthead;
- ``Distr.: General`` (distribution), ``Original: English`` / «الأصل: ...» (original language);
- a **date** line (:func:`fahras.text.dates.date_line`: «26 تموز/يوليه 2024», "26 July 2024",
  «2024/07/26», Arabic-Indic digits, "Vienna, 26 July 2024", «التاريخ: ...»);
- a language line (``Arabic``, ``English``...).

None of these is ever a title. Without them (:func:`from_file_name`): the title is the file name
(``000-Super_Bowl_50.ar.txt`` -> "Super Bowl 50": language suffix, a leading ordinal, a date and
``_`` separators removed), the date an ISO date in the name (``2024-07-26-notes.txt``) and the
year a year in it (``wg-som-2024-report``). A symbol is never guessed from a file name (names cannot
hold its slashes, and a name that looks like one often is not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fahras.index.document import LANGUAGES, version_key_for
from fahras.text.dates import date_line, find_date, parse_date
from fahras.text.digits import ascii_digits

# A UN document symbol: series letters, then parts joined by "/" (CTOC/COP/WG.7/2024/5, A/78/123).
SYMBOL_RE = re.compile(r"(?<![\w/])([A-Z]{1,8}(?:/[A-Z0-9][A-Za-z0-9.\-]*)+)(?![\w/])")
_UN_LINE_RE = re.compile(r"^(?:United Nations|الأمم المتحدة)\b\s*")
_DISTRIBUTION_RE = re.compile(r"^(?:Distr\.\s*:?|التوزيع\s*:)\s*(.*)$")
_ORIGINAL_RE = re.compile(r"^(?:Original|الأصل)\s*:\s*(.+)$")
# A line that ends a sentence or opens a list is text, not a title or a heading.
_SENTENCE_END = tuple(".!?؟:;؛،,…")
TITLE_MAX = 200


@dataclass
class Header:
    """The metadata read from a document's header lines (None: not in the header)."""

    symbol: str | None = None
    distribution: str | None = None
    original_language: str | None = None
    date: str | None = None
    language: str | None = None

    def take(self, kind: str, value: str) -> bool:
        """Record a classified line; False when it repeats a language already read (the UN
        parser then reads it as a title line, as it always has)."""
        if kind == "symbol":
            self.symbol = self.symbol or value  # a symbol line, maybe repeated
        elif kind == "distribution":
            self.distribution = value
        elif kind == "original":
            self.original_language = value
        elif kind == "date":
            self.date = self.date or value
        elif kind == "language":
            if self.language is not None:
                return False
            self.language = value
        return True


def classify(line: str) -> tuple[str, str] | None:
    """``(kind, value)`` for a header line (see the module docstring), None for other text."""
    line = line.strip()
    un = _UN_LINE_RE.match(line)
    symbol = SYMBOL_RE.search(line)
    if symbol and (un or len(line) - len(symbol.group(1)) < 4):
        return "symbol", symbol.group(1)
    if un and not line[un.end():].strip():
        return "masthead", ""
    if m := _DISTRIBUTION_RE.match(line):
        if line.startswith("Distr.:") or len(m.group(1).split()) <= 2:
            return "distribution", m.group(1).strip()
    if m := _ORIGINAL_RE.match(line):
        return "original", m.group(1).strip()
    if found := date_line(line):
        return "date", found.text
    if line in LANGUAGES:
        return "language", line
    return None


def title_like(line: str) -> bool:
    """A line that can be a title or a heading: short, with letters, not a sentence or a list's
    lead-in (no final punctuation), and not a header line (a date, a symbol, ``Distr.``)."""
    line = line.strip()
    return (0 < len(line) <= TITLE_MAX and any(c.isalpha() for c in line)
            and not line.endswith(_SENTENCE_END) and classify(line) is None)


def year_of(date: str | None, symbol: str | None, doc_id: str | None = None) -> int | None:
    """The year of the header's date, else of its symbol (``.../2024/5``), else of the name."""
    if date and (found := parse_date(date) or find_date(date)):
        return found.year
    if symbol and (m := re.search(r"/((?:19|20)\d\d)(?:/|$)", symbol)):
        return int(m.group(1))
    return from_file_name(doc_id)[2] if doc_id else None


_NAME_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_NAME_YEAR_RE = re.compile(r"(?<![\dA-Za-z])((?:19|20)\d\d)(?!\d)")
_ORDINAL_PREFIX_RE = re.compile(r"^\d{1,3}[-_. ]+(?=\D)")


def from_file_name(doc_id: str) -> tuple[str, str | None, int | None]:
    """``(title, date, year)`` read from a document id made from its file name."""
    name = ascii_digits(version_key_for(doc_id, None))
    date = None
    year = None
    title = name
    if m := _NAME_DATE_RE.search(name):
        date = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
        year = int(m.group(1))
        title = (name[: m.start()] + " " + name[m.end():]).strip(" -_.") or name
    elif m := _NAME_YEAR_RE.search(name):
        year = int(m.group(1))
    title = _ORDINAL_PREFIX_RE.sub("", title)
    title = title.replace("_", " ") if "_" in title or " " in title else title.replace("-", " ")
    title = " ".join(title.split()) or doc_id
    return title, date, year
