"""Property-based tests (hypothesis) of the text machinery on any string: normalization and
tokenization (fahras/text/arabic.py), highlighting (retrieval/highlight.py and the HTML
renderer), sentence splitting (fahras/text/sentences.py), query checking and CSV cells.

Strings mix random code points of every category -- lone surrogates, astral characters,
controls included -- with the characters that matter here: Arabic letters and marks, tatweel,
zero-width and direction marks, presentation forms and ligatures that expand (ﷺ), Persian
letters, Arabic-Indic digits, the joiners ``/ . - _``, sentence enders, emoji, markup.
"""

from __future__ import annotations

import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fahras.errors import UsageError
from fahras.text import arabic
from fahras.retrieval.highlight import highlight_spans, query_terms, segments
from fahras.retrieval.searcher import MAX_QUERY_CHARS, check_query
from fahras.text.sentences import split_sentences
from fahras.ui import render
from fahras.ui.export import safe_cell

EXAMPLES = 300

SPECIAL = list(
    "ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئىة"  # letters, hamza seats
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640"  # diacritics, tatweel
    "پچژکگی٠١٢٣٤۵۶"  # Persian letters, Arabic-Indic and Persian digits
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069\ufeff\u00ad"
    "ﻻﷺﷲﺗﻬﺮ"  # presentation forms and ligatures (ﷺ expands to many letters)
    "/.-_ \t\n\r\u00a0\u2028\u3000"  # joiners and spaces
    ".!?؟;؛()«»\"'"  # sentence enders and closers
    "aAzé\u0130ßﬁ0179"  # Latin, case folding that changes length (İ, ß, ﬁ)
    "\u0301\u0308"  # combining marks
    "<>&"  # markup
) + ["\U0001F6A2", "\U0001D400", "\U0001F468", "\ud800", "\udfff", "\udcff", "\x00", "\x1b"]

chars = st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=()))
texts = st.text(chars, max_size=120)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def run_property(hardening, name: str, strategy, check) -> None:
    """Run ``check`` on ``EXAMPLES`` generated values and record how many ran."""
    count = [0]

    @SETTINGS
    @given(strategy)
    def prop(value):
        count[0] += 1
        check(value)

    prop()
    hardening.record("property", property=name, examples=count[0], failures=0)


def test_normalize_never_fails_and_is_idempotent(hardening):
    def check(s):
        n = arabic.normalize(s)
        assert isinstance(n, str)
        assert arabic.normalize(n) == n
        assert not any("\ud800" <= c <= "\udfff" for c in n)

    run_property(hardening, "normalize: no exception, idempotent, no surrogate out", texts, check)


def test_offsets_map_back_inside_the_original(hardening):
    def check(s):
        norm = arabic.normalize_with_offsets(s)
        assert norm.text == arabic.normalize(s) and norm.original == s
        assert len(norm.source) == len(norm.text)
        assert list(norm.source) == sorted(norm.source)
        assert all(0 <= i < len(s) for i in norm.source)
        # each normalized character comes from its source character's normalization
        rebuilt = "".join(arabic.normalize_char(s[i]) for i in dict.fromkeys(norm.source))
        assert rebuilt == norm.text

    run_property(hardening, "normalize_with_offsets: sources in bounds, in order, exact",
                 texts, check)


def test_original_span_covers_the_normalized_span(hardening):
    spans = texts.flatmap(lambda s: st.tuples(
        st.just(s), st.integers(0, len(arabic.normalize(s))),
        st.integers(0, len(arabic.normalize(s)))))

    def check(value):
        s, a, b = value
        a, b = min(a, b), max(a, b)
        norm = arabic.normalize_with_offsets(s)
        o0, o1 = norm.original_span(a, b)
        assert 0 <= o0 <= o1 <= len(s)
        if a < b:
            assert norm.text[a:b] in arabic.normalize(s[o0:o1])
        else:
            assert o0 == o1

    run_property(hardening, "original_span: inside the original, covers the span", spans, check)


