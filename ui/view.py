"""One search as the interface shows it: a plain-data *view* built from library calls.

:func:`build_view` runs the question through the library (``Searcher.ask`` for the answer and
the ranked passages), adds what the page needs (citations, the terms to highlight, the time
taken) and returns a JSON-able dict. The renderer (:mod:`fahras.ui.render`) and the exports
(:mod:`fahras.ui.export`) work from that dict only, so switching the interface language or
downloading the results never searches again. Nothing here imports gradio.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from fahras import messages
from fahras.errors import FahrasError
from fahras.index.report import KINDS, PART_LABELS
from fahras.retrieval.citation import cite
from fahras.retrieval.corpus import select_documents
from fahras.retrieval.highlight import query_terms
from fahras.retrieval.relevance import weaker_from
from fahras.retrieval.searcher import MAX_K, MAX_QUERY_CHARS
from fahras.ui import filters as doc_filters

PARTS = tuple(p for p in PART_LABELS if p != "other")
DEFAULT_KINDS = ("paragraph", "recommendation")
DEFAULT_K = 10
UI_MAX_K = 30


def _document(searcher, doc_id: str) -> dict:
    for d in searcher.documents:
        if d.get("id") == doc_id:
            return d
    return {"id": doc_id}


def _with_citations(searcher, hit: dict) -> dict:
    hit = dict(hit)
    passage = searcher.passage(hit["id"])
    meta = _document(searcher, passage.doc)
    hit["cite_ar"] = cite(passage, meta, "ar")
    hit["cite_en"] = cite(passage, meta, "en")
    return hit


def _answer(searcher, answer: dict | None) -> dict | None:
    if not answer:
        return None
    answer = dict(answer)
    passage = searcher.passage(answer["passage_id"])
    meta = _document(searcher, passage.doc)
    start = answer.get("start")
    offset = int(start) if isinstance(start, int) else None
    # The label narrowed to the list item the sentence is in: «الفقرة 28 (هـ)».
    answer["ref_ar"], answer["ref_en"] = passage.cite_labels(offset)
    answer["cite_ar"] = cite(passage, meta, "ar", offset)
    answer["cite_en"] = cite(passage, meta, "en", offset)
    answer["document"] = {k: meta.get(k) for k in ("id", "symbol", "title", "date", "year",
                                                     "lang")}
    return answer


def _error(key: str, **values) -> dict:
    """An error of the interface itself (an i18n key of :mod:`fahras.ui.i18n`)."""
    return {"key": key, "values": values}


def _message(value) -> dict | None:
    """A library message as plain data the page renders in its language: ``{"code",
    "params", "text"}`` (``text``, the English one, alone when it has no code)."""
    if value is None:
        return None
    if isinstance(value, (messages.Message, FahrasError)):
        return value.to_json()
    return {"text": str(value)}


def _reason(result) -> dict | None:
    """Why ``ask`` gave no answer: its code and parameters when the answer layer gives them
    (``reason_code``, ``reason_params``), else its English reason read back as a message of
    the catalog (:func:`fahras.messages.parse`), else the English text as it is."""
    code = getattr(result, "reason_code", None)
    if code:
        params = messages.jsonable(dict(getattr(result, "reason_params", None) or {}))
        return messages.from_json({"code": code, "params": params}).to_json()
    reason = getattr(result, "reason", None)
    if not reason:
        return None
    return _message(messages.parse(reason, "refuse_") or reason)


def _refusal(query: str, kinds, parts, langs, years) -> dict | None:
    """What the page refuses before asking the library: an empty or too long query, or a
    filter with nothing chosen (None is "all")."""
    if not query:
        return _error("err_empty")
    if len(query) > MAX_QUERY_CHARS:
        return _error("err_long", n=len(query), limit=MAX_QUERY_CHARS)
    for chosen, key in ((kinds, "err_no_kinds"), (parts, "err_no_parts"),
                        (langs, "err_no_langs"), (years, "err_no_years")):
        if chosen is not None and not chosen:
            return _error(key)
    return None


def build_view(searcher, query: str | None, k: int = DEFAULT_K,
               kinds: Sequence[str] | None = DEFAULT_KINDS,
               parts: Sequence[str] | None = None, docs: Sequence[str] | None = None,
               langs: Sequence[str] | None = None,
               years: Sequence[str] | None = None) -> dict:
    """Search (and answer) ``query``; the view the page renders and exports. ``docs`` (ids;
    none: every document), ``langs`` and ``years`` (None: all; empty: none chosen) are the
    document filters."""
    # Lone surrogates (a browser can send them) are not text: U+FFFD, as the library does.
    query = str(query or "").encode("utf-16", "surrogatepass").decode("utf-16", "replace").strip()
    documents = list(getattr(searcher, "documents", None) or ())
    view: dict = {"query": query, "k": k, "kinds": list(kinds or []), "parts": list(parts or []),
                  "docs": list(docs or []), "langs": None if langs is None else list(langs),
                  "years": None if years is None else list(years),
                  "hits": [], "answer": None, "found": None, "reason": None, "expansions": [],
                  "notes": [], "terms": [], "took_ms": 0.0, "error": None, "weak_from": None,
                  "n_documents": len(documents)}
    langs = doc_filters.narrowed(langs, doc_filters.languages(documents))
    years = doc_filters.narrowed(years, doc_filters.years(documents))
    view["error"] = _refusal(query, kinds, parts, langs, years)
    if view["error"]:
        return view
    kinds = [x for x in (kinds or DEFAULT_KINDS) if x in KINDS]
    parts = None if not parts or set(PARTS) <= set(parts) else [p for p in parts if p in PARTS]
    try:
        k = max(1, min(int(k), MAX_K))
    except (TypeError, ValueError):
        k = DEFAULT_K
    view["k"] = k
    filters = {"kinds": kinds, "parts": parts}
    try:
        chosen = select_documents(documents, docs or None, years, langs)
        if chosen is not None:
            filters["docs"] = chosen
        t0 = time.perf_counter()
        result = searcher.ask(query, k=k, **filters)
        data = result.to_json()
        view["found"] = bool(data.get("found"))
        view["reason"] = None if view["found"] else _reason(result)
        view["answer"] = _answer(searcher, data.get("answer"))
        view["took_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    except FahrasError as e:  # the library's message, in the page's language when rendered
        view["error"] = _message(e)
        return view
    view["hits"] = [_with_citations(searcher, h) for h in data.get("hits", [])]
    view["weak_from"] = weaker_from([float(h.get("score", 0.0)) for h in view["hits"]])
    view["expansions"] = list(result.search.expansions)
    view["notes"] = [_message(n) for n in result.search.notes]
    view["terms"] = sorted(query_terms(query, view["expansions"]))
    return view
