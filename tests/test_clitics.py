"""The one segmentation of Arabic proclitics (fahras/text/clitics.py) and what its callers make
of it."""

from __future__ import annotations

import re

from fahras.text import arabic, clitics
from fahras.text.clitics import Reading, attach, bare_words, readings, without_letter


def _written(r: Reading) -> tuple[str, str]:
    return r.prefix, r.core


def test_every_reading_of_a_word_with_conjunction_and_article():
    assert [_written(r) for r in readings("والتهريب")] == [
        ("", "والتهريب"), ("و", "التهريب"), ("وال", "تهريب")]
    assert [r.word for r in readings("والتهريب")] == ["والتهريب", "التهريب", "التهريب"]


def test_the_article_after_lam_is_written_lam_lam():
    rs = readings("للهجرة")
    assert ("لل", "هجرة") in [_written(r) for r in rs]
    r = next(r for r in rs if r.prefix == "لل")
    assert (r.conj, r.prep, r.article, r.word) == ("", "ل", True, "الهجرة")
    assert attach("ل", "الهجرة") == "للهجرة" and attach("و", "الهجرة") == "والهجرة"
    assert attach("ل", "هجرة") == "لهجرة"


def test_readings_keep_a_core_of_min_core_letters_and_start_with_the_word_itself():
    assert [_written(r) for r in readings("بلد", min_core=3)] == [("", "بلد")]
    assert [_written(r) for r in readings("بلد", min_core=2)] == [("", "بلد"), ("ب", "لد")]
    assert readings("")[0].core == "" and len(readings("")) == 1
    assert [_written(r) for r in readings("Frontex")] == [("", "Frontex")]


def test_the_inventory_is_conjunction_then_preposition_then_article():
    prefixes = {r.prefix for r in readings("وبالتعاون") if r.prefix}
    assert prefixes == {"و", "وب", "وبال"}
    # never a preposition before a conjunction, never two of one kind
    assert {r.prefix for r in readings("بوالتعاون") if r.prefix} == {"ب"}
    assert {r.prefix for r in readings("ووالتعاون") if r.prefix} == {"و"}


def test_the_patterns_match_exactly_the_prefixes_readings_know():
    known = {r.prefix for r in readings("وللمصطلحات") + readings("فبالمصطلحات")
             + readings("كالمصطلحات") + readings("والمصطلحات")}
    every = set()
    for c in ("", *clitics.CONJUNCTIONS):
        for p in ("", *clitics.PREPOSITIONS):
            for a in (False, True):
                every.add(Reading(c, p, a, "").prefix)
    assert known <= every and len(every) == 24
    pattern = re.compile(clitics.PREFIX_PATTERN)
    article = re.compile(clitics.ARTICLE_PATTERN)
    for prefix in every:
        assert pattern.fullmatch(prefix), prefix
        assert bool(article.fullmatch(prefix)) == (prefix.endswith("ال") or prefix.endswith("لل"))
    for not_a_prefix in ("بو", "لال", "ووو", "الو", "كل"):
        assert not pattern.fullmatch(not_a_prefix), not_a_prefix


def test_bare_words_and_without_letter():
    assert bare_words("ومصر") == ["ومصر", "مصر"]
    assert bare_words("للمغرب") == ["للمغرب", "لمغرب", "المغرب"]
    assert bare_words("مصر") == ["مصر"]
    assert without_letter("ومصر") == "مصر" and without_letter("و2023") == "2023"
    assert without_letter("بلد") == "بلد" and without_letter("الهند") == "الهند"


def _old_rule(form: str) -> str:
    """What the stemmer dropped before the one segmentation: the rule it had."""
    return form[1:] if form.startswith(("وال", "فال", "بال", "كال")) and len(form) > 5 else form


def test_the_stemmer_drops_a_letter_before_the_article_as_it_always_did():
    from fahras.config import bundled_corpus

    words = {t.form for t in arabic.tokenize(bundled_corpus().read_text(encoding="utf-8"))}
    words = {p + w for w in list(words)[:3000] for p in ("", "و", "ب", "ل", "ك", "ال", "وال",
                                                          "بال", "لل", "ولل", "وبال")}
    assert all(arabic._letter_before_article(w) == _old_rule(w) for w in words)
    assert arabic.stem("والتهريب") == arabic.stem("التهريب")
