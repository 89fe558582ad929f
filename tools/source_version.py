"""A hash of the source a cached feature depends on, for the fitting tools' caches
(tools/fit_fusion.py, tools/answer_data.py): when it changes, cached features are recomputed.

It covers the code and data of text analysis, indexing and retrieval (``fahras/text``,
``fahras/data``, ``index``, ``retrieval``: ``.py``, ``.tsv``, ``.json``), less the fitted model
files the tools themselves write and, when asked, the answer layer (which the ranking features
do not read).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("fahras/text", "fahras/data", "index", "retrieval")
SUFFIXES = (".py", ".tsv", ".json")
FITTED = ("answer_model.json", "fusion_model.json")


def source_version(without_answer: bool = False, repo: Path = REPO) -> str:
    h = hashlib.sha256()
    for root in ROOTS:
        for p in sorted((repo / root).rglob("*")):
            if (not p.is_file() or p.suffix not in SUFFIXES or p.name in FITTED
                    or "__pycache__" in p.parts or (without_answer and "answer" in p.parts)):
                continue
            h.update(p.relative_to(repo).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]
