"""The web interface's desk (issue 15), without a browser: messages in the page's language,
the document/language/year filters, weaker matches, dates, and a server that notices a
rebuilt index. Fast: the hashing embedder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from fahras.index.builder import build_index
from fahras.retrieval.relevance import SHARE_OF_BEST, weaker_from
from fahras.retrieval.searcher import Searcher
from fahras.ui import filters as doc_filters
from fahras.ui import render
from fahras.ui.live import LiveSearcher
from fahras.ui.view import build_view

CORPUS = Path(__file__).parent / "data" / "corpus"  # 3 documents: ar 2022, ar 2023, en 2023


def _text(markup: str) -> str:
    return re.sub(r"<[^>]*>", "", markup)


@pytest.fixture(scope="module")
def corpus_searcher(tmp_path_factory):
    path = tmp_path_factory.mktemp("desk") / "index"
    build_index([CORPUS], index_dir=path, model="hash")
    return Searcher.open(path, model="hash", build_if_missing=False)


# -- weaker matches ------------------------------------------------------------------------
@pytest.mark.parametrize("scores,start", [
    ([1.0, 0.9, 0.6, 0.49, 0.3], 3),   # the first under half of the best
    ([1.0, 0.38, 0.36, 0.32], 1),      # one clear match
    ([1.5, 0.94, 0.81, 0.77], None),   # all close to the best: no divider
    ([0.8], None), ([], None), ([0.0, 0.0], None),
])
def test_weaker_from_is_the_first_hit_under_half_the_best(scores, start):
    assert weaker_from(scores) == start
    if start is not None:
        assert scores[start] < SHARE_OF_BEST * scores[0] <= scores[start - 1]


def test_weaker_matches_are_set_apart_under_a_divider(hash_searcher):
    view = build_view(hash_searcher, "تهريب المهاجرين عن طريق البحر", 10)
    start = view["weak_from"]
    assert start == weaker_from([h["score"] for h in view["hits"]])
    view = dict(view, weak_from=3)  # the rendering, for a known place
    for lang, word in (("ar", "مطابقات أضعف (7)"), ("en", "Weaker matches (7)")):
        markup = render.hits_html(view, lang)
        assert markup.count('class="weaker-divider"') == 1 and word in markup
        articles = re.findall(r'<article class="([^"]+)"', markup)
        assert articles == ["hit"] * 3 + ["hit weak"] * 7
        assert markup.index("weaker-divider") > markup.index(articles[2])
    assert "weaker-divider" not in render.hits_html(dict(view, weak_from=None), "ar")


# -- messages in the page's language ---------------------------------------------------------
class _Refusing:
    """A searcher whose ask refuses with a reason code, as the rewritten answer layer does."""

    def __init__(self, searcher, code, params):
        self._s, self.code, self.params = searcher, code, params

    def __getattr__(self, name):
        return getattr(self._s, name)

    def ask(self, question, k=5, **filters):
        result = self._s.ask(question, k, **filters)
        result.found, result.answer = False, None
        result.reason_code, result.reason_params = self.code, self.params
        result.reason = "an English reason that the page does not show"
        return result


def test_a_refusal_code_from_the_answer_layer_is_rendered_in_the_page_language(hash_searcher):
    searcher = _Refusing(hash_searcher, "refuse_cue", {"wanted": {"code": "want_when"}})
    view = build_view(searcher, "متى عقد الاجتماع الثاني عشر؟", 3)
    assert view["reason"]["code"] == "refuse_cue"
    ar = render.answer_html(view, "ar")
    assert "يسأل السؤال عن تاريخ، ولا يتضمن أقرب مقطع شيئاً من ذلك" in ar
    assert "English" not in ar and "بالإنكليزية" not in ar
    assert "it asks for a date, and the closest passage has none" in render.answer_html(view, "en")


def test_a_reason_the_catalog_does_not_know_is_shown_in_english_and_said_so(hash_searcher):
    searcher = _Refusing(hash_searcher, None, None)
    view = build_view(searcher, "ما عاصمة أستراليا؟", 3)
    assert view["reason"] == {"text": "an English reason that the page does not show"}
    ar = render.answer_html(view, "ar")
    assert "السبب (بالإنكليزية):" in ar and '<span dir="ltr" lang="en">an English reason' in ar


@pytest.mark.parametrize("query,ar,en", [
    ("x" * 5001, "السؤال طويل جداً (5001 حرفاً)", "too long (5001 characters)"),
    ("؟؟!!...", "لا يحتوي السؤال على حروف أو أرقام", "the query has no letters or digits"),
    ("   ", "السؤال فارغ", "The question is empty"),
])
def test_refused_queries_are_said_in_the_page_language(hash_searcher, query, ar, en):
    view = build_view(hash_searcher, query, 5)
    assert ar in _text(render.hits_html(view, "ar"))
    assert en in _text(render.hits_html(view, "en"))
    assert not re.search("[A-Za-z]{3,}", _text(render.hits_html(view, "ar")))


# -- dates ---------------------------------------------------------------------------------
def test_dates_in_the_arabic_page_are_arabic(hash_searcher):
    from fahras.ui.app import header_html

    ar, en = header_html(hash_searcher, "ar"), header_html(hash_searcher, "en")
    assert "26 تموز/يوليه 2024" in _text(ar) and "عام" in _text(ar)
    assert "July" not in ar and "General" not in ar
    assert "26 July 2024 · General" in _text(en)
    report = render.report_html(hash_searcher.passages, hash_searcher.documents, (), None, "ar")
    head = report[:report.index("</header>")]
    assert "26 تموز/يوليه 2024" in head and "July" not in head
    assert '<bdi class="date" dir="rtl">26 تموز/يوليه 2024</bdi>' in ar


def test_the_document_line_of_a_hit_has_its_date_in_the_page_language(corpus_searcher):
    view = build_view(corpus_searcher, "victims", 5)
    assert view["n_documents"] == 3
    lines = re.findall(r'<span class="doc-info">.*?</span></div>', render.hits_html(view, "ar"))
    assert lines and all("15 آذار/مارس 2023" in x or "10 أيار/مايو 2022" in x for x in lines)
    assert not any(re.search("March|May", x) for x in lines)
    assert "15 March 2023" in render.hits_html(view, "en")


# -- the document, language and year filters -------------------------------------------------
def test_filters_are_offered_only_when_the_index_has_a_choice(hash_searcher, corpus_searcher):
    one = hash_searcher.documents
    assert not doc_filters.offered(one) and not doc_filters.offered(doc_filters.years(one))
    three = corpus_searcher.documents
    assert doc_filters.languages(three) == ["ar", "en"]
    assert doc_filters.years(three) == ["2022", "2023"]
    labels = dict((v, k) for k, v in doc_filters.document_choices(three, "ar"))
    assert labels["fx-2023-report.en"].startswith("FAHRAS/TEST/2023/1 · Report on the meeting")
    assert labels["fx-2023-report.en"].endswith("15 آذار/مارس 2023 · الإنكليزية")
    assert doc_filters.language_choices(three, "en") == [("Arabic", "ar"), ("English", "en")]


def test_view_document_filters_reach_the_library(corpus_searcher):
    every = build_view(corpus_searcher, "victims", 10, langs=["ar", "en"], years=["2022", "2023"])
    plain = build_view(corpus_searcher, "victims", 10)  # all ticked is no filter at all
    assert [h["id"] for h in every["hits"]] == [h["id"] for h in plain["hits"]]
    english = build_view(corpus_searcher, "victims", 10, langs=["en"])
    assert english["hits"] and {h["doc"] for h in english["hits"]} == {"fx-2023-report.en"}
    old = build_view(corpus_searcher, "الضحايا", 10, years=["2022"])
    assert old["hits"] and {h["doc"] for h in old["hits"]} == {"fx-2022-background.ar"}
    chosen = build_view(corpus_searcher, "victims", 10, docs=["fx-2023-report.ar"])
    assert {h["doc"] for h in chosen["hits"]} == {"fx-2023-report.ar"}
    nothing = build_view(corpus_searcher, "victims", 10, langs=["en"], years=["2022"])
    assert nothing["error"]["code"] == "filter_nothing_matches"
    assert "لا توجد في الفهرس وثيقة تطابق هذه المرشحات مجتمعة" in render.hits_html(nothing, "ar")
    assert build_view(corpus_searcher, "victims", 10, langs=[])["error"]["key"] == "err_no_langs"
    assert build_view(corpus_searcher, "victims", 10, years=[])["error"]["key"] == "err_no_years"


def test_app_offers_the_document_filters_of_a_corpus(corpus_searcher, hash_searcher, tmp_path):
    from fahras.ui.app import build_app

    def components(demo):
        return {c.get("props", {}).get("elem_id"): c.get("props", {})
                for c in demo.get_config_file()["components"]}

    many = components(build_app(corpus_searcher, export_dir=tmp_path))
    assert many["docs"]["visible"] is True and many["docs"]["multiselect"] is True
    assert many["langs"]["visible"] is True and many["years"]["visible"] is True
    assert [c[1] for c in many["years"]["choices"]] == ["2022", "2023"]
    one = components(build_app(hash_searcher, export_dir=tmp_path))
    assert one["docs"]["visible"] is False and one["years"]["visible"] is False
    # the question box has no length limit of its own (the browser would cut a paste)
    assert one["query"].get("max_length") is None


# -- a server that notices a rebuilt index ---------------------------------------------------
def test_a_rebuilt_index_is_reloaded_between_requests(tmp_path):
    index = tmp_path / "index"
    build_index(index_dir=index, model="hash")
    live = LiveSearcher(Searcher.open(index, model="hash", build_if_missing=False))
    first = live.current()
    assert live.current() is first and live.reloads == 0  # nothing changed: nothing read again
    build_index([CORPUS], index_dir=index, model="hash")
    second = live.current()
    assert second is not first and live.reloads == 1 and live.problem is None
    assert len(second.documents) == 3
    assert live.current() is second


def test_a_rebuilt_index_that_cannot_be_read_keeps_the_old_one_and_says_so(tmp_path):
    index = tmp_path / "index"
    build_index(index_dir=index, model="hash")
    live = LiveSearcher(Searcher.open(index, model="hash", build_if_missing=False))
    first = live.current()
    build_index([CORPUS], index_dir=index, model="hash")
    gen = index / (index / "CURRENT").read_text().strip()
    (gen / "terms.json").write_text("[]")  # damaged after the switch
    assert live.current() is first and live.problem is not None
    assert live.problem.code == "index_file_mismatch"
    from fahras.ui.app import _index_notice

    notice = _index_notice(live, 0)
    ar = render.status_html({"error": {"key": "err_empty"}, "index_notice": notice}, "ar")
    assert "أعد تشغيل fahras serve" in ar and "تالف" in ar
    shutil.rmtree(gen)
