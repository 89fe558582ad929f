"""Reading a document file into the passages a researcher can cite.

- :func:`read_text` reads a text file as UTF-8 (refusing, with a clear message, what is not);
- :func:`parse_report` parses a document's text with the layout it is in
  (:mod:`fahras.index.layouts`: the UN Arabic and English report layouts, numbered paragraphs,
  plain prose; headings; metadata from the header, else the file name, :mod:`fahras.index.header`);
- :func:`load_report` / :func:`parse_file_text` do both, refusing a text with nothing to cite.

The structures (:class:`Document`, :class:`Passage`, :class:`Item`) are in
:mod:`fahras.index.document`; they are importable from here too.
"""

from __future__ import annotations

import re
from pathlib import Path

from fahras.errors import CorpusError
from fahras.index.document import (  # noqa: F401  (the public names of this module)
    ITEM_LETTERS,
    KINDS,
    LANGUAGES,
    LATIN_ITEM_TO_AR,
    PART_LABELS,
    SECTION_SEP,
    Document,
    Item,
    Passage,
    version_key_for,
)

# Bump when parsing changes what passages a text gives: incremental indexing re-reads documents.
PARSER_VERSION = "3"


def read_text(path: str | Path) -> str:
    """Read a corpus file as UTF-8, refusing with a clear message what is not a usable text."""
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


def parse_report(text: str, doc_id: str, source: str = "") -> Document:
    """Parse a document's text (UN layouts, numbered paragraphs or prose: chosen from the text)."""
    from fahras.index.layouts import parse  # its patterns compile on first use, not on import

    return parse(text, doc_id, source)


def load_report(path: str | Path, doc_id: str | None = None) -> Document:
    """Read and parse a text file."""
    return parse_file_text(read_text(path), path, doc_id)


def parse_file_text(text: str, path: str | Path, doc_id: str | None = None) -> Document:
    """Parse the text read from a file, refusing a text with nothing to cite."""
    doc = parse_report(text, doc_id or doc_id_for(path), source=str(path))
    if not doc.citable:
        raise CorpusError("corpus_no_paragraph", path=path)
    return doc
