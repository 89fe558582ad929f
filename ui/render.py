"""HTML for the web interface: pure functions from a view (plain data) to escaped markup.

Every piece of text that reaches the page -- passages, queries, labels, notes, citations,
library messages -- goes through :func:`esc`. Highlighting escapes each piece of text first and
only then wraps the highlighted pieces in ``<mark>``, so a passage or query can never inject
markup. The report's own text is always marked ``dir="rtl" lang="ar"``; the interface's labels
follow the interface language.

A *view* is the dict built by :func:`fahras.ui.view.build_view`: ``query``, ``hits`` (search hit
JSON plus ``cite_ar``/``cite_en``), ``answer`` (or None), ``found``, ``reason``, ``terms``,
``expansions``, ``notes``, ``took_ms``, ``weak_from`` (where the weaker matches start, or
None), ``error`` (an i18n key and values, or a library message, or None). Library messages
(errors, notes, reasons) are ``{"code", "params", "text"}`` and are rendered in the page's
language (:mod:`fahras.messages`); dates too («26 تموز/يوليه 2024»).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from fahras import messages
from fahras.text.arabic import script_of
from fahras.retrieval.highlight import highlight_spans, segments
from fahras.ui.documents import doc_info_html, language_name
from fahras.ui.i18n import direction, lang_of, t

RTL_LANGS = ("ar", "fa", "ur", "he")


def esc(value) -> str:
    """Text made safe for HTML content and for double- or single-quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def anchor_id(passage_id: str) -> str:
    """The element id of a passage in the report view (letters, digits, ``-``, ``_`` only)."""
    return "psg-" + re.sub(r"[^A-Za-z0-9_-]", "_", str(passage_id))


def highlighted(text: str, terms: Iterable[str], region: tuple[int, int] | None = None) -> str:
    """``text`` escaped, with the words matching ``terms`` in ``<mark>`` and ``region`` (the
    answer sentence) in ``<span class="answer-span">``."""
    spans = highlight_spans(text, terms)
    out: list[str] = []
    open_region = False
    for piece, marked, inside in segments(text, spans, region):
        if inside and not open_region:
            out.append('<span class="answer-span">')
            open_region = True
        elif not inside and open_region:
            out.append("</span>")
            open_region = False
        body = esc(piece)
        out.append(f"<mark>{body}</mark>" if marked else body)
    if open_region:
        out.append("</span>")
    return "".join(out)


def text_lang(doc: dict | None, text: str = "") -> str:
    """The language of a document's text: its metadata, else the script of the text."""
    code = (doc or {}).get("lang")
    if isinstance(code, str) and re.fullmatch(r"[a-z]{2,3}", code):
        return code
    return "en" if script_of(text) == "latin" else "ar"


def _text(inner: str, code: str, cls: str) -> str:
    """A block of a document's own text, in its language and direction."""
    d = "rtl" if code in RTL_LANGS else "ltr"
    return f'<div class="{cls}" dir="{d}" lang="{esc(code)}">{inner}</div>'


def document_line(lang: str, doc: dict | None) -> str:
    """Which document a passage is from (symbol, title, date, language): shown when the index
    holds more than one document."""
    if not doc:
        return ""
    code = text_lang(doc, str(doc.get("title") or ""))
    parts = []
    if doc.get("symbol"):
        parts.append(f'<span class="doc-symbol" dir="ltr">{esc(doc["symbol"])}</span>')
    parts.append(f'<span class="doc-title" dir="{"rtl" if code in RTL_LANGS else "ltr"}" '
                 f'lang="{esc(code)}">{esc(doc.get("title") or doc.get("id") or "")}</span>')
    info = doc_info_html(lang, doc, "date", "lang")
    if info:
        parts.append(f'<span class="doc-info">{info}</span>')
    return f'<div class="doc" dir="{direction(lang)}">{" · ".join(parts)}</div>'


