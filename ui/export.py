"""Downloads of the current results: CSV (for spreadsheets) and JSON (for programs).

CSV is UTF-8 with a byte-order mark, so that Excel shows Arabic, and safe against formula
injection: a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return,
which some spreadsheets skip before reading a formula) is prefixed with ``'``, so a
spreadsheet shows it as text and never evaluates it. JSON is the view as it is (UTF-8,
Arabic unescaped).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from fahras.fsutil import atomic_write

CSV_COLUMNS = ("query", "rank", "label_ar", "label_en", "id", "kind", "part", "section",
               "score", "is_answer", "answer_text", "text", "citation_ar", "citation_en")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet will not evaluate as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_rows(view: dict) -> list[dict]:
    answer = view.get("answer") or {}
    rows = []
    for h in view.get("hits") or []:
        is_answer = bool(answer) and answer.get("passage_id") == h.get("id")
        rows.append({
            "query": view.get("query", ""), "rank": h.get("rank"), "label_ar": h.get("label_ar"),
            "label_en": h.get("label_en"), "id": h.get("id"), "kind": h.get("kind"),
            "part": h.get("part"), "section": h.get("section"),
            "score": f"{float(h.get('score', 0.0)):.6f}",
            "is_answer": "yes" if is_answer else "",
            "answer_text": answer.get("text", "") if is_answer else "",
            "text": h.get("text"), "citation_ar": h.get("cite_ar"),
            "citation_en": h.get("cite_en"),
        })
    return rows


def to_csv(view: dict) -> bytes:
    """The results as CSV bytes (UTF-8 with BOM, every cell formula-safe)."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(view):
        writer.writerow([safe_cell(row[c]) for c in CSV_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


def to_json(view: dict) -> bytes:
    """The results as JSON bytes: query, filters, answer, hits with citations, timing."""
    keys = ("query", "k", "kinds", "parts", "found", "answer", "hits", "expansions", "notes",
            "took_ms")
    data = {key: view.get(key) for key in keys}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _slug(query: str) -> str:
    words = re.findall(r"\w+", query or "")[:6]
    return "-".join(words)[:60] or "results"


def write_exports(view: dict, folder: str | Path, max_age_s: float = 3600.0) -> tuple[Path, Path]:
    """Write the CSV and JSON files of a view into ``folder`` (removing exports older than
    ``max_age_s``); returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("fahras-*"):
        try:
            if now - old.stat().st_mtime > max_age_s:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    sub = Path(tempfile.mkdtemp(prefix="fahras-", dir=folder))
    name = f"fahras-{_slug(view.get('query', ''))}"
    paths = (sub / f"{name}.csv", sub / f"{name}.json")
    for path, data in zip(paths, (to_csv(view), to_json(view))):
        atomic_write(path, data, durable=False)
    return paths
