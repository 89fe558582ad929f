"""The web interface (Gradio Blocks): layout and event wiring only.

The searcher is opened and warmed up once by :func:`fahras.ui.server.serve`; every event calls the library
through :func:`fahras.ui.view.build_view` and renders with :mod:`fahras.ui.render`. Named API
endpoints ``/search`` and ``/ask`` return the library's JSON (``POST /gradio_api/call/search``
or ``gradio_client``). Gradio is imported inside these functions only, so the rest of Fahras
never pays for it.

Private by default: analytics and hub calls off, no share link, no monitoring endpoint, no run
history; it listens on 127.0.0.1 unless told otherwise.
"""


import tempfile
from functools import partial
from pathlib import Path

from fahras.errors import FahrasError
from fahras.index.report import KINDS
from fahras.retrieval.searcher import DEFAULT_KINDS, MAX_K, MAX_QUERY_CHARS
from fahras.ui import filters as doc_filters
from fahras.ui.documents import doc_info_html
from fahras.ui import render
from fahras.ui.apiguard import api_k, api_list, refuse_missing_values
from fahras.ui.export import write_exports
from fahras.ui.i18n import DEFAULT_LANG, EXAMPLES, lang_of, t
from fahras.ui.live import LiveSearcher
from fahras.ui.view import DEFAULT_K, PARTS, UI_MAX_K, build_view

STATIC = Path(__file__).parent / "static"
LANG_CHOICES = [("العربية", "ar"), ("English", "en")]
LANG_LABEL = "اللغة · Language"  # readable whichever language is on

# After the report view re-renders, bring its focused passage into view (see fahras.js).
_REPORT_JS = """
const go = () => window.fahrasScrollToFocus && window.fahrasScrollToFocus(element);
watch('value', go);
setTimeout(go, 0);
"""


def static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def head_html() -> str:
    return f"<script>\n{static('fahras.js')}\n</script>"


def theme():
    import gradio as gr

    # Local fonts only: nothing is fetched from a font service.
    sans = ["Noto Naskh Arabic", "Amiri", "Noto Sans Arabic", "DejaVu Sans", "Arial",
            "sans-serif"]
    return gr.themes.Default(font=sans, font_mono=["DejaVu Sans Mono", "monospace"])


def header_html(searcher, lang: str) -> str:
    """The page header: the report's title, or how many documents the index holds."""
    documents = searcher.documents or []
    if len(documents) > 1:
        about = (f'<p class="doc-title" dir="auto">'
                 f'{render.esc(t(lang, "n_documents", n=len(documents)))}</p>')
    else:
        doc = documents[0] if documents else {}
        code = render.text_lang(doc, str(doc.get("title") or ""))
        info = doc_info_html(lang, doc, "date", "distribution")
        about = (f'<p class="doc-title" dir="{"rtl" if code in render.RTL_LANGS else "ltr"}" '
                 f'lang="{render.esc(code)}">{render.esc(doc.get("title") or "")}</p>'
                 f'<p class="doc-info" dir="{"rtl" if lang == "ar" else "ltr"}">{info}</p>')
    return (
        f'<header class="fahras-header" dir="{"rtl" if lang == "ar" else "ltr"}">'
        f'<h1><span lang="ar">فهرس</span> <span class="latin" lang="en">Fahras</span></h1>'
        f'<p class="tagline">{render.esc(t(lang, "tagline"))}</p>'
        f'{about}'
        "</header>"
    )


def _focus(view: dict | None) -> str | None:
    if not view or view.get("error"):
        return None
    if view.get("answer"):
        return view["answer"].get("passage_id")
    hits = view.get("hits") or []
    return hits[0]["id"] if hits else None


def notice_html() -> str:
    """The place of the "pasted text too long" notice (fahras.js fills it in the page's
    language as the text is typed or pasted: nothing is cut)."""
    texts = {lang: t(lang, "too_long_notice", n="{n}", limit="{limit}") for lang in ("ar", "en")}
    return (f'<div class="query-notice" role="status" data-limit="{MAX_QUERY_CHARS}" '
            f'data-ar="{render.esc(texts["ar"])}" data-en="{render.esc(texts["en"])}" '
            'hidden></div>')


