"""A corpus's own glossary files: found beside its documents, read as rows, kept in the index.

Fahras' general English-Arabic glossary (UN bodies, instruments, terms of art, months,
countries) ships with it. What belongs to one corpus -- a report's own phrasings, its spelling,
a task force only it names -- is written in a glossary file that lives beside that corpus, in
the same tab-separated format (columns ``kind``, ``en``, ``ar``, ``weight``, ``note``; ``#``
lines are comments; see docs/crosslingual.md):

- ``glossary.tsv`` in a document's folder applies to every document of that folder;
- ``NAME.glossary.tsv`` beside a document applies to it, where NAME is the document's file name
  without its extension, or without its language part too: ``report.ar.txt`` reads
  ``report.ar.glossary.tsv`` and ``report.glossary.tsv`` (shared by its language versions).

The rows are stored in the index (``glossaries.json``, :mod:`fahras.index.store`), each file once
with the documents it applies to, so a search never needs the corpus folder. This module reads
them as plain rows of text; :mod:`fahras.retrieval.crosslingual.glossary` makes them entries.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path

from fahras.errors import CorpusError

FOLDER_FILE = "glossary.tsv"
SUFFIX = ".glossary.tsv"
COLUMNS = ("kind", "en", "ar", "weight", "note")
MAX_BYTES = 5_000_000  # a glossary, not a corpus


def files_for(document: str | Path) -> list[Path]:
    """The glossary files that apply to a document file, folder file first."""
    path = Path(document)
    names = [FOLDER_FILE]
    stem = path.name
    while "." in stem:
        stem = stem.rsplit(".", 1)[0]
        names.append(stem + SUFFIX)
    return [path.parent / n for n in dict.fromkeys(names) if (path.parent / n).is_file()]


def read_rows(path: str | Path) -> list[list[str]]:
    """The rows of a glossary file (five cells each, stripped), checked: each has a kind, an
    English and an Arabic side, and a weight that is a number in (0, 1] or empty. A file that
    is not in the format is refused with its name and line number."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CorpusError("glossary_too_large", path=path, limit=MAX_BYTES)
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CorpusError("glossary_not_utf8", path=path) from None
    except OSError as e:
        raise CorpusError("glossary_unreadable", path=path, reason=e.strerror or str(e)) from None
    out: list[list[str]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = [c.strip() for c in next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))]
        if not out and row[:3] == list(COLUMNS[:3]):
            continue  # the header
        if len(row) > len(COLUMNS):
            raise CorpusError("glossary_too_many_cells", path=path, line=n, cells=len(row),
                              most=len(COLUMNS), columns=", ".join(COLUMNS))
        row += [""] * (len(COLUMNS) - len(row))
        if not all(row[:3]) or not _has_variant(row[1]) or not _has_variant(row[2]):
            raise CorpusError("glossary_row_incomplete", path=path, line=n,
                              columns=", ".join(COLUMNS))
        if row[3] and not _weight_ok(row[3]):
            raise CorpusError("glossary_weight", path=path, line=n, weight=row[3][:20])
        out.append(row)
    return out


def _has_variant(cell: str) -> bool:
    return any(v.strip() for v in cell.split("|"))


def _weight_ok(cell: str) -> bool:
    try:
        w = float(cell)
    except ValueError:
        return False
    return 0 < w <= 1


def collect(documents: Sequence[tuple[str, str]], previous: Sequence[dict] = (),
            kept: Sequence[str] = ()) -> list[dict]:
    """The glossaries of a corpus: ``documents`` are (id, file path) of the documents read
    now, ``kept`` the ids of documents carried over from the previous generation, whose
    glossaries (``previous``, as stored) stay as they were. Each glossary file appears once:
    ``{"file": name, "sha256": ..., "docs": [ids], "rows": [...]}``."""
    out: dict[tuple[str, str], dict] = {}
    kept_ids = set(kept)
    for g in previous:
        docs = [d for d in g.get("docs", ()) if d in kept_ids]
        if docs:
            key = (g["file"], g["sha256"])
            out[key] = {**g, "docs": docs}
    for doc_id, source in documents:
        for path in files_for(source):
            blob = path.read_bytes() if path.stat().st_size <= MAX_BYTES else b""
            key = (path.name, hashlib.sha256(blob).hexdigest())
            if key not in out:
                out[key] = {"file": path.name, "sha256": key[1], "docs": [],
                            "rows": read_rows(path)}
            if doc_id not in out[key]["docs"]:
                out[key]["docs"].append(doc_id)
    return list(out.values())


def check(glossaries) -> str | None:
    """What is wrong with stored glossaries (None: nothing), for the index's consistency check."""
    if not isinstance(glossaries, list):
        return "glossaries are not a list"
    for g in glossaries:
        if (not isinstance(g, dict) or not isinstance(g.get("rows"), list)
                or not isinstance(g.get("docs"), list)
                or not all(isinstance(r, list) and len(r) == len(COLUMNS)
                           and all(isinstance(c, str) for c in r) for r in g["rows"])):
            return "a glossary that is not rows of text"
    return None
