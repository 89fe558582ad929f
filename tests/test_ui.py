"""The web interface without a browser: rendering, escaping, exports, views, the app's wiring.

Fast: the hashing embedder, no server. ``ContractSearcher`` gives the hash searcher an ``ask``
that follows issue 4's contract (``found``, ``answer`` with text/passage_id/labels/start/end/
score, ``hits``, ``to_json()``), so that the answer card is exercised on exactly that shape.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from fahras.ui import render
from fahras.ui.export import safe_cell, to_csv, to_json, write_exports
from fahras.ui.i18n import STRINGS, t
from fahras.ui.view import build_view

INJECTIONS = ('<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
              '"><svg onload=alert(1)>', "' onmouseover='alert(1)")
ALLOWED_TAGS = {"article", "header", "section", "div", "span", "p", "h1", "h2", "h3", "h4", "mark",
                "button", "ul", "li", "bdi"}
ALLOWED_ATTRS = {"class", "dir", "lang", "id", "title", "type", "role", "aria-live",
                 "data-anchor", "data-copied", "data-query", "data-hide"}


class TagAudit(HTMLParser):
    """Every tag and attribute an HTML string really contains, and its text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def audit(markup: str) -> TagAudit:
    a = TagAudit()
    a.feed(markup)
    a.close()
    for tag, attrs in a.tags:
        assert tag in ALLOWED_TAGS, f"unexpected tag <{tag}> in {markup[:200]}"
        for name, value in attrs.items():
            assert name in ALLOWED_ATTRS, f"unexpected attribute {name}={value!r}"
    return a


def marks(markup: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"<mark>(.*?)</mark>", markup, re.S)]


# -- a searcher with issue 4's ask contract ------------------------------------------------
class _Answer:
    def __init__(self, hit, start, end):
        self.text = hit.text[start:end]
        self.passage_id, self.label_ar, self.label_en = hit.id, hit.label_ar, hit.label_en
        self.start, self.end, self.score = start, end, 0.75

    def to_json(self):
        return {k: getattr(self, k) for k in ("text", "passage_id", "label_ar", "label_en",
                                              "start", "end", "score")}


class _AskResult:
    def __init__(self, query, found, answer, hits, search=None):
        self.query, self.found, self.answer, self.hits = query, found, answer, hits
        self.search = search  # the SearchResult behind the hits (issue 4 carries it)

    def to_json(self):
        return {"query": self.query, "found": self.found,
                "answer": self.answer.to_json() if self.answer else None,
                "hits": [h.to_json() for h in self.hits]}


class ContractSearcher:
    """The hash searcher plus an ``ask`` that answers with a fixed span of the top hit
    (``answer_span``), or finds nothing when ``found`` is False."""

    def __init__(self, searcher, found=True, answer_span=None):
        self._s, self.found, self.answer_span = searcher, found, answer_span
        self.calls = []

    def __getattr__(self, name):
        return getattr(self._s, name)

    def ask(self, question, k=5, **filters):
        self.calls.append((question, k, filters))
        result = self._s.search(question, k, **filters)
        if not self.found or not result.hits:
            out = _AskResult(question, False, None, result.hits, result)
            out.reason = "the closest passage does not mention «<b>أستراليا</b>»"
            return out
        top = result.hits[0]
        start, end = self.answer_span or (0, min(len(top.text), 60))
        return _AskResult(question, True, _Answer(top, start, end), result.hits, result)


# -- rendering -------------------------------------------------------------------------------
def test_highlight_html_marks_original_words_and_escapes_text():
    text = 'حماية الأَطْفَال <b>والأطفال</b> & "الأطفـال"'
    out = render.highlighted(text, ["اطفال"])
    assert marks(out) == ["الأَطْفَال", "والأطفال", "الأطفـال"]
    assert "&lt;b&gt;" in out and "&amp;" in out and "&quot;" in out
    assert "<b>" not in out
    assert "".join(audit(out).text) == text