def _index_notice(live: LiveSearcher, seen: int | None) -> dict | None:
    """What the page is told about the index: rebuilt and reloaded since the page was opened
    (its filters may be out of date), or rebuilt but unreadable (restart the server)."""
    if live.problem is not None:
        return {"key": "index_stale", "error": live.problem.to_json()}
    if seen is not None and live.reloads != seen:
        return {"key": "index_reloaded", "values": {"n": len(live.searcher.documents or ())}}
    return None


def build_app(searcher, export_dir: str | Path | None = None):
    """The Blocks app over an opened searcher, or a :class:`~fahras.ui.live.LiveSearcher`
    (call ``.queue()`` and ``.launch()`` on it)."""
    import gradio as gr

    live = searcher if isinstance(searcher, LiveSearcher) else LiveSearcher(searcher)
    export_dir = Path(export_dir or tempfile.mkdtemp(prefix="fahras-exports-"))
    lang0 = DEFAULT_LANG
    documents0 = list(live.searcher.documents or ())

    def part_choices(lang):
        return [(t(lang, f"part_{p}"), p) for p in PARTS]

    def kind_choices(lang):
        return [(t(lang, f"kind_{k}"), k) for k in KINDS]

    def filter_specs(documents, lang, reset: bool = False) -> tuple[dict, dict, dict]:
        """The document, language and year filters: labels and choices in ``lang``, shown
        when the index has more than one value (``reset``: every document, language, year)."""
        langs, years = doc_filters.languages(documents), doc_filters.years(documents)
        docs_u = dict(label=t(lang, "documents"), info=t(lang, "documents_info"),
                      choices=doc_filters.document_choices(documents, lang),
                      visible=doc_filters.offered(documents))
        langs_u = dict(label=t(lang, "languages"),
                       choices=doc_filters.language_choices(documents, lang),
                       visible=doc_filters.offered(langs))
        years_u = dict(label=t(lang, "years"), choices=years, visible=doc_filters.offered(years))
        if reset:
            docs_u["value"], langs_u["value"], years_u["value"] = [], langs, years
        return docs_u, langs_u, years_u

    def document_filters(documents, lang, reset: bool = False):
        return tuple(gr.update(**spec) for spec in filter_specs(documents, lang, reset))

    def report_for(view, lang):
        terms = (view or {}).get("terms") or ()
        s = live.searcher
        return render.report_html(s.passages, s.documents, terms, _focus(view), lang)

    def results(view, lang):
        """Outputs of a search: status, answer, hits, report, the two downloads, the view."""
        lang = lang_of(lang)
        if view and not view.get("error") and view.get("hits"):
            csv_path, json_path = write_exports(view, export_dir)
            downloads = (gr.update(value=str(csv_path), interactive=True),
                         gr.update(value=str(json_path), interactive=True))
        else:
            downloads = (gr.update(value=None, interactive=False),
                         gr.update(value=None, interactive=False))
        return (render.status_html(view, lang), render.answer_html(view, lang),
                render.hits_html(view, lang), report_for(view, lang), *downloads, view)

    def on_search(query, k, kinds, parts, docs, langs, years, lang, seen):
        view = build_view(live.current(), query, k, kinds, parts, docs, langs, years)
        view["index_notice"] = _index_notice(live, seen)
        return results(view, lang)

    def on_filter(query, k, kinds, parts, docs, langs, years, lang, seen, view):
        """A filter or the number of results changed: search again, if there are results
        to update (nothing happens before the first search or with an empty box)."""
        if not view or not str(query or "").strip():
            return tuple(gr.skip() for _ in outputs)
        return on_search(query, k, kinds, parts, docs, langs, years, lang, seen)

    def on_example(example, k, kinds, parts, docs, langs, years, lang, seen):
        return (example, *on_search(example, k, kinds, parts, docs, langs, years, lang, seen))

    def on_language(lang, view):
        lang = lang_of(lang)
        return (
            header_html(live.searcher, lang),
            gr.update(label=t(lang, "query_label"), placeholder=t(lang, "query_placeholder")),
            gr.update(value=t(lang, "search")),
            f'<span class="examples-label">{render.esc(t(lang, "examples"))}</span>',
            gr.update(label=t(lang, "filters")),
            gr.update(label=t(lang, "parts"), choices=part_choices(lang)),
            gr.update(label=t(lang, "kinds"), choices=kind_choices(lang)),
            gr.update(label=t(lang, "k")),
            *document_filters(live.searcher.documents or [], lang),
            gr.update(label=t(lang, "download_csv")),
            gr.update(label=t(lang, "download_json")),
            f'<h2 class="report-heading">{render.esc(t(lang, "report"))}</h2>',
            render.status_html(view, lang), render.answer_html(view, lang),
            render.hits_html(view, lang), report_for(view, lang),
        )

    def on_load(request: gr.Request):
        """A page opens (or is refreshed): its language from the URL (``?lang=en``), and the
        header and document filters of the index as it is now."""
        wanted = request.query_params.get("lang") if request else None
        lang = lang_of(wanted)
        current = live.current()
        return (lang, header_html(current, lang),
                *document_filters(current.documents or [], lang, reset=True), live.reloads)

    # -- the named API ------------------------------------------------------------------
    def api_search(query: str, k: int = 10, kinds: list[str] | None = None,
                   parts: list[str] | None = None, mode: str = "hybrid") -> dict:
        """Search the report: the k best passages for a query in Arabic or English, best
        first (the JSON of `fahras search --json`)."""
        try:
            return live.current().search(
                query, api_k(k, 10), kinds=api_list(kinds, "kinds") or DEFAULT_KINDS,
                parts=api_list(parts, "parts"), mode="hybrid" if mode is None else mode).to_json()
        except FahrasError as e:
            raise gr.Error(str(e), print_exception=False) from None  # a user's mistake

    def api_ask(query: str, k: int = 5, kinds: list[str] | None = None,
                parts: list[str] | None = None) -> dict:
        """Answer a question from the report: the report's sentence that answers it with its
        passage label ("found": false when the report does not contain the answer), and the
        ranked passages."""
        try:
            return live.current().ask(query, k=max(1, min(api_k(k, 5), MAX_K)),
                                      kinds=api_list(kinds, "kinds") or DEFAULT_KINDS,
                                      parts=api_list(parts, "parts")).to_json()
        except FahrasError as e:
            raise gr.Error(str(e), print_exception=False) from None  # a user's mistake

    private = {"api_visibility": "private"}
    # Gradio's copies of the downloads are deleted after an hour (and when the server stops).
    with gr.Blocks(title="Fahras · فهرس", analytics_enabled=False, elem_id="fahras",
                   delete_cache=(3600, 3600)) as demo:
        with gr.Row(elem_id="top", equal_height=False):
            header = gr.HTML(header_html(live.searcher, lang0), elem_id="header", scale=5)
            lang = gr.Radio(LANG_CHOICES, value=lang0, label=LANG_LABEL, elem_id="lang",
                            scale=0, min_width=220)
        with gr.Row(elem_id="ask-row", equal_height=True):
            # No max_length: the browser would cut a long paste silently; the notice below
            # says it is too long, and the search refuses it with the same limit.
            query = gr.Textbox(label=t(lang0, "query_label"),
                               placeholder=t(lang0, "query_placeholder"), lines=1, max_lines=4,
                               elem_id="query", scale=6, autofocus=True)
            go = gr.Button(t(lang0, "search"), variant="primary", elem_id="search-btn",
                           scale=1, min_width=120)
        gr.HTML(notice_html(), elem_id="query-notice-box")
        with gr.Row(elem_id="examples"):
            examples_label = gr.HTML(
                f'<span class="examples-label">{render.esc(t(lang0, "examples"))}</span>',
                elem_id="examples-label", scale=0, min_width=80)
            example_buttons = [gr.Button(ex, size="sm", elem_classes=["example"], scale=0,
                                         min_width=60) for ex in EXAMPLES]
        with gr.Accordion(t(lang0, "filters"), open=False, elem_id="filters") as filters:
            with gr.Row():
                parts = gr.CheckboxGroup(part_choices(lang0), value=list(PARTS),
                                         label=t(lang0, "parts"), elem_id="parts", scale=3)
                kinds = gr.CheckboxGroup(kind_choices(lang0), value=list(DEFAULT_KINDS),
                                         label=t(lang0, "kinds"), elem_id="kinds", scale=2)
                k = gr.Slider(1, UI_MAX_K, value=DEFAULT_K, step=1, label=t(lang0, "k"),
                              elem_id="k", scale=2)
            docs0, langs0, years0 = filter_specs(documents0, lang0, reset=True)
            with gr.Row(elem_id="doc-filters"):
                docs = gr.Dropdown(multiselect=True, elem_id="docs", scale=3, **docs0)
                langs = gr.CheckboxGroup(elem_id="langs", scale=1, **langs0)
                years = gr.CheckboxGroup(elem_id="years", scale=2, **years0)
        with gr.Row(elem_id="status-row", equal_height=True):
            status = gr.HTML("", elem_id="status", scale=3)
            with gr.Row(elem_id="downloads", scale=0):
                dl_csv = gr.DownloadButton(t(lang0, "download_csv"), interactive=False,
                                           elem_id="dl-csv", size="sm")
                dl_json = gr.DownloadButton(t(lang0, "download_json"), interactive=False,
                                            elem_id="dl-json", size="sm")
        with gr.Row(elem_id="main", equal_height=False):
            with gr.Column(scale=3, elem_id="results-col"):
                answer = gr.HTML("", elem_id="answer")
                hits = gr.HTML(render.intro_html(lang0), elem_id="hits")
            with gr.Column(scale=2, elem_id="report-col"):
                report_heading = gr.HTML(
                    f'<h2 class="report-heading">{render.esc(t(lang0, "report"))}</h2>')
                report = gr.HTML(report_for(None, lang0), elem_id="report",
                                 js_on_load=_REPORT_JS)
        view_state = gr.State(None)
        seen_state = gr.State(None)  # the index's reload count when the page was opened

        outputs = [status, answer, hits, report, dl_csv, dl_json, view_state]
        inputs = [query, k, kinds, parts, docs, langs, years, lang, seen_state]
        go.click(on_search, inputs, outputs, **private)
        query.submit(on_search, inputs, outputs, **private)
        for button, example in zip(example_buttons, EXAMPLES):
            button.click(partial(on_example, example), inputs[1:], [query, *outputs],
                         **private)
        # Filters apply when they change: ticked by the user (.input), or the number of
        # results by the slider, its keys or its number box (.change); while a search runs,
        # only the last change waits for its turn.
        for control in (parts, kinds, docs, langs, years):
            control.input(on_filter, [*inputs, view_state], outputs, trigger_mode="always_last",
                          **private)
        k.change(on_filter, [*inputs, view_state], outputs, trigger_mode="always_last",
                 **private)
        lang.change(on_language, [lang, view_state],
                    [header, query, go, examples_label, filters, parts, kinds, k, docs, langs,
                     years, dl_csv, dl_json, report_heading, status, answer, hits, report],
                    **private)
        lang.change(None, [lang], None, js="(lang) => { window.fahrasSetLang && "
                    "window.fahrasSetLang(lang, true); }", **private)
        demo.load(on_load, None, [lang, header, docs, langs, years, seen_state], **private)

        gr.api(api_search, api_name="search")
        gr.api(api_ask, api_name="ask")
    refuse_missing_values(demo)
    return demo