def versions_html(lang: str, hit: dict, own: str, terms: Sequence[str]) -> str:
    """The passage's text beside the same passage in the document's other language versions
    (``linked``), each in its own language and direction; just ``own`` when there are none."""
    linked = [v for v in hit.get("linked") or () if isinstance(v, dict)]
    if not linked:
        return own
    own_code = text_lang(hit.get("document"), str(hit.get("text", "")))

    def head(code, label):
        return (f'<p class="version-head"><span class="version-lang">'
                f'{esc(language_name(lang, code))}</span> · '
                f'<span class="version-label">{esc(label)}</span></p>')

    label_key = "label_ar" if lang == "ar" else "label_en"
    columns = [f'<div class="version own">{head(own_code, hit.get(label_key, ""))}{own}</div>']
    for v in linked:
        code = text_lang({"lang": v.get("lang")}, str(v.get("text", "")))
        columns.append(f'<div class="version">{head(code, v.get(label_key, ""))}'
                       + _text(highlighted(str(v.get("text", "")), terms), code, "version-text")
                       + "</div>")
    return f'<div class="versions">{"".join(columns)}</div>'


def _labels(lang: str, label_ar: str, label_en: str) -> str:
    first, second = (label_ar, label_en) if lang == "ar" else (label_en, label_ar)
    first_lang, second_lang = ("ar", "en") if lang == "ar" else ("en", "ar")
    return (f'<span class="label" lang="{first_lang}">{esc(first)}</span>'
            f'<span class="label-alt" lang="{second_lang}">{esc(second)}</span>')


def _citation(lang: str, cite_ar: str, cite_en: str) -> str:
    text = cite_ar if lang == "ar" else cite_en
    text_dir = "rtl" if lang == "ar" else "ltr"
    return (
        '<div class="citation">'
        f'<span class="citation-title">{esc(t(lang, "citation"))}:</span> '
        f'<span class="cite" dir="{text_dir}" lang="{lang}">{esc(text)}</span>'
        "</div>"
    )


def _actions(lang: str, passage_id: str) -> str:
    """"Show in the report" and "Copy citation" (fahras.js handles both clicks)."""
    return (
        '<div class="actions">'
        f'<button type="button" class="show-in-report" data-anchor="{esc(anchor_id(passage_id))}" '
        f'data-hide="{esc(t(lang, "hide_in_place"))}">'
        f'{esc(t(lang, "show_in_report"))}</button>'
        f'<button type="button" class="copy-cite" data-copied="{esc(t(lang, "copied"))}">'
        f'{esc(t(lang, "copy_citation"))}</button>'
        "</div>"
    )


def message_html(text: str, kind: str = "info", lang: str | None = None) -> str:
    """A one-line message (``info`` or ``error``) in the interface language's direction."""
    lang = lang_of(lang)
    role = ' role="alert"' if kind == "error" else ""
    return (f'<div class="fahras-msg {esc(kind)}" dir="{direction(lang)}"{role}>'
            f'<p dir="auto">{esc(text)}</p></div>')


def error_text(error: dict | str, lang: str | None) -> str:
    """An error of a view in the interface language: the interface's own (``{"key",
    "values"}``) or the library's (``{"code", "params"}``)."""
    if isinstance(error, str):
        return error
    if "key" in error:
        return t(lang, error["key"], **(error.get("values") or {}))
    return messages.render(error, lang_of(lang))


def intro_html(lang: str | None) -> str:
    return message_html(t(lang, "intro"), "info", lang)


def status_html(view: dict | None, lang: str | None) -> str:
    """Number of passages, time taken, the Arabic terms an English query matched, notes (and
    what the page is told about the index: rebuilt, reloaded)."""
    lang = lang_of(lang)
    notice = index_notice_html((view or {}).get("index_notice"), lang)
    if not view or view.get("error"):
        return notice
    parts = [notice] if notice else []
    parts += [f'<p class="counts">{esc(t(lang, "status", n=len(view.get("hits", ())), ms=round(view.get("took_ms", 0))))}</p>']
    expansions = [e for e in view.get("expansions") or () if e.get("arabic")]
    if expansions:
        items = []
        for e in expansions:
            arabic = " / ".join(str(a) for a in e.get("arabic", ()))
            items.append(f'<li><span class="exp-source" dir="auto">{esc(e.get("source", ""))}</span>'
                         f' → <span class="exp-arabic" dir="rtl" lang="ar">{esc(arabic)}</span></li>')
        parts.append(f'<div class="expansions"><span>{esc(t(lang, "matched_on"))}</span>'
                     f'<ul>{"".join(items)}</ul></div>')
    for note in view.get("notes") or ():
        parts.append(f'<p class="note" dir="auto">{esc(messages.render(note, lang))}</p>')
    return f'<div class="fahras-status" dir="{direction(lang)}">{"".join(parts)}</div>'


