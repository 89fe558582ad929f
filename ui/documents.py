"""How the page describes a document: its date, distribution and language in the page's
language («26 تموز/يوليه 2024 · عام · العربية»), each isolated so that Latin and Arabic text
keep their own order (a date in Latin letters inside Arabic would otherwise read
"July 2024 26"), and its label in the document filter. Plain text in, escaped HTML out."""

from __future__ import annotations

import html

from fahras.retrieval.citation import date_in
from fahras.ui.i18n import direction, t

TITLE_CHARS = 70


def esc(value) -> str:  # as fahras.ui.render.esc (which imports this module)
    return html.escape("" if value is None else str(value), quote=True)


def language_name(lang: str, code: str | None) -> str:
    try:
        return t(lang, f"lang_{code}")
    except KeyError:
        return str(code or "")


def date_html(lang: str, date: str | None) -> str:
    """A document's date in the page's language, isolated from the text around it (a date
    in Latin letters inside Arabic would otherwise read "July 2024 26")."""
    shown = date_in(date, lang)
    if not shown:
        return ""
    return f'<bdi class="date" dir="{direction(lang)}">{esc(shown)}</bdi>'


def distribution_name(lang: str, value: str | None) -> str:
    """"General" / «عام»: a UN document's distribution (as it is when not a known one)."""
    if not value:
        return ""
    key = "distr_" + str(value).strip().lower()
    try:
        return t(lang, key)
    except KeyError:
        return str(value)


def doc_info_html(lang: str, doc: dict, *keys: str) -> str:
    """The date, distribution and language of a document (those of ``keys`` it has), each in
    the page's language and isolated, joined by « · »."""
    parts = []
    for key in keys:
        if key == "date" and doc.get("date"):
            parts.append(date_html(lang, doc["date"]))
        elif key == "distribution" and doc.get("distribution"):
            parts.append(f"<bdi>{esc(distribution_name(lang, doc['distribution']))}</bdi>")
        elif key == "lang" and doc.get("lang"):
            parts.append(f"<bdi>{esc(language_name(lang, doc['lang']))}</bdi>")
    return " · ".join(parts)


def document_label(doc: dict, lang: str) -> str:
    """«CTOC/COP/WG.7/2024/5 · تقرير عن اجتماع ... · 26 تموز/يوليه 2024 · العربية»."""
    title = str(doc.get("title") or doc.get("id") or "")
    if len(title) > TITLE_CHARS:
        title = title[:TITLE_CHARS - 1].rstrip() + "…"
    parts = [doc.get("symbol"), title, date_in(doc.get("date"), lang) or doc.get("year"),
             language_name(lang, doc["lang"]) if doc.get("lang") else None]
    return " · ".join(str(p) for p in parts if p)