def test_hit_with_script_and_img_renders_as_text():
    evil = INJECTIONS[0] + " حماية الأطفال " + INJECTIONS[1] + " " + INJECTIONS[2]
    hit = {"rank": 1, "id": 'x:p1"><img src=x onerror=alert(1)>', "label_ar": INJECTIONS[1],
           "label_en": INJECTIONS[0], "section": INJECTIONS[3], "section_en": INJECTIONS[2],
           "part": "<i>", "text": evil, "score": 0.5, "cite_ar": INJECTIONS[1],
           "cite_en": INJECTIONS[0], "pinned": True}
    view = {"query": INJECTIONS[1], "hits": [hit], "terms": ["اطفال", "img", "script"],
            "answer": {"text": evil, "passage_id": hit["id"], "label_ar": INJECTIONS[0],
                       "label_en": INJECTIONS[1], "start": 0, "end": 30, "score": 1.0,
                       "cite_ar": INJECTIONS[2], "cite_en": INJECTIONS[3]},
            "found": True, "expansions": [{"source": INJECTIONS[1], "arabic": [INJECTIONS[0]],
                                           "terms": []}],
            "notes": [INJECTIONS[2]], "took_ms": 3.0, "error": None}
    for lang in ("ar", "en"):
        hits = "".join(audit(render.hits_html(view, lang)).text)
        answer = "".join(audit(render.answer_html(view, lang)).text)
        status = "".join(audit(render.status_html(view, lang)).text)
        assert INJECTIONS[0] in hits and INJECTIONS[1] in hits and INJECTIONS[2] in hits
        assert INJECTIONS[0] in answer and INJECTIONS[1] in answer
        assert INJECTIONS[1] in status and INJECTIONS[0] in status and INJECTIONS[2] in status
        # the highlighted words are still the words, in the passage's own characters
        assert "الأطفال" in marks(render.hits_html(view, lang))
        assert "img" in marks(render.hits_html(view, lang))


def test_error_messages_and_report_are_escaped(hash_searcher):
    from fahras.index.report import Passage

    evil = Passage(id="d:p1", doc="d", kind="paragraph", number="1", label_ar=INJECTIONS[0],
                   label_en=INJECTIONS[1], section="", section_en="", part="introduction",
                   text=INJECTIONS[1] + " الأطفال", order=0, line=1)
    markup = render.report_html([evil], [{"id": "d", "title": INJECTIONS[0],
                                          "body": INJECTIONS[2], "date": INJECTIONS[3]}],
                                ["اطفال"], "d:p1", "ar")
    audit(markup)
    assert 'class="rp para focus"' in markup and marks(markup) == ["الأطفال"]
    err = {"query": "", "hits": [], "error": {"code": "no_passage_id",
                                              "params": {"id": INJECTIONS[1]}}}
    for lang in ("en", "ar"):  # a library message, its parameter escaped in either language
        audit(render.hits_html(err, lang))
        assert "&lt;img src=x onerror=alert(1)&gt;" in render.hits_html(err, lang)
    err = {"query": "", "hits": [], "error": {"text": INJECTIONS[0]}}  # a message with no code
    audit(render.hits_html(err, "ar"))
    assert "&lt;script&gt;" in render.hits_html(err, "ar")


def test_report_view_renders_every_passage_in_order_with_the_focus(hash_searcher):
    markup = render.report_html(hash_searcher.passages, hash_searcher.documents, ["اطفال"],
                                "wg-som-2024-report.ar:r11", "en")
    audit(markup)
    ids = re.findall(r'id="(psg-[^"]+)"', markup)
    assert ids == [render.anchor_id(p.id) for p in hash_searcher.passages]
    assert len(re.findall(r"\bfocus\b", markup)) == 1
    assert 'id="psg-wg-som-2024-report_ar_r11" class="rp rec focus"' in markup
    assert "ثانياً - التوصيات" in markup  # headings are in place
    assert "26 July 2024" in markup


def test_i18n_has_the_same_keys_in_both_languages_and_every_key_used_exists():
    assert STRINGS["ar"].keys() == STRINGS["en"].keys()
    for lang in ("ar", "en"):
        assert all(v.strip() for v in STRINGS[lang].values())
    source = "".join(open(os.path.join(os.path.dirname(render.__file__), f)).read()
                     for f in ("render.py", "app.py", "view.py", "filters.py", "documents.py"))
    used = set(re.findall(r"""\bt\((?:lang0?|lang), ["']([a-z_]+)["']""", source))
    used |= set(re.findall(r'_error\("([a-z_]+)"', source))
    assert used and used <= STRINGS["en"].keys(), used - STRINGS["en"].keys()
    assert t("fr", "search") == STRINGS["ar"]["search"]  # unknown language: the default


# -- views -----------------------------------------------------------------------------------
def test_view_has_citations_terms_and_an_answer_card(hash_searcher):
    view = build_view(hash_searcher, "  الاطفال  ", 3, ["paragraph", "recommendation"], None)
    assert view["error"] is None and view["query"] == "الاطفال"
    assert [h["rank"] for h in view["hits"]] == [1, 2, 3]
    assert all(h["cite_ar"].endswith(h["label_ar"]) for h in view["hits"])
    assert all(h["cite_en"].startswith("Report on the meeting") for h in view["hits"])
    assert view["terms"] and view["took_ms"] > 0
    assert isinstance(view["found"], bool)
    assert (view["answer"] is not None) == view["found"]
    assert render.answer_html(view, "ar") != ""  # an answer, or "not in the report"
    html_hits = render.hits_html(view, "ar")
    assert "الأطفال" in marks(html_hits) or "للأطفال" in marks(html_hits)