def index_notice_html(notice: dict | None, lang: str) -> str:
    """"The index was rebuilt and has been reloaded" / "... cannot be read: restart"."""
    if not notice:
        return ""
    values = dict(notice.get("values") or {})
    if notice.get("error"):
        values["message"] = messages.render(notice["error"], lang)
    return (f'<p class="index-notice" role="status" dir="{direction(lang)}">'
            f'{esc(t(lang, notice["key"], **values))}</p>')


def _reason(lang: str, reason: dict | str | None) -> str:
    """Why there is no answer, in the page's language («المغرب» in a reason stays as the
    question wrote it); a reason the catalog does not know is shown in English, said so."""
    if not reason:
        return ""
    if isinstance(reason, dict) and reason.get("code"):
        return (f'<p class="reason"><span class="reason-title">{esc(t(lang, "reason"))}</span> '
                f'<span dir="auto" lang="{lang}">{esc(messages.render(reason, lang))}</span></p>')
    english = messages.render(reason, "en")
    return (f'<p class="reason"><span class="reason-title">{esc(t(lang, "reason_english"))}'
            f'</span> <span dir="ltr" lang="en">{esc(english)}</span></p>')


def answer_html(view: dict | None, lang: str | None) -> str:
    """The answer card: the report's sentence, its label and citation -- or "not in the
    report". Empty when there is no view, an error, or answers are not available."""
    lang = lang_of(lang)
    if not view or view.get("error"):
        return ""
    if view.get("found") is None:  # answers unavailable in this version of the library
        return ""
    d = direction(lang)
    if not view.get("found") or not view.get("answer"):
        return (f'<section class="fahras-answer not-found" dir="{d}" aria-live="polite">'
                f'<h2>{esc(t(lang, "answer"))}</h2>'
                f'<p class="not-found-text">{esc(t(lang, "not_found"))}</p>'
                + _reason(lang, view.get("reason")) +
                f'<p class="hint">{esc(t(lang, "not_found_more"))}</p></section>')
    a = view["answer"]
    terms = view.get("terms", ())
    doc = a.get("document") if _many_documents(view) else None
    code = text_lang(a.get("document"), str(a.get("text", "")))
    return (
        f'<section class="fahras-answer found" dir="{d}" aria-live="polite">'
        f'<h2>{esc(t(lang, "answer"))} <span class="answer-label">'
        f'{_labels(lang, a.get("ref_ar") or a.get("label_ar", ""), a.get("ref_en") or a.get("label_en", ""))}'
        '</span></h2>'
        + document_line(lang, doc)
        + _text(highlighted(str(a.get("text", "")), terms), code, "answer-text")
        + _citation(lang, a.get("cite_ar", ""), a.get("cite_en", ""))
        + _actions(lang, a.get("passage_id", ""))
        + "</section>"
    )


def _part_label(lang: str, part: str | None) -> str:
    key = f"part_{part}"
    try:
        return t(lang, key)
    except KeyError:
        return str(part or "")


def _many_documents(view: dict) -> bool:
    return int(view.get("n_documents") or 1) > 1


def hit_html(hit: dict, lang: str, terms: Sequence[str], answer: dict | None = None,
             show_document: bool = False, weak: bool = False) -> str:
    region = None
    if answer and answer.get("passage_id") == hit.get("id"):
        try:
            region = (int(answer["start"]), int(answer["end"]))
        except (KeyError, TypeError, ValueError):
            region = None
    code = text_lang(hit.get("document"), str(hit.get("text", "")))
    section = _text(esc(hit.get("section", "")), code, "section")
    if lang == "en" and hit.get("section_en") and hit.get("section_en") != hit.get("section"):
        section = f'<div class="section-en" dir="ltr">{esc(hit["section_en"])}</div>' + section
    pinned = (f'<span class="pinned">{esc(t(lang, "pinned"))}</span>' if hit.get("pinned") else "")
    return (
        f'<article class="hit{" weak" if weak else ""}" '
        f'data-anchor="{esc(anchor_id(hit.get("id", "")))}">'
        '<header class="hit-head">'
        f'<span class="rank">{esc(hit.get("rank", ""))}</span>'
        f'{_labels(lang, hit.get("label_ar", ""), hit.get("label_en", ""))}'
        f'<span class="part">{esc(_part_label(lang, hit.get("part")))}</span>{pinned}'
        f'<span class="score" title="{esc(t(lang, "score"))}">{esc(t(lang, "score"))} '
        f'{float(hit.get("score", 0.0)):.3f}</span>'
        "</header>"
        + (document_line(lang, hit.get("document")) if show_document else "")
        + section
        + versions_html(lang, hit, _text(highlighted(str(hit.get("text", "")), terms, region),
                                         code, "hit-text"), terms)
        + _citation(lang, hit.get("cite_ar", ""), hit.get("cite_en", ""))
        + _actions(lang, hit.get("id", ""))
        + "</article>"
    )


