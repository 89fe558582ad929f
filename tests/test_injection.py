"""Injection: markup and formulas in a query or in a report's text are shown as text -- in the
page's HTML (status, answer card, passages, linked versions, the report pane, the header), in
the CSV and JSON exports, and on the terminal -- never as markup, a formula or a terminal
command. The report under test (tests/data/injection) carries <script>, <img onerror>, <svg
onload>, javascript: links, <iframe>, attribute breakouts and spreadsheet formulas in its title,
headings, paragraphs and recommendations, in an Arabic and an English version (linked), indexed
with the fixture corpus (several documents).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from fahras import cli
from fahras.cli import commands
from fahras.index.builder import build_index
from fahras.retrieval.searcher import Searcher
from fahras.ui import render
from fahras.ui.app import header_html
from fahras.ui.export import to_csv, to_json
from fahras.ui.view import build_view
from test_ui import audit

DATA = Path(__file__).parent / "data"
CORPUS = (DATA / "injection", DATA / "corpus")
PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": '"><svg onload=alert(1)>',
    "attribute-breakout": "' onmouseover='alert(1)'",
    "javascript-url": '<a href="javascript:alert(1)">x</a>',
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "formula-equals": '=HYPERLINK("http://example.com","x")',
    "formula-plus": "+cmd|' /C calc'!A0",
    "formula-at": "@SUM(1+1)",
    "formula-minus": "-2+3",
}
# Natural questions whose best passages are the ones carrying markup.
QUESTIONS = {"ar-witnesses": "حماية الشهود في قضايا تهريب المهاجرين",
             "en-witnesses": "protection of witnesses",
             "ar-reporting": "أدوات الإبلاغ الإلكترونية عن المهربين",
             "en-police-website": "police website for reporting smugglers"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    path = tmp_path_factory.mktemp("injection") / "index"
    build_index(CORPUS, index_dir=path, model="hash")
    return Searcher.open(path, model="hash", build_if_missing=False)


def _pages(searcher, view) -> dict[str, str]:
    pages = {}
    for lang in ("ar", "en"):
        pages[f"status-{lang}"] = render.status_html(view, lang)
        pages[f"answer-{lang}"] = render.answer_html(view, lang)
        pages[f"hits-{lang}"] = render.hits_html(view, lang)
        pages[f"header-{lang}"] = header_html(searcher, lang)
    focus = view["hits"][0]["id"] if view["hits"] else None
    pages["report"] = render.report_html(searcher.passages, searcher.documents, view["terms"],
                                         focus, "ar")
    return pages


@pytest.mark.parametrize("name", [*PAYLOADS, *QUESTIONS])
def test_markup_in_queries_and_passages_is_text(searcher, name, hardening):
    query = PAYLOADS.get(name) or QUESTIONS[name]
    view = build_view(searcher, query, 10)
    assert view["error"] is None and view["hits"], view["error"]
    for surface, markup in _pages(searcher, view).items():
        text = "".join(audit(markup).text)  # only the page's own tags and attributes
        if surface.startswith("hits"):
            # every passage listed is there as its text, markup characters included
            for h in view["hits"]:
                assert h["text"].replace("\n", "") in text.replace("\n", "")
        hardening.record("injection", payload=name, surface=f"html.{surface.rsplit('-', 1)[0]}",
                         rendered_as_markup=False)
    if name.startswith("ar-witnesses"):
        assert view["hits"][0]["id"].startswith("markup-2025")
        assert "<script>alert(1)</script>" in "".join(audit(_pages(searcher, view)["hits-ar"]).text)


def test_linked_versions_and_documents_are_shown_and_escaped(searcher):
    view = build_view(searcher, "حماية الشهود", 5)
    top = view["hits"][0]
    assert view["n_documents"] == 5
    assert top["id"] == "markup-2025.ar:p1" and top["linked"][0]["id"] == "markup-2025.en:p1"
    markup = render.hits_html(view, "en")
    a = audit(markup)
    text = "".join(a.text)
    assert top["linked"][0]["text"] in text  # the English version beside the Arabic one
    assert 'class="versions"' in markup and 'class="version-text" dir="ltr" lang="en"' in markup
    assert "FAHRAS/TEST/2025/9" in text and "<script>alert('title')</script>" in text
    assert text.count("Arabic") >= 1 and "English" in text
    assert 'class="doc"' in markup
    # one document in the index: no document line
    assert 'class="doc"' not in render.hits_html(dict(view, n_documents=1), "en")
    assert "5 documents indexed" in header_html(searcher, "en")


def test_english_document_text_is_left_to_right(searcher):
    view = build_view(searcher, "protection of witnesses", 5, None, None)
    en = [h for h in view["hits"] if h["doc"] == "markup-2025.en"]
    assert en
    markup = render.hit_html(en[0], "en", view["terms"], None, True)
    assert 'class="hit-text" dir="ltr" lang="en"' in markup
    report = render.report_html(searcher.passages, searcher.documents, (), None, "en")
    assert '<article class="report-doc" dir="ltr" lang="en">' in report
    assert '<article class="report-doc" dir="rtl" lang="ar">' in report


@pytest.mark.parametrize("name", [*PAYLOADS, *QUESTIONS])
def test_exports_keep_markup_as_data_and_never_start_a_formula(searcher, name, hardening):
    query = PAYLOADS.get(name) or QUESTIONS[name]
    view = build_view(searcher, query, 10)
    rows = list(csv.reader(io.StringIO(to_csv(view).decode("utf-8-sig"))))
    assert len(rows) == len(view["hits"]) + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    header = rows[0]
    for row, hit in zip(rows[1:], view["hits"]):
        text = row[header.index("text")]
        assert text in (hit["text"], "'" + hit["text"])  # the passage as it is, made inert
    assert rows[1][header.index("query")] in (view["query"], "'" + view["query"])
    data = json.loads(to_json(view))
    assert data["query"] == view["query"]
    assert [h["text"] for h in data["hits"]] == [h["text"] for h in view["hits"]]
    for surface in ("csv", "json"):
        hardening.record("injection", payload=name, surface=surface, rendered_as_markup=False)


def test_every_passage_with_a_formula_is_made_inert_in_csv(searcher):
    view = build_view(searcher, "المهربين", 30, ["paragraph", "recommendation"], None)
    rows = list(csv.DictReader(io.StringIO(to_csv(view).decode("utf-8-sig"))))
    formulas = [r["text"] for r in rows if r["text"].lstrip("'").startswith(FORMULA_START)]
    assert len(formulas) >= 3
    assert all(t.startswith("'") for t in formulas)


def test_terminal_output_shows_markup_as_text(searcher, capsys, monkeypatch):
    monkeypatch.setattr(commands, "want_json", lambda args: False)
    code = cli.main(["search", "حماية الشهود", "-k", "2", "--model", "hash", "--index",
                     str(searcher.index_dir)])
    out = capsys.readouterr().out
    assert code == 0 and '"><svg onload=alert(4)>' in out
