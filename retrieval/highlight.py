"""Which words of a passage a query matched: spans of the report's own characters to highlight.

Matching is done the way search matches: a passage token is highlighted when one of its index
terms (:func:`fahras.text.arabic.terms_of_token`) is one of the query's terms or of the
Arabic terms an English query was expanded to. Tokens are found in the normalized text and
mapped back to the original characters (:meth:`Normalized.original_span`), so a query
«الاطفال» highlights «الأَطْفَال» whole, diacritics, hamza and tatweel included.

The spans are plain ``(start, end)`` offsets into the original text; turning them into markup
(and escaping the text) is the caller's business.
"""

from __future__ import annotations

from collections.abc import Iterable

from fahras.text.arabic import (
    analyze,
    normalize_with_offsets,
    terms_of_token,
    tokenize_normalized,
)

Span = tuple[int, int]


def query_terms(query: str, expansions: Iterable[dict] | None = None) -> frozenset[str]:
    """The terms a query matches on: its own analyzed terms and its expansions' terms."""
    terms = set(analyze(query or ""))
    for exp in expansions or ():
        terms.update(t for t in exp.get("terms", ()) if isinstance(t, str) and t)
    return frozenset(terms)


def highlight_spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Spans of ``text`` (original characters) whose tokens carry one of ``terms``.

    Spans are sorted and do not overlap; a span never starts or ends inside a character
    sequence that normalizes as one unit.
    """
    wanted = frozenset(terms)
    if not text or not wanted:
        return []
    norm = normalize_with_offsets(text)
    spans: list[Span] = []
    for tok in tokenize_normalized(norm.text):
        if wanted.intersection(terms_of_token(tok)):
            start, end = norm.original_span(tok.start, tok.end)
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
    return spans


def segments(text: str, spans: Iterable[Span], region: Span | None = None
             ) -> list[tuple[str, bool, bool]]:
    """Cut ``text`` into ``(piece, highlighted, in_region)`` runs, in order.

    ``spans`` are highlight spans (as from :func:`highlight_spans`); ``region`` an optional
    span to set apart as well (the answer sentence inside its passage), widened if needed so
    that it never cuts a highlighted word in two. Pieces concatenate back to ``text`` exactly.
    """
    n = len(text)
    cuts = {0, n}
    clean: list[Span] = []
    for a, b in spans:
        a, b = max(0, min(a, n)), max(0, min(b, n))
        if a < b:
            clean.append((a, b))
            cuts.update((a, b))
    if region is not None:
        ra, rb = max(0, min(region[0], n)), max(0, min(region[1], n))
        for a, b in clean:
            if a < ra < b:
                ra = a
            if a < rb < b:
                rb = b
        region = (ra, rb) if ra < rb else None
        if region:
            cuts.update(region)
    points = sorted(cuts)
    out: list[tuple[str, bool, bool]] = []
    for a, b in zip(points, points[1:]):
        if a == b:
            continue
        marked = any(s <= a and b <= e for s, e in clean)
        inside = region is not None and region[0] <= a and b <= region[1]
        if out and out[-1][1] == marked and out[-1][2] == inside:
            out[-1] = (out[-1][0] + text[a:b], marked, inside)
        else:
            out.append((text[a:b], marked, inside))
    return out