def hits_html(view: dict | None, lang: str | None) -> str:
    """The ranked passages, or the error / empty-state message."""
    lang = lang_of(lang)
    if not view:
        return intro_html(lang)
    if view.get("error"):
        return message_html(error_text(view["error"], lang), "error", lang)
    hits = view.get("hits") or []
    if not hits:
        return message_html(t(lang, "no_hits"), "info", lang)
    terms = view.get("terms", ())
    many = _many_documents(view)
    weak_from = view.get("weak_from")
    body = []
    for i, h in enumerate(hits):
        weak = weak_from is not None and i >= weak_from
        if weak and i == weak_from:
            body.append(weaker_divider(lang, len(hits) - i))
        body.append(hit_html(h, lang, terms, view.get("answer"), many, weak))
    body = "".join(body)
    return (f'<section class="fahras-hits" dir="{direction(lang)}" '
            f'data-query="{esc(view.get("query", ""))}">'
            f'<h2>{esc(t(lang, "passages"))}</h2>{body}</section>')


def weaker_divider(lang: str, n: int) -> str:
    """The line under which the results are weaker matches (their scores drop clearly)."""
    return (f'<div class="weaker-divider" role="separator" dir="{direction(lang)}">'
            f'<span>{esc(t(lang, "weaker", n=n))}</span></div>')


def report_html(passages: Sequence, documents: Sequence[dict], terms: Iterable[str] = (),
                focus_id: str | None = None, lang: str | None = None) -> str:
    """The whole report (every passage in order, headings included) with the query's words
    highlighted and the passage ``focus_id`` set apart (the page scrolls to it)."""
    lang = lang_of(lang)
    terms = tuple(terms)
    out = [f'<div class="fahras-report" dir="{direction(lang)}">',
           f'<p class="hint">{esc(t(lang, "report_hint"))}</p>']
    by_doc: dict[str, list] = {}
    for p in passages:
        by_doc.setdefault(p.doc, []).append(p)
    metas = {d.get("id"): d for d in documents}
    for doc_id, doc_passages in by_doc.items():
        meta = metas.get(doc_id, {})
        code = text_lang(meta, doc_passages[0].text if doc_passages else "")
        d = "rtl" if code in RTL_LANGS else "ltr"
        out.append(f'<article class="report-doc" dir="{d}" lang="{esc(code)}">')
        out.append('<header class="report-head">')
        if meta.get("body"):
            out.append(f'<p class="report-body">{esc(meta["body"])}</p>')
        out.append(f'<h3 class="report-title">{esc(meta.get("title") or doc_id)}</h3>')
        info = doc_info_html(lang, meta, "date", "distribution")
        if info:
            out.append(f'<p class="report-info" dir="{direction(lang)}">{info}</p>')
        out.append("</header>")
        for p in sorted(doc_passages, key=lambda p: p.order):
            focus = " focus" if p.id == focus_id else ""
            anchor = esc(anchor_id(p.id))
            title = esc(p.label_en)
            if p.kind == "heading":
                level = "h4" if "." in str(p.number or "") else "h3"
                out.append(f'<{level} id="{anchor}" class="rp heading{focus}" title="{title}">'
                           f'{highlighted(p.text, terms)}</{level}>')
                continue
            cls = "rec" if p.kind == "recommendation" else "para"
            out.append(
                f'<div id="{anchor}" class="rp {cls}{focus}" title="{title}">'
                f'<span class="rp-label">{esc(p.label_ar if code == "ar" else p.label_en)}</span>'
                f'<div class="rp-text">{highlighted(p.text, terms)}</div></div>')
        out.append("</article>")
    out.append("</div>")
    return "".join(out)

