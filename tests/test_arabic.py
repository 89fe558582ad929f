"""Arabic normalization and tokenization: the same for passages and queries."""

import pytest

from fahras.text.arabic import (
    analyze,
    normalize,
    normalize_with_offsets,
    script_of,
    stem,
    tokenize,
)


@pytest.mark.parametrize("raw, expected", [
    ("الأَطْفَالُ", "الاطفال"),            # diacritics
    ("مُثِّلت", "مثلت"),                    # shadda + kasra
    ("أإآٱا", "ااااا"),                     # alef forms
    ("مستشفى", "مستشفي"),                   # alef maqsura
    ("المساعدة", "المساعده"),               # teh marbuta
    ("الأطفـــال", "الاطفال"),             # tatweel
    ("پاکستان", "باكستان"),                 # Persian peh, keheh (arclean)
    ("٢٠٢٤ و۴", "2024 و4"),                # Arabic-Indic and Persian digits
    ("المسؤولين", "المسوولين"),             # hamza on waw
    ("هيئة", "هييه"),                      # hamza on yeh
    ("\u200fفيينا\u200e", "فيينا"),          # direction marks
    ("تهريب\u200cالمهاجرين", "تهريبالمهاجرين"),  # zero-width non-joiner removed
    ("Côte d’Ivoire", "cote d’ivoire"),     # accents, case
    ("§ 3 привет 中文", "§ 3 привет 中文"),    # other scripts are kept
    ("a\tb\u00a0c", "a b c"),               # spaces of every kind
    ("ﻻ", "لا"),                            # presentation form
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_is_idempotent_on_the_report(report):
    for p in report.passages:
        once = normalize(p.text)
        assert normalize(once) == once


def test_offsets_map_back_to_whole_written_words():
    raw = "حمايةُ الأَطْفَالِ"
    n = normalize_with_offsets(raw)
    assert n.text == "حمايه الاطفال"
    spans = [n.original_span(t.start, t.end) for t in tokenize(raw)]
    assert [raw[a:b] for a, b in spans] == ["حمايةُ", "الأَطْفَالِ"]


def test_offsets_with_expanding_and_vanishing_characters():
    raw = "ﻻ\u200fبد"  # one char becomes two, one disappears
    n = normalize_with_offsets(raw)
    assert n.text == "لابد"
    assert n.source == (0, 0, 2, 3)
    assert n.original_span(0, 4) == (0, 4)


@pytest.mark.parametrize("text, tokens", [
    ("الوثيقة CTOC/COP/WG.7/2024/3.", ["الوثيقه", "ctoc/cop/wg.7/2024/3"]),
    ("في تموز/يوليه 2024", ["في", "تموز/يوليه", "2024"]),
    ("القرار 9/1،", ["القرار", "9/1"]),
    ("1- عملاً", ["1", "عملا"]),
    ("(أ) افتتاح", ["ا", "افتتاح"]),
    ("الإيبيرية-الأمريكية", ["الايبيريه-الامريكيه"]),
])
def test_tokenize_keeps_codes_and_dates_whole(text, tokens):
    assert [t.form for t in tokenize(text)] == tokens


def test_codes_match_whole_and_by_parts():
    terms = analyze("CTOC/COP/WG.7/2024/3")
    assert terms[0] == "ctoc/cop/wg.7/2024/3"
    assert "ctoc" in terms and "cop" in terms
    assert analyze("تموز/يوليه")[0] == "تموز/يوليه"


def test_spelling_variants_analyze_alike():
    assert analyze("حمايه الاطفال والشباب المهربين") == analyze("حماية الأطفال والشباب المهربين")
    assert analyze("تقديم المساعده التقنيه") == analyze("تقديم المساعدة التقنية")
    assert analyze("مُثِّلت") == analyze("مثلت")


def test_clitics_and_light_stemming():
    # و/ف/ب + ال are stripped before stemming, so these share a stem.
    assert stem("والتعاون") == stem("التعاون") == stem("بالتعاون")
    assert stem("المهاجرين") == stem("مهاجرين")
    assert stem("الاطفال") == stem("للاطفال")


def test_stop_words_and_question_words_are_dropped():
    assert analyze("ما هو دور القنصليات في ذلك؟") == analyze("دور القنصليات")


def test_script_detection():
    assert script_of("ما دور القنصليات؟") == "arabic"
    assert script_of("search and rescue at sea") == "latin"
    assert script_of("CTOC/COP/WG.7/2024/1") == "latin"
    assert script_of("2024") == "none"
    assert script_of("دور Frontex في البحر") == "arabic"


def test_stop_words_are_written_in_normalized_form():
    from fahras.text.arabic import STOP_WORDS

    assert all(normalize(w) == w for w in STOP_WORDS)
    assert analyze("على لدى") == []