def test_view_refuses_bad_input_with_messages_in_both_languages(hash_searcher):
    assert build_view(hash_searcher, "   ", 5)["error"]["key"] == "err_empty"
    assert build_view(hash_searcher, "x" * 6000, 5)["error"]["key"] == "err_long"
    assert build_view(hash_searcher, "الاطفال", 5, [], None)["error"]["key"] == "err_no_kinds"
    assert build_view(hash_searcher, "الاطفال", 5, None, [])["error"]["key"] == "err_no_parts"
    view = build_view(hash_searcher, "؟؟!!...", 5)  # the library's own refusal, in the page's
    assert view["error"]["code"] == "query_no_letters"  # language: no English in Arabic
    assert "the query has no letters or digits to search for" in render.hits_html(view, "en")
    ar = render.hits_html(view, "ar")
    assert "لا يحتوي السؤال على حروف أو أرقام يمكن البحث عنها" in ar
    assert not re.search("[A-Za-z]{2,}", re.sub(r"<[^>]*>", "", ar))
    assert render.status_html(view, "ar") == "" and render.answer_html(view, "ar") == ""


def test_view_filters_reach_the_library(hash_searcher):
    view = build_view(hash_searcher, "تهريب المهاجرين", 30, ["recommendation"],
                      ["recommendations"])
    assert view["hits"] and {h["kind"] for h in view["hits"]} == {"recommendation"}
    view = build_view(hash_searcher, "تهريب المهاجرين", 30, ["paragraph"], ["organization"])
    assert view["hits"] and {h["part"] for h in view["hits"]} == {"organization"}


def test_answer_card_follows_the_ask_contract(hash_searcher):
    p28 = hash_searcher.passage("wg-som-2024-report.ar:p28")
    item_e = next(i for i in p28.items if i.marker == "هـ")
    searcher = ContractSearcher(hash_searcher, answer_span=(item_e.start, item_e.end))
    view = build_view(searcher, "الفقرة 28", 4, ["paragraph"], ["deliberations"])
    assert searcher.calls == [("الفقرة 28", 4, {"kinds": ["paragraph"],
                                                 "parts": ["deliberations"]})]
    assert view["found"] is True
    a = view["answer"]
    assert a["passage_id"] == p28.id and a["text"] == p28.text[item_e.start:item_e.end]
    assert (a["ref_ar"], a["ref_en"]) == ("الفقرة 28 (هـ)", "Paragraph 28 (e)")
    assert a["cite_en"].endswith(", para. 28 (e)")
    ar = render.answer_html(view, "ar")
    audit(ar)
    assert "الفقرة 28 (هـ)" in ar and "Paragraph 28 (e)" in ar and 'class="fahras-answer found"' in ar
    # the answer sentence is set apart inside its passage in the list
    assert '<span class="answer-span">' in render.hits_html(view, "en")


def test_notes_and_expansions_of_the_search_behind_an_answer_are_shown(hash_searcher,
                                                                       monkeypatch):
    searcher = ContractSearcher(hash_searcher)
    view = build_view(searcher, "التوصية 99", 3)
    assert [n["text"] for n in view["notes"]] == ["there is no recommendation 99 in the index"]
    assert view["notes"][0]["code"] == "note_no_recommendation"
    assert "there is no recommendation 99" in render.status_html(view, "en")
    assert "لا توجد في الفهرس توصية رقمها 99" in render.status_html(view, "ar")
    # the session's searcher gets its own expander back after the test (monkeypatch)
    monkeypatch.setattr(hash_searcher, "expander", lambda analysis: (
        [{"source": "children", "arabic": ["الأطفال"], "terms": ["اطفال"], "weight": 0.5,
          "kind": "glossary"}] if "children" in analysis.text else []))
    view = build_view(searcher, "children", 3)
    assert view["expansions"][0]["arabic"] == ["الأطفال"] and "اطفال" in view["terms"]
    status = render.status_html(view, "en")
    assert "Matched on the Arabic terms:" in status and "الأطفال" in status
    assert any(m in ("الأطفال", "للأطفال", "والأطفال") for m in marks(render.hits_html(view, "en")))