def test_tokens_are_spans_of_the_normalized_text(hardening):
    def check(s):
        norm = arabic.normalize(s)
        tokens = arabic.tokenize(s)
        end = 0
        for t in tokens:
            assert end <= t.start < t.end <= len(norm)
            assert t.form == norm[t.start:t.end] and t.form[0].isalnum() and t.form[-1].isalnum()
            end = t.end
        assert arabic.tokenize(norm) == tokens
        terms = arabic.analyze(s)
        assert all(isinstance(x, str) and x for x in terms)
        assert arabic.analyze(norm) == terms
        assert arabic.script_of(s) in ("arabic", "latin", "none")

    run_property(hardening, "tokenize/analyze: spans in bounds, ordered, stable", texts, check)


def test_highlight_spans_and_segments(hardening):
    pairs = st.tuples(texts, texts, st.integers(-5, 130), st.integers(-5, 130))

    def check(value):
        text, query, r0, r1 = value
        for terms in (arabic.analyze(text), query_terms(query)):
            spans = highlight_spans(text, terms)
            end = -1
            for a, b in spans:
                assert 0 <= a < b <= len(text) and a > end
                end = b
            pieces = segments(text, spans, (r0, r1))
            assert "".join(p for p, _, _ in pieces) == text
        if arabic.analyze(text):  # a text's own words are found in it
            assert highlight_spans(text, arabic.analyze(text))

    run_property(hardening, "highlight_spans/segments: in bounds, disjoint, lossless", pairs,
                 check)


_OUR_TAGS = re.compile(r'</?mark>|<span class="answer-span">|</span>')


def test_highlighted_html_is_the_text_escaped(hardening):
    """Whatever a passage or query holds, the HTML is the text, escaped, with only our own
    <mark> and answer <span> tags around parts of it."""
    pairs = st.tuples(texts, texts, st.integers(0, 120), st.integers(0, 120))

    def check(value):
        text, query, r0, r1 = value
        out = render.highlighted(text, query_terms(query) | set(arabic.analyze(text)[:3]),
                                 (min(r0, r1), max(r0, r1)))
        bare = _OUR_TAGS.sub("", out)
        assert "<" not in bare and ">" not in bare and '"' not in bare
        assert html.unescape(bare) == text

    run_property(hardening, "highlighted HTML: only our tags, text escaped exactly", pairs,
                 check)


def test_sentences_cover_every_visible_character(hardening):
    def check(text):
        spans = split_sentences(text)
        end = 0
        covered = set()
        for s in spans:
            assert end <= s.start < s.end <= len(text)
            assert not text[s.start].isspace() and not text[s.end - 1].isspace()
            covered.update(range(s.start, s.end))
            end = s.end
        assert all(i in covered for i, c in enumerate(text) if not c.isspace())

    run_property(hardening, "split_sentences: in bounds, trimmed, cover all non-space", texts,
                 check)


def test_check_query_accepts_text_or_refuses_with_one_line(hardening):
    # Texts at the length limit are a drawn text repeated to a drawn length around it
    # (drawing 5,000 characters one by one costs hypothesis seconds per example).
    at_limit = st.builds(lambda t, n: (t * (n // len(t) + 1))[:n], st.text(chars, min_size=1),
                         st.integers(MAX_QUERY_CHARS - 2, MAX_QUERY_CHARS + 2))
    queries = st.one_of(texts, at_limit)

    def check(q):
        try:
            out = check_query(q)
        except UsageError as e:
            assert str(e) and "\n" not in str(e)
            return
        assert out == out.strip() and 0 < len(out) <= MAX_QUERY_CHARS
        assert not any("\ud800" <= c <= "\udfff" for c in out)
        out.encode("utf-8")
        assert any(c.isalnum() for c in arabic.normalize(out))

    run_property(hardening, "check_query: clean text or a one-line refusal", queries, check)


def test_csv_cells_never_start_a_formula(hardening):
    def check(s):
        cell = safe_cell(s)
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert cell in (s, "'" + s)

    run_property(hardening, "CSV cells: never a formula", texts, check)