def test_not_in_the_report_is_said_plainly(hash_searcher):
    view = build_view(ContractSearcher(hash_searcher, found=False), "ما عاصمة أستراليا؟", 3)
    assert view["found"] is False and view["answer"] is None
    assert t("en", "not_found") in render.answer_html(view, "en")
    assert t("ar", "not_found") in render.answer_html(view, "ar")
    assert view["reason"]["code"] == "refuse_entity"  # read back from ask's English reason
    reasons = {"en": "the closest passage does not mention «&lt;b&gt;أستراليا&lt;/b&gt;»",
               "ar": "لا يذكر أقرب مقطع «&lt;b&gt;أستراليا&lt;/b&gt;»"}
    for lang in ("en", "ar"):  # said in the page's language, escaped
        html = render.answer_html(view, lang)
        assert f'<span dir="auto" lang="{lang}">{reasons[lang]}</span>' in html
        assert "<b>" not in html and t(lang, "reason") in html


# -- exports ---------------------------------------------------------------------------------
def test_csv_is_formula_safe_utf8_with_bom_and_keeps_arabic(hash_searcher):
    view = build_view(hash_searcher, "الاطفال", 3)
    view["query"] = '=HYPERLINK("http://evil","x")'
    view["hits"][0]["text"] = "+1+2"
    view["hits"][1]["text"] = "-2+3 حماية"
    view["hits"][2]["section"] = "@SUM(A1)"
    data = to_csv(view)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert rows[0]["query"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert rows[0]["text"] == "'+1+2" and rows[1]["text"] == "'-2+3 حماية"
    assert rows[2]["section"] == "'@SUM(A1)"
    assert rows[0]["label_ar"] == view["hits"][0]["label_ar"]
    assert rows[0]["citation_ar"] == view["hits"][0]["cite_ar"]
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values())
    assert [safe_cell(x) for x in ("\tx", "\rx", "a=b", None, 3)] == ["'\tx", "'\rx", "a=b", "", "3"]


def test_json_export_is_the_view_with_arabic_unescaped(hash_searcher):
    view = build_view(ContractSearcher(hash_searcher), "الاطفال", 2)
    data = to_json(view)
    assert "الاطفال".encode() in data
    back = json.loads(data)
    assert back["query"] == "الاطفال" and back["found"] is True
    assert [h["id"] for h in back["hits"]] == [h["id"] for h in view["hits"]]
    assert back["answer"]["cite_ar"] == view["answer"]["cite_ar"]


def test_export_files_are_written_and_old_ones_removed(tmp_path, hash_searcher):
    view = build_view(hash_searcher, "حماية الأطفال / <x>", 2)
    csv_path, json_path = write_exports(view, tmp_path)
    assert csv_path.read_bytes() == to_csv(view) and json_path.read_bytes() == to_json(view)
    assert csv_path.parent.parent == tmp_path and "/" not in csv_path.name.replace(".csv", "")
    assert "<" not in csv_path.name
    os.utime(csv_path.parent, (0, 0))
    write_exports(view, tmp_path, max_age_s=60)
    assert not csv_path.parent.exists()


# -- the app ---------------------------------------------------------------------------------
def test_app_builds_with_named_api_endpoints(hash_searcher, tmp_path):
    from fahras.ui.app import build_app

    demo = build_app(hash_searcher, export_dir=tmp_path)
    config = demo.get_config_file()
    names = {d.get("api_name") for d in config["dependencies"]
             if d.get("api_visibility", "public") == "public"}
    assert {"search", "ask"} <= names
    assert names <= {"search", "ask"}  # the page's own events are private
    css = open(os.path.join(os.path.dirname(render.__file__), "static", "fahras.css")).read()
    assert "Noto Naskh Arabic" in css and "DejaVu Sans" in css
    assert "http" not in css  # nothing fetched from elsewhere


@pytest.mark.integration
def test_search_command_never_imports_gradio(hash_index_dir, tmp_path):
    code = ("import sys, io, contextlib; from fahras.cli import main; "
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out): rc = main(['search', 'الاطفال', '-k', '1', "
            f"'--model', 'hash', '--index', {str(hash_index_dir)!r}, '--json'])\n"
            "assert rc == 0, rc; assert '\"hits\"' in out.getvalue()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('gradio', 'gradio_client')))")
    env = dict(os.environ, FAHRAS_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_serve_refuses_a_busy_port_before_loading_anything(capsys):
    from fahras.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fahras: error: cannot listen on 127.0.0.1:") and "--port" in err
    assert main(["serve", "--port", "70000"]) == 2
    assert main(["serve", "--concurrency", "0"]) == 2


def test_serve_help_warns_about_exposing_the_interface(capsys):
    from fahras.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "127.0.0.1" in out and "WARNING" in out and "anyone" in out
